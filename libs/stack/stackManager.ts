import * as fs from 'fs';
import * as path from 'path';
import { Config, SECURE_KAFKA_NODES, tlsDir } from '../config';
import type { Ministry } from '../contracts/contractTypes';
import { KafkaBroker } from './kafkaBroker';
import { resolveApicurio, resolveKafka, resolveKafkaTools } from './mavenResolver';
import { PgClusterSpec, PostgresCluster, pgDataRoot, pgLogDir } from './postgresCluster';
import { ensureDebianPackage, ensureToolchain, pgauditPackage, Toolchain } from './prerequisites';
import { SchemaRegistry } from './schemaRegistry';
import { SecureKafkaCluster } from './secureKafkaCluster';
import { prepareSecureDatabase, secureMaterial, syncStackAcls, type SecureMaterial } from './secureStack';
import { stackPaths, StackPaths } from './stackPaths';
import { APICURIO_VERSION, KAFKA_VERSION, LOG4J_VERSION } from './versions';

export type ComponentName = 'cand' | 'qdnd' | 'platform' | 'kafka' | 'registry';
export const COMPONENTS: readonly ComponentName[] = ['cand', 'qdnd', 'platform', 'kafka', 'registry'];

export interface ComponentStatus {
  name: ComponentName;
  /** Whether `up` ever made this server here (its folder, data, downloads); false: nothing was asked, nothing made. */
  created: boolean;
  running: boolean;
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

  constructor(
    private readonly config: Config,
    private readonly log: (line: string) => void = (l) => process.stderr.write(`[stack${config.stackProfile === 'secure' ? ' secure' : ''}] ${l}\n`),
  ) {
    this.paths = stackPaths(config.stackDir);
    this.secure = config.stackProfile === 'secure';
  }

  /** The CA, certificates and passwords of the secure profile (made on first use, openssl installed when missing). */
  private secrets(): SecureMaterial {
    if (!this.material) {
      ensureDebianPackage('openssl', () => fs.existsSync('/usr/bin/openssl'), this.log, 'the secure profile makes its CA and certificates with it');
      this.material = secureMaterial(this.config.stackDir);
    }
    return this.material;
  }

  private tools(): Toolchain {
    this.toolchain ??= ensureToolchain(this.log);
    return this.toolchain;
  }

  private mkdirs(): void {
    for (const d of [this.paths.downloads, this.paths.data, this.paths.logs, this.paths.run, this.paths.config]) fs.mkdirSync(d, { recursive: true });
    // The PostgreSQL servers run as `postgres` when we are root and append to their logs there.
    if (process.getuid?.() === 0) fs.chmodSync(this.paths.logs, 0o777);
  }

  /** The ministry clusters audit reads of partner data (Art. 5.4); the platform cluster holds none. */
  clusters(pgBin = this.tools().pgBin): Record<'cand' | 'qdnd' | 'platform', PostgresCluster> {
    const root = pgDataRoot(this.paths.data);
    const logs = pgLogDir(root, this.paths);
    const host = this.config.pgHost;
    const audit = { pgaudit: pgauditPackage(pgBin).installed() };
    const cluster = (spec: PgClusterSpec): PostgresCluster => new PostgresCluster(spec, pgBin, root, logs, this.paths.logs, (l) => this.log(`${spec.name}: ${l}`));
    const security = (name: 'cand' | 'qdnd' | 'platform', role: string) => (this.secure ? { security: this.secrets().pg(name, role) } : {});
    return {
      cand: cluster({ name: 'cand', port: this.config.candPgPort, host, database: 'thahs', role: 'thahs', audit, ...security('cand', 'thahs') }),
      qdnd: cluster({ name: 'qdnd', port: this.config.qdndPgPort, host, database: 'thahs', role: 'thahs', audit, ...security('qdnd', 'thahs') }),
      platform: cluster({ name: 'platform', port: this.config.platformPgPort, host, database: 'registry', role: 'apicurio', ...security('platform', 'apicurio') }),
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
   * folder, CA, password or download (a status of the secure profile once made all of them).
   */
  async status(): Promise<ComponentStatus[]> {
    if (!this.created()) return COMPONENTS.map((name) => this.notCreated(name));
    const pg = this.clusters();
    const out: ComponentStatus[] = [];
    for (const name of ['cand', 'qdnd', 'platform'] as const) {
      const c = pg[name];
      out.push({ name, created: c.initialised(), running: await c.running(), endpoint: c.url, logFile: c.currentLogFile() });
    }
    if (this.downloaded('kafka')) {
      const kafka = this.kafka();
      out.push({ name: 'kafka', created: true, running: await kafka.answers(), endpoint: kafka.bootstrap, logFile: kafka.logFile });
    } else out.push(this.notCreated('kafka'));
    if (this.downloaded('registry')) {
      const registry = this.registry();
      out.push({ name: 'registry', created: true, running: await registry.answers(), endpoint: registry.ccompatUrl, logFile: registry.logFile });
    } else out.push(this.notCreated('registry'));
    return out;
  }

  logFile(component: ComponentName): string {
    if (component === 'kafka') return path.join(this.paths.logs, this.secure ? 'kafka-1.log' : 'kafka.log');
    if (component === 'registry') return path.join(this.paths.logs, 'registry.log');
    // Where `up` will put it: asking the clusters would make the folder and, in the secure profile, the CA and passwords.
    if (!this.created()) return path.join(this.paths.logs, `pg-${component}.log`);
    // No toolchain check for reading a log: the binaries' folder does not matter here.
    return this.clusters(this.toolchain?.pgBin ?? '')[component].currentLogFile();
  }
}

export function formatStatus(rows: ComponentStatus[]): string {
  const w = Math.max(...rows.map((r) => r.endpoint.length));
  const state = (r: ComponentStatus): string => (r.running ? 'up' : r.created ? 'down' : 'not created');
  return rows.map((r) => `${r.name.padEnd(9)} ${state(r).padEnd(11)} ${r.endpoint.padEnd(w)}  log: ${r.logFile}`).join('\n');
}
