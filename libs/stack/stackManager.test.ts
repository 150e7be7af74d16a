import * as childProcess from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig, secretFile } from '../config';
import { secureMaterial } from './secureStack';
import { formatStatus, StackManager } from './stackManager';
import { APICURIO_VERSION, KAFKA_VERSION } from './versions';

// spawnSync passes through, but for one test that records an install instead of running it (core modules cannot be spied on).
jest.mock('child_process', () => {
  const actual = jest.requireActual<typeof import('child_process')>('child_process');
  return { ...actual, spawnSync: jest.fn(actual.spawnSync) };
});

/** Everything under `dir`, relative: what a command left behind. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** The three clusters of a stack folder initialised (PG_VERSION written), none running. */
function initialisedClusters(dir: string): void {
  for (const c of ['cand', 'qdnd', 'platform']) {
    fs.mkdirSync(path.join(dir, 'data', 'pg', c), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'pg', c, 'PG_VERSION'), '15\n');
  }
}

/** Settings of a stack in `dir` on ports nothing listens on: the test never asks a real stack anything. */
function configOnDeadPorts(profile: 'plain' | 'secure', dir: string): ReturnType<typeof loadConfig> {
  return loadConfig({
    THAHS_STACK_PROFILE: profile,
    THAHS_STACK_DIR: dir,
    THAHS_CAND_PG_PORT: '1',
    THAHS_QDND_PG_PORT: '2',
    THAHS_PLATFORM_PG_PORT: '3',
    THAHS_KAFKA_PORT: '4',
    THAHS_REGISTRY_PORT: '7',
  });
}

describe('StackManager.status of a stack never brought up', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-stack-status-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const manager = (profile: 'plain' | 'secure', dir: string): StackManager => new StackManager(loadConfig({ THAHS_STACK_PROFILE: profile, THAHS_STACK_DIR: dir }), () => undefined);

  it.each(['plain', 'secure'] as const)('%s: reports every server "not created" and makes nothing (no folder, CA, password or download)', async (profile) => {
    const dir = path.join(tmp, `.stack-${profile}`);
    const rows = await manager(profile, dir).status();
    expect(rows.map((r) => [r.name, r.created, r.running])).toEqual([
      ['cand', false, false],
      ['qdnd', false, false],
      ['platform', false, false],
      ['kafka', false, false],
      ['registry', false, false],
    ]);
    expect(fs.existsSync(dir)).toBe(false);
    expect(tree(tmp)).toEqual([]);
    expect(formatStatus(rows).split('\n')[0]).toMatch(/^cand {6}not created postgres:\/\/thahs@/);
  });

  it("secure: shows the profile's endpoints (TLS, three brokers, https registry) from the settings", async () => {
    const rows = await manager('secure', path.join(tmp, '.stack-secure')).status();
    const at = Object.fromEntries(rows.map((r) => [r.name, r.endpoint]));
    expect(at.cand).toMatch(/^postgres:\/\/thahs@127\.0\.0\.1:\d+\/thahs\?sslmode=verify-full$/);
    expect(at.kafka.split(',')).toHaveLength(3);
    expect(at.registry).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7$/);
  });

  it('secure: `stack logs` of a cluster names its log file and makes nothing either', () => {
    const dir = path.join(tmp, '.stack-secure');
    expect(manager('secure', dir).logFile('cand')).toBe(path.join(dir, 'logs', 'pg-cand.log'));
    expect(tree(tmp)).toEqual([]);
  });

  it('secure: a folder without the CA (up never got to the servers) is "not created" and stays as it was', async () => {
    const dir = path.join(tmp, '.stack-secure');
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const rows = await manager('secure', dir).status();
    expect(rows.every((r) => !r.created && !r.running)).toBe(true);
    expect(tree(tmp)).toEqual(['.stack-secure', path.join('.stack-secure', 'logs')]);
  });
});

