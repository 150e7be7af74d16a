import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { Client, type ClientConfig } from 'pg';
import { redactSecrets } from '../config/redact';
import { AUDITOR_ROLE, auditSettings } from './auditSettings';
import { run, portOpen, waitUntil } from './processControl';
import { StackError } from './stackError';
import { STACK_CONF, writeStackConf } from './stackConf';

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
  /**
   * Reads of partner data on this cluster are audited (the ministry clusters): a csvlog the
   * access-audit collector reads, and pgaudit's object auditing when `pgaudit` is true (the extension
   * is installed; without it the server would not start with pgaudit preloaded).
   */
  audit?: { pgaudit: boolean };
  /** The secure profile: TLS only (hostssl), SCRAM passwords for every role, the superuser's included. */
  security?: PgSecurity;
}

export interface PgSecurity {
  /** Server certificate and key (copied into the data directory, owned by the server's user) and the CA clients verify it with. */
  certFile: string;
  keyFile: string;
  caFile: string;
  superuserPassword: string;
  /** Password of `role`, the database owner. */
  rolePassword: string;
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

/** Where pgLogDir puts the servers' logs, making nothing (`stack status`). */
export function pgLogDirOf(dataRoot: string, paths: { data: string; logs: string }): string {
  return dataRoot === path.join(paths.data, 'pg') ? paths.logs : path.join(path.dirname(dataRoot), 'logs');
}

/**
 * Where the servers write their logs: the stack's logs folder, or beside the relocated data when the
 * `postgres` user cannot reach the checkout (a link in the logs folder then points to each log).
 */
export function pgLogDir(dataRoot: string, paths: { data: string; logs: string }): string {
  const dir = pgLogDirOf(dataRoot, paths);
  if (dir === paths.logs) return dir;
  fs.mkdirSync(dir, { recursive: true });
  if (asRoot) run('pg', 'chown', ['postgres:postgres', dir]);
  return dir;
}

/** TLS on, passwords stored as SCRAM verifiers; the server's key and certificate are in its data directory. */
export const SECURE_CONF = [
  'ssl = on',
  "ssl_cert_file = 'server.crt'",
  "ssl_key_file = 'server.key'",
  "ssl_min_protocol_version = 'TLSv1.2'",
  "password_encryption = 'scram-sha-256'",
];
/** Only TLS connections with a SCRAM password; anything else is refused by name, before authentication. */
export const SECURE_HBA = [
  '# written by the thahs stack manager (secure profile)',
  'hostssl all all 127.0.0.1/32 scram-sha-256',
  'hostssl replication all 127.0.0.1/32 scram-sha-256',
  'hostnossl all all 0.0.0.0/0 reject',
  'hostnossl replication all 0.0.0.0/0 reject',
  '',
];

export class PostgresCluster {
  readonly dataDir: string;
  /** pg_ctl's log: everything the server writes before its logging collector takes over (and all of it without one). */
  readonly logFile: string;
  /** Where the logging collector writes (audited clusters): the current stderr log and the csvlog. */
  readonly serverLogDir?: string;

  constructor(
    readonly spec: PgClusterSpec,
    private readonly pgBin: string,
    dataRoot: string,
    logsDir: string,
    /** The stack's own logs folder; when the logs live elsewhere a link there points to them. */
    linkDir: string = logsDir,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.dataDir = path.join(dataRoot, spec.name);
    this.logFile = path.join(logsDir, `pg-${spec.name}.log`);
    if (spec.audit) this.serverLogDir = path.join(logsDir, `pg-${spec.name}`);
    if (linkDir !== logsDir) {
      fs.mkdirSync(linkDir, { recursive: true });
      for (const target of [this.logFile, this.serverLogDir]) {
        if (target === undefined) continue;
        const link = path.join(linkDir, path.basename(target));
        if (!fs.existsSync(link)) {
          fs.rmSync(link, { force: true });
          fs.symlinkSync(target, link);
        }
      }
    }
  }

  /**
   * The log the server writes to now: the logging collector's current stderr file (PostgreSQL names it
   * in current_logfiles), else pg_ctl's log.
   */
  currentLogFile(): string {
    try {
      const entries = fs.readFileSync(path.join(this.dataDir, 'current_logfiles'), 'utf8').split('\n');
      const stderr = entries
        .find((l) => l.startsWith('stderr '))
        ?.slice('stderr '.length)
        .trim();
      if (stderr) return path.resolve(this.dataDir, stderr);
    } catch {
      /* no collector, or not started yet */
    }
    return this.logFile;
  }

