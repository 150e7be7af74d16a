import * as fs from 'fs';

/**
 * CPU seconds per group of processes between two snapshots of /proc, so a pipeline benchmark on a
 * saturated machine can say where the machine's time went (the end-to-end rate is the machine's CPU
 * divided by what one event costs everywhere). A process that starts and ends between two snapshots is
 * not seen; those of the stack live for the whole run.
 */
export type CpuSnapshot = Map<number, { group: string; seconds: number }>;

/** Names a process's group from its command line and its parent's, or undefined to leave it out. */
export type Classifier = (pid: number, cmdline: string, parentCmdline: string) => string | undefined;

function read(pid: string): { ppid: number; seconds: number } | undefined {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // fields 4 (ppid), 14 and 15 (utime, stime in ticks of 1/100 s): every thread of the process
    return { ppid: Number(rest[1]), seconds: (Number(rest[11]) + Number(rest[12])) / 100 };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number | string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

export function cpuSnapshot(classify: Classifier): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const s = read(p);
    if (!s) continue;
    const group = classify(Number(p), cmdline(p), cmdline(s.ppid));
    if (group !== undefined) out.set(Number(p), { group, seconds: s.seconds });
  }
  return out;
}

/** CPU seconds per group from `before` to `after` (processes in both snapshots, or started after `before`). */
export function cpuByGroup(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const by = new Map<string, number>();
  for (const [pid, a] of after) {
    const b = before.get(pid);
    const d = a.seconds - (b && b.group === a.group ? b.seconds : 0);
    by.set(a.group, (by.get(a.group) ?? 0) + d);
  }
  return by;
}
