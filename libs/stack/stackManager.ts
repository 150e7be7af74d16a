import * as fs from 'fs';
import * as path from 'path';
import { Config, SECURE_KAFKA_NODES, tlsDir } from '../config';
import type { Ministry } from '../contracts/contractTypes';
import { KafkaBroker } from './kafkaBroker';
import { resolveApicurio, resolveKafka, resolveKafkaTools } from './mavenResolver';
import { PgClusterSpec, PostgresCluster, pgDataRoot, pgLogDir, pgLogDirOf } from './postgresCluster';
import { ensureDebianPackage, ensureToolchain, findToolchain, pgauditPackage, Toolchain, type MissingTool } from './prerequisites';
import { SchemaRegistry } from './schemaRegistry';
import { SecureKafkaCluster } from './secureKafkaCluster';
import { missingSecureFiles, PG_OWNER_ROLES, prepareSecureDatabase, secureMaterial, syncStackAcls, type SecureMaterial } from './secureStack';
import { stackPaths, StackPaths } from './stackPaths';
import { APICURIO_VERSION, KAFKA_VERSION, LOG4J_VERSION } from './versions';

export type ComponentName = 'cand' | 'qdnd' | 'platform' | 'kafka' | 'registry';
export const COMPONENTS: readonly ComponentName[] = ['cand', 'qdnd', 'platform', 'kafka', 'registry'];
/** The tools `up` runs each server with. */
const TOOLS_OF: Record<ComponentName, readonly (keyof Toolchain)[]> = { cand: ['pgBin'], qdnd: ['pgBin'], platform: ['pgBin'], kafka: ['java', 'mvn'], registry: ['java', 'mvn'] };

export interface ComponentStatus {
  name: ComponentName;
  /** Whether `up` ever made this server here (its folder, data, downloads); false: nothing was asked, nothing made. */
  created: boolean;
  running: boolean;
  /**
   * Files of the secure stack this server needs that are not there (relative to the stack folder):
   * `up` would make them anew (a new password, a new CA); status only names them.
   */
  missing?: string[];
  /** Tools `up` needs for this server that are not installed, with their Debian package (`up` as root installs them; status never does). */
  missingTools?: string[];
  endpoint: string;
  logFile: string;
}

/**
 * The local stack: two ministry PostgreSQL clusters, the exchange platform (its PostgreSQL for the
 * registry's storage, a KRaft Kafka node, Apicurio Registry). Every operation is idempotent, so
 * `npm start`, `npm test` and operators can all call `up` and share one running stack.
 *
 * The `secure` profile (THAHS_STACK_PROFILE=secure, `--profile secure`) runs in its own folder and
 * ports: three KRaft brokers with TLS, SASL/SCRAM principals and ACLs, the registry over HTTPS with
 * HTTP basic users, PostgreSQL with TLS and SCRAM passwords and least-privilege roles in the
 * ministry databases. Its CA and passwords are generated under the stack folder.
 */
export class StackManager {
  readonly paths: StackPaths;
  readonly secure: boolean;
  private toolchain?: Toolchain;
  private material?: SecureMaterial;
  /** What `status` reads the secure stack's files through: never makes a CA, certificate or password. */
  private readingMaterial?: SecureMaterial;
  /** Set while `status` builds its servers (synchronously): secrets() then reads and makes nothing. */
  private readOnly = false;
  /** The tools as `status` found them: what is missing is reported, never installed. */
  private foundTools?: ReturnType<typeof findToolchain>;

  constructor(
    private readonly config: Config,
    private readonly log: (line: string) => void = (l) => process.stderr.write(`[stack${config.stackProfile === 'secure' ? ' secure' : ''}] ${l}\n`),
  ) {
    this.paths = stackPaths(config.stackDir);
    this.secure = config.stackProfile === 'secure';
  }

  /** The CA, certificates and passwords of the secure profile (made on first use, openssl installed when missing). */
  private secrets(): SecureMaterial {
    if (!this.material && this.readOnly) {
      this.readingMaterial ??= secureMaterial(this.config.stackDir, { readOnly: true });
      return this.readingMaterial;
    }
    if (!this.material) {
      ensureDebianPackage('openssl', () => fs.existsSync('/usr/bin/openssl'), this.log, 'the secure profile makes its CA and certificates with it');
      this.material = secureMaterial(this.config.stackDir);
    }
    return this.material;
  }

  private tools(): Toolchain {
    // Status only builds the servers to read their paths and ports: no tool is run, so one missing is
    // reported (missingTools) instead of installed — ensureToolchain would apt-get install it as root.
    if (this.readOnly) {
      const f = (this.foundTools ??= findToolchain()).found;
      return { java: f.java ?? '', mvn: f.mvn ?? '', pgBin: f.pgBin ?? '' };
    }
    this.toolchain ??= ensureToolchain(this.log);
    return this.toolchain;
  }