  /** Where the database is, for people: never with a password (the secure profile's clients read theirs from the stack's secrets). */
  get url(): string {
    const tls = this.spec.security ? '?sslmode=verify-full' : '';
    return `postgres://${this.spec.role}@${this.spec.host}:${this.spec.port}/${this.spec.database}${tls}`;
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
    const sec = this.spec.security;
    const pwFile = sec ? this.writePasswordFile(sec.superuserPassword) : undefined;
    const [cmd, args] = pgCommand(path.join(this.pgBin, 'initdb'), [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      ...(pwFile ? ['--auth=scram-sha-256', `--pwfile=${pwFile}`] : ['--auth=trust']),
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    try {
      run(this.spec.name, cmd, args);
    } finally {
      if (pwFile) fs.rmSync(path.dirname(pwFile), { recursive: true, force: true });
    }
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
      ...(sec ? SECURE_CONF : []),
      ...(this.spec.extraConf ?? []),
    ];
    fs.appendFileSync(path.join(this.dataDir, 'postgresql.conf'), `\n${conf.join('\n')}\n`);
    // Plain profile: loopback with trust, a development stack. Secure profile: TLS and SCRAM only, as a deployment (docs/deployment.md).
    fs.writeFileSync(path.join(this.dataDir, 'pg_hba.conf'), (sec ? SECURE_HBA : ['host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust', '']).join('\n'));
  }

  /** initdb reads the superuser's password from a file the server's user can read; removed right after. */
  private writePasswordFile(password: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `thahs-initdb-${this.spec.name}-`));
    const file = path.join(dir, 'pw');
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
    if (asRoot) run(this.spec.name, 'chown', ['-R', 'postgres:postgres', dir]);
    return file;
  }

  /** The server's certificate and key inside its data directory: PostgreSQL wants the key 0600 and owned by its user. */
  private installCertificate(): void {
    const sec = this.spec.security;
    if (!sec || !this.initialised()) return;
    for (const [from, to] of [
      [sec.certFile, 'server.crt'],
      [sec.keyFile, 'server.key'],
    ] as const) {
      const dest = path.join(this.dataDir, to);
      fs.copyFileSync(from, dest);
      fs.chmodSync(dest, 0o600);
      if (asRoot) run(this.spec.name, 'chown', ['postgres:postgres', dest]);
    }
  }

  /** Connection options of the stack's own sessions (the superuser's, probes). */
  private connection(user: string, database: string, timeoutMs: number): ClientConfig {
    const sec = this.spec.security;
    const base: ClientConfig = { host: this.spec.host, port: this.spec.port, user, database, connectionTimeoutMillis: timeoutMs };
    if (!sec) return base;
    return { ...base, password: user === 'postgres' ? sec.superuserPassword : sec.rolePassword, ssl: { ca: fs.readFileSync(sec.caFile, 'utf8'), rejectUnauthorized: true } };
  }

  async running(): Promise<boolean> {
    return portOpen(this.spec.port, this.spec.host);
  }

  async start(timeoutMs: number): Promise<void> {
    this.installCertificate();
    const changed = this.writeSettings();
    if (await this.running()) {
      // Another checkout's server may hold the port: reconfigure and restart only our own.
      if (!(await this.answersFromOurDataDir())) return;
      await this.applySettings(changed, timeoutMs);
    } else {
      this.touchLogFile();
      const [cmd, args] = pgCommand(path.join(this.pgBin, 'pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', String(Math.ceil(timeoutMs / 1000)), 'start']);
      // setsid: the server must not receive the terminal's Ctrl-C meant for `npm start`.
      run(this.spec.name, 'setsid', [cmd, ...args]);
      await waitUntil(this.spec.name, () => this.canConnect('postgres', 'postgres'), timeoutMs, this.logFile);
    }
    await this.ensureDatabase();
  }

  private touchLogFile(): void {
    if (!asRoot) return;
    fs.closeSync(fs.openSync(this.logFile, 'a'));
    run(this.spec.name, 'chown', ['postgres:postgres', this.logFile]);
  }

  /**
   * The stack-owned settings file (audited clusters only, so the platform cluster the registry depends
   * on is never restarted for it). Written on every start so clusters made by an older stack get new
   * settings too; returns whether it changed.
   */
  private writeSettings(): boolean {
    if (!this.spec.audit || !this.initialised()) return false;
    const logDir = this.serverLogDir!;
    fs.mkdirSync(logDir, { recursive: true });
    const changed = writeStackConf(this.dataDir, auditSettings({ logDir, pgaudit: this.spec.audit.pgaudit }));
    if (asRoot) run(this.spec.name, 'chown', ['postgres:postgres', logDir, path.join(this.dataDir, STACK_CONF)]);
    return changed;
  }

