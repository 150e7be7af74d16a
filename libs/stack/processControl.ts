import { spawn, spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import { StackError } from './stackError';

/** Runs a command to completion; throws with its output when it fails. */
export function run(component: string, cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new StackError(component, `${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new StackError(component, `${cmd} ${args.join(' ')} exited ${r.status}:\n${out}`);
  }
  return String(r.stdout ?? '');
}

/**
 * Starts a long-running server detached from this process (it must outlive `npm start` restarts and
 * test runs so a running stack is reused), with stdout/stderr appended to its log and its pid recorded.
 */
export function startDetached(cmd: string, args: string[], logFile: string, pidFile: string, env: NodeJS.ProcessEnv = process.env, cwd?: string): number {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new StackError(cmd, 'failed to start', logFile);
  child.unref();
  fs.writeFileSync(pidFile, String(child.pid));
  return child.pid;
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
export async function stopProcess(pid: number, graceMs = 20000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (isAlive(pid)) await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Polls `probe` until it returns true; fails naming the component and its log when time runs out. */
export async function waitUntil(component: string, probe: () => Promise<boolean>, timeoutMs: number, logFile?: string, pid?: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (pid !== undefined && !isAlive(pid)) throw new StackError(component, 'exited during start-up', logFile);
    if (Date.now() > deadline) throw new StackError(component, `did not answer within ${Math.round(timeoutMs / 1000)} s`, logFile);
    await sleep(500);
  }
}