  /** `row` with the tools `up` would need for its server that status found missing. */
  private withMissingTools(row: ComponentStatus): ComponentStatus {
    const missing: MissingTool[] = (this.foundTools ??= findToolchain()).missing.filter((m) => TOOLS_OF[row.name].includes(m.tool));
    return missing.length > 0 ? { ...row, missingTools: missing.map((m) => `${m.name} (${m.debianPackage})`) } : row;
  }

  private mkdirs(): void {
    for (const d of [this.paths.downloads, this.paths.data, this.paths.logs, this.paths.run, this.paths.config]) fs.mkdirSync(d, { recursive: true });
    // The PostgreSQL servers run as `postgres` when we are root and append to their logs there.
    if (process.getuid?.() === 0) fs.chmodSync(this.paths.logs, 0o777);
  }

  /** The ministry clusters audit reads of partner data (Art. 5.4); the platform cluster holds none. */
  clusters(pgBin = this.tools().pgBin): Record<'cand' | 'qdnd' | 'platform', PostgresCluster> {
    // Read-only (status): the data folder as it is — pgDataRoot would make, chown or relocate it.
    const root = this.readOnly ? fs.realpathSync(path.join(this.paths.data, 'pg')) : pgDataRoot(this.paths.data);
    const logs = this.readOnly ? pgLogDirOf(root, this.paths) : pgLogDir(root, this.paths);
    const host = this.config.pgHost;
    const audit = { pgaudit: pgauditPackage(pgBin).installed() };
    // Read-only: no links to relocated logs are made in the stack's logs folder.
    const cluster = (spec: PgClusterSpec): PostgresCluster =>
      new PostgresCluster(spec, pgBin, root, logs, this.readOnly ? logs : this.paths.logs, (l) => this.log(`${spec.name}: ${l}`));
    const security = (name: 'cand' | 'qdnd' | 'platform', role: string) => (this.secure ? { security: this.secrets().pg(name, role) } : {});
    return {
      cand: cluster({ name: 'cand', port: this.config.candPgPort, host, database: 'thahs', role: PG_OWNER_ROLES.cand, audit, ...security('cand', PG_OWNER_ROLES.cand) }),
      qdnd: cluster({ name: 'qdnd', port: this.config.qdndPgPort, host, database: 'thahs', role: PG_OWNER_ROLES.qdnd, audit, ...security('qdnd', PG_OWNER_ROLES.qdnd) }),
      platform: cluster({
        name: 'platform',
        port: this.config.platformPgPort,
        host,
        database: 'registry',
        role: PG_OWNER_ROLES.platform,
        ...security('platform', PG_OWNER_ROLES.platform),
      }),
    };
  }

  /** pgaudit records reads made by any database client; without it only the project's own tools log reads. */
  private ensurePgaudit(): void {
    const pkg = pgauditPackage(this.tools().pgBin);
    ensureDebianPackage(pkg.name, pkg.installed, this.log, 'reads of partner data by other database clients are not audited without it');
  }

  kafka(): KafkaBroker | SecureKafkaCluster {
    return this.secure ? this.secureKafka() : this.plainKafka();
  }

  /** The secure profile's three brokers (replication factor 3, min.insync.replicas 2 for created topics). */
  secureKafka(): SecureKafkaCluster {
    const t = this.tools();
    const libs = resolveKafka(t.mvn, this.paths.downloads, KAFKA_VERSION, LOG4J_VERSION, this.log);
    const m = this.secrets();
    return new SecureKafkaCluster(
      {
        host: '127.0.0.1',
        firstPort: this.config.kafkaPort,
        firstControllerPort: this.config.kafkaControllerPort,
        nodes: SECURE_KAFKA_NODES,
        heapMb: this.config.kafkaHeapMb,
        caFile: m.caFile,
        nodePemFile: m.kafkaNode.pemFile,
        passwords: m.kafkaPasswords,
        replicationFactor: 3,
        minInsyncReplicas: 2,
      },
      t.java,
      libs,
      this.paths,
      () => resolveKafkaTools(t.mvn, this.paths.downloads, KAFKA_VERSION, LOG4J_VERSION, this.log),
      this.log,
    );
  }

  private plainKafka(): KafkaBroker {
    const t = this.tools();
    const libs = resolveKafka(t.mvn, this.paths.downloads, KAFKA_VERSION, LOG4J_VERSION, this.log);
    return new KafkaBroker(
      { host: '127.0.0.1', port: this.config.kafkaPort, controllerPort: this.config.kafkaControllerPort, heapMb: this.config.kafkaHeapMb },
      t.java,
      libs,
      this.paths,
    );
  }

