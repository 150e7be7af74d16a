import { execFileSync } from 'child_process';
import * as path from 'path';

/** git could not be run at all (not installed, or failed in a way that is not "no history"). */
export class GitHistoryError extends Error {
  constructor(
    readonly cwd: string,
    readonly args: readonly string[],
    readonly reason: string,
  ) {
    super(`git ${args.join(' ')} (in ${cwd}) failed: ${reason}`);
    this.name = 'GitHistoryError';
  }
}

interface GitResult {
  ok: boolean;
  stdout: string;
}

function git(cwd: string, args: string[]): GitResult {
  try {
    const stdout = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, stdout };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number | null };
    if (e.code === 'ENOENT') throw new GitHistoryError(cwd, args, 'git is not installed');
    if (typeof e.status !== 'number') throw new GitHistoryError(cwd, args, e.message);
    return { ok: false, stdout: '' };
  }
}

/**
 * Committed history of files under one git work tree. A folder outside any repository, or a
 * repository without commits yet, simply has no history.
 */
export class SchemaHistory {
  private constructor(private readonly top: string | undefined) {}

  static at(dir: string): SchemaHistory {
    const inside = git(dir, ['rev-parse', '--show-toplevel']);
    if (!inside.ok) return new SchemaHistory(undefined);
    const top = inside.stdout.trim();
    return new SchemaHistory(git(top, ['rev-parse', '--verify', '--quiet', 'HEAD']).ok ? top : undefined);
  }

  get hasHistory(): boolean {
    return this.top !== undefined;
  }

  private rel(file: string): string {
    return path
      .relative(this.top ?? '', path.resolve(file))
      .split(path.sep)
      .join('/');
  }

  /** The most recent committed content of `file` that differs from `current`, newest commit first. */
  previousDifferentVersion(file: string, current: string): { commit: string; text: string } | undefined {
    if (!this.top) return undefined;
    const rel = this.rel(file);
    const log = git(this.top, ['log', '--format=%H', '--', rel]);
    if (!log.ok) return undefined;
    for (const commit of log.stdout.split('\n').filter(Boolean)) {
      // The commit that deleted the file has no blob for it; older ones may.
      const shown = git(this.top, ['show', `${commit}:${rel}`]);
      if (shown.ok && shown.stdout !== current) return { commit, text: shown.stdout };
    }
    return undefined;
  }

  /** Files committed in HEAD under `dir` (absolute paths). */
  committedFiles(dir: string): string[] {
    if (!this.top) return [];
    const rel = this.rel(dir);
    const ls = git(this.top, ['ls-tree', '--name-only', '-r', 'HEAD', '--', rel === '' ? '.' : rel]);
    if (!ls.ok) return [];
    return ls.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => path.join(this.top ?? '', f));
  }
}
