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

function pidIn(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0].trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The groups of one profile's local stack (libs/stack lays each out under its own directory): this
 * process, the source cluster's backends of `sourceDb` and its walsenders, that stack's Kafka nodes and
 * registry (by their pid files), and the rest of its clusters. Another profile's stack idling beside it,
 * and anything else, is "other".
 */
export function stackProcessGroups(stackDir: string, sourceDb: string, self: string): Classifier {
  const registry = pidIn(`${stackDir}/run/registry.pid`);
  const ownPg = `${stackDir}/data/pg/`;
  const ownKafka = `${stackDir}/config/`;
  return (pid, cmd, parent) => {
    if (pid === process.pid) return self;
    if (cmd.startsWith('postgres: ')) {
      if (!parent.includes(ownPg)) return 'other';
      if (cmd.startsWith('postgres: walsender')) return 'source walsenders';
      return cmd.includes(sourceDb) ? 'source backends' : 'PostgreSQL, other';
    }
    if (cmd.includes('kafka.Kafka')) return cmd.includes(ownKafka) ? 'kafka' : 'other';
    if (pid === registry) return 'registry';
    return 'other';
  };
}

/** `group seconds = µs per unit; …`, the largest first. */
export function formatGroups(groups: ReadonlyMap<string, number>, units: number, unit = 'event'): string {
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .map(([g, sec]) => `${g} ${sec.toFixed(2)} s = ${((sec * 1e6) / Math.max(1, units)).toFixed(1)} µs/${unit}`)
    .join('; ');
}