  registry(): SchemaRegistry {
    const t = this.tools();
    const home = resolveApicurio(t.mvn, this.paths.downloads, APICURIO_VERSION, this.log);
    return new SchemaRegistry(
      {
        host: '127.0.0.1',
        port: this.config.registryPort,
        heapMb: this.config.registryHeapMb,
        jdbcUrl: `jdbc:postgresql://${this.config.pgHost}:${this.config.platformPgPort}/registry${this.secure ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(this.secrets().caFile)}` : ''}`,
        jdbcUser: 'apicurio',
        ...(this.secure
          ? { security: this.secrets().registrySecurity(path.join(this.paths.config, 'registry.properties'), this.secrets().pg('platform', 'apicurio').rolePassword) }
          : {}),
      },
      t.java,
      home,
      this.paths,
    );
  }

  async up(): Promise<ComponentStatus[]> {
    this.mkdirs();
    const timeout = this.config.stackStartTimeoutSec * 1000;
    this.ensurePgaudit();
    const pg = this.clusters();
    // Resolve the downloads before starting anything so a missing artifact fails fast.
    const kafka = this.kafka();
    const registry = this.registry();
    for (const c of Object.values(pg)) c.init();
    await Promise.all(Object.values(pg).map((c) => c.start(timeout)));
    this.log('PostgreSQL clusters cand, qdnd and platform are up');
    if (this.secure) {
      for (const m of ['cand', 'qdnd'] as const satisfies readonly Ministry[]) await prepareSecureDatabase(this.config, this.secrets(), m);
      this.log('ministry databases prepared: owner thahs, service roles thahs_producer, thahs_apply, thahs_operator, thahs_audit');
    }
    await Promise.all([kafka.start(timeout), registry.start(timeout)]);
    if (kafka instanceof SecureKafkaCluster) {
      const acl = await syncStackAcls(this.config, kafka);
      this.log(`Kafka ACLs in step with the agreements in force: ${acl.created.length} created, ${acl.deleted.length} deleted`);
    }
    this.log('Kafka and the schema registry are up');
    return this.status();
  }

  async down(): Promise<void> {
    if (!fs.existsSync(this.paths.root)) return;
    const stopped: Promise<void>[] = [];
    if (fs.existsSync(path.join(this.paths.downloads, `apicurio-registry-${APICURIO_VERSION}`, '.complete'))) stopped.push(this.registry().stop());
    // The secure stack needs its CA and passwords to be asked anything; stopping only needs the pid files.
    if (fs.existsSync(path.join(this.paths.downloads, `kafka-${KAFKA_VERSION}`, '.complete')) && (!this.secure || fs.existsSync(path.join(this.paths.root, 'tls'))))
      stopped.push(this.kafka().stop());
    await Promise.all(stopped);
    await Promise.all(Object.values(this.clusters()).map((c) => c.stop()));
  }

  /** Stops everything and deletes the data, keeping the downloaded servers. */
  async reset(): Promise<void> {
    await this.down();
    const pgRoot = path.join(this.paths.data, 'pg');
    if (fs.existsSync(pgRoot)) {
      const real = fs.realpathSync(pgRoot);
      // Relocated (see pgDataRoot): the data and the logs beside it live under one folder of their own.
      if (real !== pgRoot) fs.rmSync(path.dirname(real), { recursive: true, force: true });
    }
    for (const d of [this.paths.data, this.paths.logs, this.paths.run, this.paths.config]) fs.rmSync(d, { recursive: true, force: true });
    // The secure profile's CA and passwords go with its data: a new stack gets new ones.
    if (this.secure) for (const d of ['tls', 'secrets']) fs.rmSync(path.join(this.paths.root, d), { recursive: true, force: true });
  }

  /**
   * Whether `up` got as far as making this stack: its folder, and for the secure profile its CA (made
   * before any server). Without them `status` has nothing to ask and must not make them.
   */
  private created(): boolean {
    return fs.existsSync(this.paths.root) && (!this.secure || fs.existsSync(tlsDir(this.config.stackDir)));
  }

  private downloaded(name: 'kafka' | 'registry'): boolean {
    const dir = name === 'kafka' ? `kafka-${KAFKA_VERSION}` : `apicurio-registry-${APICURIO_VERSION}`;
    return fs.existsSync(path.join(this.paths.downloads, dir, '.complete'));
  }

  /** Where each server would run, from the settings alone: nothing is made, resolved or asked. */
  private notCreated(name: ComponentName): ComponentStatus {
    const c = this.config;
    const tls = this.secure ? '?sslmode=verify-full' : '';
    const pg = (role: string, port: number, database: string): string => `postgres://${role}@${c.pgHost}:${port}/${database}${tls}`;
    const endpoint: Record<ComponentName, string> = {
      cand: pg('thahs', c.candPgPort, 'thahs'),
      qdnd: pg('thahs', c.qdndPgPort, 'thahs'),
      platform: pg('apicurio', c.platformPgPort, 'registry'),
      kafka: Array.from({ length: this.secure ? SECURE_KAFKA_NODES : 1 }, (_, i) => `127.0.0.1:${c.kafkaPort + i}`).join(','),
      registry: `${this.secure ? 'https' : 'http'}://127.0.0.1:${c.registryPort}/apis/ccompat/v7`,
    };
    return { name, created: false, running: false, endpoint: endpoint[name], logFile: this.logFile(name) };
  }

  /**
   * Read-only: a stack (or a server) `up` never made is reported "not created" — status makes no
   * folder, CA, password or download (a status of the secure profile once made all of them). On a made
   * secure stack the CA, certificates and passwords are only read: one that is missing is named in the
   * server's `missing`, not made (`up` makes it). A tool `up` needs that is not installed is named in
   * `missingTools`, never installed (as root, `up` apt-get installs it).
   */
  async status(): Promise<ComponentStatus[]> {
    // Found anew at each status: an administrator may have installed them since.
    this.foundTools = findToolchain();
    if (!this.created()) return COMPONENTS.map((name) => this.withMissingTools(this.notCreated(name)));
    // The servers are built synchronously while readOnly holds, so no other call sees the flag.
    this.readOnly = true;
    let pg: Record<'cand' | 'qdnd' | 'platform', PostgresCluster> | undefined;
    let kafka: KafkaBroker | SecureKafkaCluster | undefined;
    let registry: SchemaRegistry | undefined;
    try {
      if (fs.existsSync(path.join(this.paths.data, 'pg'))) pg = this.clusters();
      if (this.downloaded('kafka')) kafka = this.kafka();
      if (this.downloaded('registry')) registry = this.registry();
    } finally {
      this.readOnly = false;
    }
    const missing = (name: ComponentName): { missing?: string[] } => (this.secure ? { missing: missingSecureFiles(this.config.stackDir, name) } : {});
    const out: ComponentStatus[] = [];
    for (const name of ['cand', 'qdnd', 'platform'] as const) {
      const c = pg?.[name];
      if (c) out.push({ name, created: c.initialised(), running: await c.running(), ...missing(name), endpoint: c.url, logFile: c.currentLogFile() });
      else out.push(this.notCreated(name));
    }
    if (kafka)
      out.push({
        name: 'kafka',
        created: true,
        running: await kafka.answers(),
        ...missing('kafka'),
        endpoint: kafka.bootstrap,
        logFile: kafka.logFile,
      });
    else out.push(this.notCreated('kafka'));
    if (registry)
      out.push({
        name: 'registry',
        created: true,
        running: await registry.answers(),
        ...missing('registry'),
        endpoint: registry.ccompatUrl,
        logFile: registry.logFile,
      });
    else out.push(this.notCreated('registry'));
    return out.map((r) => this.withMissingTools(r));
  }

  logFile(component: ComponentName): string {
    if (component === 'kafka') return path.join(this.paths.logs, this.secure ? 'kafka-1.log' : 'kafka.log');
    if (component === 'registry') return path.join(this.paths.logs, 'registry.log');
    // Where `up` will put it: asking the clusters would make the folder and, in the secure profile, the CA and passwords.
    if (!this.created() || !fs.existsSync(path.join(this.paths.data, 'pg'))) return path.join(this.paths.logs, `pg-${component}.log`);
    // No toolchain check for reading a log: the binaries' folder does not matter here. Read-only, as status.
    this.readOnly = true;
    try {
      return this.clusters(this.toolchain?.pgBin ?? '')[component].currentLogFile();
    } finally {
      this.readOnly = false;
    }
  }
}

export function formatStatus(rows: ComponentStatus[]): string {
  const w = Math.max(...rows.map((r) => r.endpoint.length));
  const state = (r: ComponentStatus): string => (r.running ? 'up' : r.created ? 'down' : 'not created');
  const missing = (r: ComponentStatus): string => (r.missing?.length ? `  missing: ${r.missing.join(', ')} (stack up makes them anew)` : '');
  const tools = (r: ComponentStatus): string => (r.missingTools?.length ? `  missing tools: ${r.missingTools.join(', ')} (stack up installs them as root)` : '');
  return rows.map((r) => `${r.name.padEnd(9)} ${state(r).padEnd(11)} ${r.endpoint.padEnd(w)}  log: ${r.logFile}${missing(r)}${tools(r)}`).join('\n');
}
