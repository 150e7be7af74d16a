import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { run, portOpen, waitUntil } from './processControl';
import { StackError } from './stackError';

export interface PgClusterSpec {
  /** cand, qdnd or platform. */
  name: string;
  port: number;
  host: string;
  /** Database and login role created on first start (the role owns the database). */
  database: string;
  role: string;
  /** Extra postgresql.conf lines. */
  extraConf?: string[];
}

const asRoot = process.getuid?.() === 0;

/** PostgreSQL refuses to run as root; as root every server command runs as the `postgres` user. */
function pgCommand(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function postgresCanUse(dir: string): boolean {
  try {
    run('pg', 'runuser', ['-u', 'postgres', '--', 'test', '-r', dir, '-a', '-w', dir, '-a', '-x', dir]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folder holding every cluster's data directory. As root the clusters run as `postgres`, which
 * may not traverse a private checkout (CI clones into a 0700 temp folder); then the data lives under
 * /var/lib/thahs-stack and the stack folder links to it, so `stack reset` still finds it.
 */
export function pgDataRoot(stackData: string): string {
  const link = path.join(stackData, 'pg');
  if (!asRoot) {
    fs.mkdirSync(link, { recursive: true });
    return link;
  }
  if (fs.existsSync(link)) {
    const real = fs.realpathSync(link);
    if (postgresCanUse(real)) return real;
  }
  fs.mkdirSync(link, { recursive: true });
  run('pg', 'chown', ['postgres:postgres', link]);
  if (postgresCanUse(link)) return link;
  fs.rmSync(link, { recursive: true, force: true });
  const alt = path.join('/var/lib/thahs-stack', createHash('sha1').update(stackData).digest('hex').slice(0, 12), 'pg');
  fs.mkdirSync(alt, { recursive: true });
  run('pg', 'chown', ['-R', 'postgres:postgres', path.dirname(alt)]);
  fs.symlinkSync(alt, link);
  return alt;
}

/**
 * Where the servers write their logs: the stack's logs folder, or beside the relocated data when the
 * `postgres` user cannot reach the checkout (a link in the logs folder then points to each log).
 */
export function pgLogDir(dataRoot: string, paths: { data: string; logs: string }): string {
  if (dataRoot === path.join(paths.data, 'pg')) return paths.logs;
  const dir = path.join(path.dirname(dataRoot), 'logs');
  fs.mkdirSync(dir, { recursive: true });
  if (asRoot) run('pg', 'chown', ['postgres:postgres', dir]);
  return dir;
}

export class PostgresCluster {
  readonly dataDir: string;
  readonly logFile: string;

  constructor(
    readonly spec: PgClusterSpec,
    private readonly pgBin: string,
    dataRoot: string,
    logsDir: string,
    /** The stack's own logs folder; when the logs live elsewhere a link there points to them. */
    linkDir: string = logsDir,
  ) {
    this.dataDir = path.join(dataRoot, spec.name);
    this.logFile = path.join(logsDir, `pg-${spec.name}.log`);
    if (linkDir !== logsDir) {
      const link = path.join(linkDir, `pg-${spec.name}.log`);
      fs.mkdirSync(linkDir, { recursive: true });
      if (!fs.existsSync(link)) {
        fs.rmSync(link, { force: true });
        fs.symlinkSync(this.logFile, link);
      }
    }
  }

  get url(): string {
    return `postgres://${this.spec.role}@${this.spec.host}:${this.spec.port}/${this.spec.database}`;
  }

  initialised(): boolean {
    return fs.existsSync(path.join(this.dataDir, 'PG_VERSION'));
  }

  init(): void {
    if (this.initialised()) return;
    fs.mkdirSync(this.dataDir, { recursive: true });
    if (asRoot) {
      run(this.spec.name, 'chown', ['-R', 'postgres:postgres', this.dataDir]);
      fs.closeSync(fs.openSync(this.logFile, 'a'));
      run(this.spec.name, 'chown', ['postgres:postgres', this.logFile]);
    }
    const [cmd, args] = pgCommand(path.join(this.pgBin, 'initdb'), [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    run(this.spec.name, cmd, args);
    const conf = [
      '# written by the thahs stack manager',
      `port = ${this.spec.port}`,
      `listen_addresses = '${this.spec.host}'`,
      "unix_socket_directories = ''",
      'wal_level = logical',
      'max_replication_slots = 20',
      'max_wal_senders = 20',
      // A stalled consumer must not fill the disk: the slot is invalidated instead (docs/operations).
      'max_slot_wal_keep_size = 10GB',
      'shared_buffers = 256MB',
      'max_wal_size = 4GB',
      'checkpoint_timeout = 15min',
      "timezone = 'UTC'",
      "log_timezone = 'UTC'",
      ...(this.spec.extraConf ?? []),
    ];
    fs.appendFileSync(path.join(this.dataDir, 'postgresql.conf'), `\n${conf.join('\n')}\n`);
    // Local stack only: loopback with trust. Deployments use scram-sha-256 and TLS (deploy/README.md).
    fs.writeFileSync(
      path.join(this.dataDir, 'pg_hba.conf'),
      ['host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust', ''].join('\n'),
    );
  }

  async running(): Promise<boolean> {
    return portOpen(this.spec.port, this.spec.host);
  }

  async start(timeoutMs: number): Promise<void> {
    if (await this.running()) return;
    if (asRoot) {
      fs.closeSync(fs.openSync(this.logFile, 'a'));
      run(this.spec.name, 'chown', ['postgres:postgres', this.logFile]);
    }
    const [cmd, args] = pgCommand(path.join(this.pgBin, 'pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', String(Math.ceil(timeoutMs / 1000)), 'start']);
    // setsid: the server must not receive the terminal's Ctrl-C meant for `npm start`.
    run(this.spec.name, 'setsid', [cmd, ...args]);
    await waitUntil(this.spec.name, () => this.canConnect('postgres', 'postgres'), timeoutMs, this.logFile);
    await this.ensureDatabase();
  }

  async stop(): Promise<void> {
    // Only our own server: another checkout's stack may answer on the same port.
    if (!this.initialised() || !fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))) return;
    const [cmd, args] = pgCommand(path.join(this.pgBin, 'pg_ctl'), ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    run(this.spec.name, cmd, args);
  }

  private async canConnect(user: string, database: string): Promise<boolean> {
    const c = new Client({ host: this.spec.host, port: this.spec.port, user, database, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** The role may replicate (CDC) and create throwaway databases (tests); it is not a superuser. */
  private async ensureDatabase(): Promise<void> {
    const c = new Client({ host: this.spec.host, port: this.spec.port, user: 'postgres', database: 'postgres' });
    await c.connect();
    try {
      const role = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [this.spec.role]);
      if (role.rowCount === 0) await c.query(`CREATE ROLE "${this.spec.role}" LOGIN REPLICATION CREATEDB`);
      const db = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.spec.database]);
      if (db.rowCount === 0) await c.query(`CREATE DATABASE "${this.spec.database}" OWNER "${this.spec.role}"`);
    } catch (err) {
      throw new StackError(this.spec.name, `creating role/database failed: ${(err as Error).message}`, this.logFile);
    } finally {
      await c.end();
    }
  }
}