describe('StackManager.status of a made secure stack', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-stack-status-made-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Every entry with its size and mtime: a status that wrote, touched or removed anything changes it. */
  function snapshot(dir: string): string[] {
    return tree(dir).map((f) => {
      const st = fs.lstatSync(path.join(dir, f));
      return `${f} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`;
    });
  }

  it('with a password removed: reports it missing on the servers that need it and writes nothing', async () => {
    const dir = path.join(tmp, '.stack-secure');
    // What `up` makes before any server: the CA, the certificates and every password.
    const made = secureMaterial(dir);
    made.pg('qdnd', 'thahs');
    made.pg('cand', 'thahs');
    made.pg('platform', 'apicurio');
    made.serviceRolePasswords('cand');
    made.serviceRolePasswords('qdnd');
    made.registrySecurity(path.join(dir, 'config', 'registry.properties'), '');
    for (const d of ['downloads', 'logs', 'run', 'config']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    // Clusters initialised, not running.
    initialisedClusters(dir);
    fs.rmSync(secretFile(dir, 'pg', 'qdnd.thahs'));
    const before = snapshot(tmp);
    const config = configOnDeadPorts('secure', dir);
    const manager = new StackManager(config, () => undefined);
    const rows = await manager.status();
    expect(fs.existsSync(secretFile(dir, 'pg', 'qdnd.thahs'))).toBe(false);
    expect(manager.logFile('qdnd')).toBe(path.join(dir, 'logs', 'pg-qdnd.log'));
    expect(snapshot(tmp)).toEqual(before);
    expect(rows.map((r) => [r.name, r.created, r.running])).toEqual([
      ['cand', true, false],
      ['qdnd', true, false],
      ['platform', true, false],
      ['kafka', false, false],
      ['registry', false, false],
    ]);
    const missing = Object.fromEntries(rows.map((r) => [r.name, r.missing ?? []]));
    expect(missing).toEqual({ cand: [], qdnd: [path.join('secrets', 'pg', 'qdnd.thahs.password')], platform: [], kafka: [], registry: [] });
    const qdnd = formatStatus(rows)
      .split('\n')
      .find((l) => l.startsWith('qdnd'));
    expect(qdnd).toMatch(/missing: secrets\/pg\/qdnd\.thahs\.password/);
  });
});

describe('StackManager.status without the tools up needs', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-stack-status-tools-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.mocked(childProcess.spawnSync).mockImplementation(jest.requireActual<typeof childProcess>('child_process').spawnSync);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('as root: names Java and Maven missing on Kafka and the registry, and installs nothing', async () => {
    const dir = path.join(tmp, '.stack');
    initialisedClusters(dir);
    for (const d of [`kafka-${KAFKA_VERSION}`, `apicurio-registry-${APICURIO_VERSION}`]) {
      fs.mkdirSync(path.join(dir, 'downloads', d), { recursive: true });
      fs.writeFileSync(path.join(dir, 'downloads', d, '.complete'), '');
    }
    for (const d of ['logs', 'run', 'config']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const before = tree(tmp);
    // Java and Maven are not on the PATH here; an install is recorded, never run. As root, where ensureToolchain installs.
    const real = jest.requireActual<typeof childProcess>('child_process').spawnSync;
    const ran: string[] = [];
    jest.spyOn(process, 'getuid').mockReturnValue(0);
    jest.mocked(childProcess.spawnSync).mockImplementation(((cmd: string, args?: readonly string[], options?: childProcess.SpawnSyncOptions) => {
      const line = [cmd, ...(args ?? [])].join(' ');
      ran.push(line);
      if (line.includes('apt-get') || /command -v (java|mvn)$/.test(line)) return { pid: 0, output: [], stdout: '', stderr: '', status: 1, signal: null };
      return real(cmd, args ?? [], options ?? {});
    }) as typeof childProcess.spawnSync);
    const log: string[] = [];
    const config = configOnDeadPorts('plain', dir);
    const rows = await new StackManager(config, (l) => log.push(l)).status();
    expect(ran.filter((l) => l.includes('apt-get'))).toEqual([]);
    expect(log.filter((l) => l.includes('install'))).toEqual([]);
    expect(tree(tmp)).toEqual(before);
    expect(rows.map((r) => [r.name, r.created, r.running])).toEqual([
      ['cand', true, false],
      ['qdnd', true, false],
      ['platform', true, false],
      ['kafka', true, false],
      ['registry', true, false],
    ]);
    const tools = Object.fromEntries(rows.map((r) => [r.name, r.missingTools ?? []]));
    expect(tools.kafka).toEqual([expect.stringMatching(/^Java \d+\+ \(openjdk-\d+-jre-headless\)$/), 'Apache Maven (maven)']);
    expect(tools.registry).toEqual(tools.kafka);
    // The PostgreSQL binaries are found or not as this machine has them: Java and Maven are never theirs.
    for (const c of ['cand', 'qdnd', 'platform']) expect(tools[c].filter((t) => !t.startsWith('PostgreSQL'))).toEqual([]);
    expect(
      formatStatus(rows)
        .split('\n')
        .find((l) => l.startsWith('kafka')),
    ).toMatch(/missing tools: Java \d+\+ \(openjdk-\d+-jre-headless\), Apache Maven \(maven\) \(stack up installs them as root\)$/);
  });
});
