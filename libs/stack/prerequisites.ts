import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MIN_JAVA_MAJOR } from './versions';
import { StackError } from './stackError';

export interface Toolchain {
  java: string;
  mvn: string;
  /** Folder with initdb, pg_ctl, postgres. */
  pgBin: string;
}

interface Requirement {
  tool: keyof Toolchain;
  name: string;
  debianPackage: string;
  find(): string | undefined;
}

function onPath(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function javaMajor(java: string): number | undefined {
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  if (!m) return undefined;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major;
}

/** Newest PostgreSQL server binaries installed the Debian way (/usr/lib/postgresql/<v>/bin), v15 or later. */
export function findPgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    const versions = fs
      .readdirSync(base)
      .filter((v) => /^\d+$/.test(v) && Number(v) >= 15 && fs.existsSync(path.join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return path.join(base, versions[0], 'bin');
  }
  const initdb = onPath('initdb');
  return initdb ? path.dirname(initdb) : undefined;
}

const requirements: Requirement[] = [
  {
    tool: 'java',
    name: `Java ${MIN_JAVA_MAJOR}+`,
    debianPackage: 'openjdk-17-jre-headless',
    find: () => {
      const java = onPath('java');
      return java && (javaMajor(java) ?? 0) >= MIN_JAVA_MAJOR ? java : undefined;
    },
  },
  { tool: 'mvn', name: 'Apache Maven', debianPackage: 'maven', find: () => onPath('mvn') },
  { tool: 'pgBin', name: 'PostgreSQL 15+ server', debianPackage: 'postgresql', find: findPgBin },
];

/** A tool the stack needs that is not installed, and the Debian package ensureToolchain installs it from. */
export interface MissingTool {
  tool: keyof Toolchain;
  name: string;
  debianPackage: string;
}

/** Java, Maven and the PostgreSQL server binaries as they are installed now; installs nothing (what `stack status` reads). */
export function findToolchain(): { found: Partial<Toolchain>; missing: MissingTool[] } {
  const found: Partial<Toolchain> = {};
  const missing: MissingTool[] = [];
  for (const r of requirements) {
    const at = r.find();
    if (at === undefined) missing.push({ tool: r.tool, name: r.name, debianPackage: r.debianPackage });
    else found[r.tool] = at;
  }
  return { found, missing };
}

/**
 * Finds Java, Maven and the PostgreSQL server binaries. As root it installs whatever is missing from
 * Debian's packages; otherwise it fails with the exact command an administrator has to run.
 */
export function ensureToolchain(log: (line: string) => void): Toolchain {
  let { found, missing } = findToolchain();
  if (missing.length > 0) {
    const pkgs = missing.map((r) => r.debianPackage);
    const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.join(' ')}`;
    if (process.getuid?.() !== 0) {
      throw new StackError('prerequisites', `missing ${missing.map((r) => r.name).join(', ')}; run as root: ${cmd}`);
    }
    log(`installing ${pkgs.join(' ')} from Debian's packages`);
    const r = spawnSync('sh', ['-c', cmd], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new StackError('prerequisites', `${cmd} failed with exit code ${r.status}`);
    ({ found, missing } = findToolchain());
    if (missing.length > 0) throw new StackError('prerequisites', `still missing after install: ${missing.map((m) => m.name).join(', ')}`);
  }
  return { java: found.java!, mvn: found.mvn!, pgBin: found.pgBin! };
}

/** The Debian package of the pgaudit extension for the server in `pgBin`, and whether it is installed. */
export function pgauditPackage(pgBin: string): { name: string; installed(): boolean } {
  // Debian keeps one tree per major version: /usr/lib/postgresql/<major>/{bin,lib}.
  const major = /postgresql\/(\d+)\/bin\/?$/.exec(pgBin)?.[1] ?? '15';
  const lib = path.join(path.dirname(pgBin), 'lib', 'pgaudit.so');
  return { name: `postgresql-${major}-pgaudit`, installed: () => fs.existsSync(lib) };
}

/**
 * Installs a Debian package the stack can run without (e.g. the pgaudit extension) when root; otherwise
 * says what it is for and prints the command an administrator runs. Returns whether it is present.
 */
export function ensureDebianPackage(pkg: string, present: () => boolean, log: (line: string) => void, purpose = ''): boolean {
  if (present()) return true;
  if (process.getuid?.() !== 0) {
    log(`package ${pkg} is missing${purpose ? ` (${purpose})` : ''}; run as root: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkg}`);
    return false;
  }
  log(`installing ${pkg} from Debian's packages`);
  let r = spawnSync('apt-get', ['install', '-y', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    r = spawnSync('apt-get', ['install', '-y', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (r.status !== 0) log(`apt-get install -y ${pkg} failed with exit code ${r.status}`);
  return present();
}