  /**
   * A running server takes changed settings with a reload, unless one of them (shared_preload_libraries,
   * logging_collector) only applies at server start: PostgreSQL itself says which, in pg_file_settings
   * ("setting could not be applied"), so a restart happens only when one is really pending.
   */
  private async applySettings(changed: boolean, timeoutMs: number): Promise<void> {
    if (!this.spec.audit) return;
    const pending = await this.asSuperuser(async (c) => {
      const r = await c.query<{ name: string; error: string }>(`SELECT name, error FROM pg_file_settings WHERE sourcefile LIKE '%/' || $1 AND error IS NOT NULL`, [STACK_CONF]);
      const invalid = r.rows.filter((x) => x.error !== 'setting could not be applied');
      if (invalid.length > 0) throw new StackError(this.spec.name, `invalid settings in ${STACK_CONF}: ${invalid.map((x) => `${x.name} (${x.error})`).join(', ')}`);
      if (r.rows.length === 0 && changed) await c.query('SELECT pg_reload_conf()');
      return r.rows.map((x) => x.name);
    });
    if (pending.length === 0) return;
    this.log(`restarting to apply ${pending.join(', ')}`);
    this.touchLogFile();
    const [cmd, args] = pgCommand(path.join(this.pgBin, 'pg_ctl'), [
      '-D',
      this.dataDir,
      '-l',
      this.logFile,
      '-m',
      'fast',
      '-w',
      '-t',
      String(Math.ceil(timeoutMs / 1000)),
      'restart',
    ]);
    run(this.spec.name, 'setsid', [cmd, ...args]);
    await waitUntil(this.spec.name, () => this.canConnect('postgres', 'postgres'), timeoutMs, this.logFile);
  }

  /** Whether the server on our port runs from our data directory (and not another checkout's). */
  private async answersFromOurDataDir(): Promise<boolean> {
    if (!this.initialised() || !fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))) return false;
    try {
      const dir = await this.asSuperuser(async (c) => (await c.query<{ data_directory: string }>('SHOW data_directory')).rows[0].data_directory);
      return fs.realpathSync(dir) === fs.realpathSync(this.dataDir);
    } catch {
      return false;
    }
  }

  private async asSuperuser<T>(fn: (c: Client) => Promise<T>, database = 'postgres'): Promise<T> {
    const c = new Client(this.connection('postgres', database, 5000));
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    // Only our own server: another checkout's stack may answer on the same port.
    if (!this.initialised() || !fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))) return;
    const [cmd, args] = pgCommand(path.join(this.pgBin, 'pg_ctl'), ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    run(this.spec.name, cmd, args);
  }

  private async canConnect(user: string, database: string): Promise<boolean> {
    const c = new Client(this.connection(user, database, 2000));
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

  /**
   * The role may replicate (CDC) and create throwaway databases (tests); it is not a superuser. On an
   * audited cluster it may also read the server's log files over SQL (what a deployment grants the
   * access-audit collector, README), and the auditor role pgaudit is keyed on exists.
   */
  private async ensureDatabase(): Promise<void> {
    try {
      await this.asSuperuser(async (c) => {
        const role = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [this.spec.role]);
        if (role.rowCount === 0) await c.query(`CREATE ROLE "${this.spec.role}" LOGIN REPLICATION CREATEDB`);
        if (this.spec.security) await c.query(`ALTER ROLE "${this.spec.role}" PASSWORD ${c.escapeLiteral(this.spec.security.rolePassword)}`);
        const db = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.spec.database]);
        if (db.rowCount === 0) await c.query(`CREATE DATABASE "${this.spec.database}" OWNER "${this.spec.role}"`);
        if (this.spec.audit) {
          const auditor = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [AUDITOR_ROLE]);
          if (auditor.rowCount === 0) await c.query(`CREATE ROLE "${AUDITOR_ROLE}" NOLOGIN`);
          const member = await c.query("SELECT pg_has_role($1, 'pg_monitor', 'MEMBER') AS yes", [this.spec.role]);
          if (!(member.rows[0] as { yes: boolean }).yes) await c.query(`GRANT pg_monitor TO "${this.spec.role}"`);
        }
      });
      // Function rights live in each database: the service's, and template1 for the databases made later (tests).
      if (this.spec.audit) {
        for (const db of [this.spec.database, 'template1']) {
          // Granted once: two `stack up`s at the same time (test runs side by side) otherwise update the
          // function's ACL together and one fails with "tuple concurrently updated".
          await this.asSuperuser(async (c) => {
            const fn = 'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)';
            const has = await c.query<{ yes: boolean }>(`SELECT has_function_privilege($1, '${fn}', 'EXECUTE') AS yes`, [this.spec.role]);
            if (!has.rows[0].yes) await c.query(`GRANT EXECUTE ON FUNCTION ${fn} TO "${this.spec.role}"`);
          }, db);
        }
      }
    } catch (err) {
      throw new StackError(this.spec.name, `creating role/database failed: ${redactSecrets((err as Error).message)}`, this.logFile);
    }
  }
}
