import * as fs from 'fs';
import * as path from 'path';
import { Config } from '../config';
import { KafkaBroker } from './kafkaBroker';
import { resolveApicurio, resolveKafka } from './mavenResolver';
import { PgClusterSpec, PostgresCluster, pgDataRoot, pgLogDir } from './postgresCluster';
import { ensureDebianPackage, ensureToolchain, pgauditPackage, Toolchain } from './prerequisites';
import { SchemaRegistry } from './schemaRegistry';
import { stackPaths, StackPaths } from './stackPaths';
import { APICURIO_VERSION, KAFKA_VERSION, LOG4J_VERSION } from './versions';

export type ComponentName = 'cand' | 'qdnd' | 'platform' | 'kafka' | 'registry';
export const COMPONENTS: readonly ComponentName[] = ['cand', 'qdnd', 'platform', 'kafka', 'registry'];

export interface ComponentStatus {
  name: ComponentName;
  running: boolean;
  endpoint: string;
  logFile: string;
}

/**
 * The local stack: two ministry PostgreSQL clusters, the exchange platform (its PostgreSQL for the
 * registry's storage, a KRaft Kafka node, Apicurio Registry). Every operation is idempotent, so
 * `npm start`, `npm test` and operators can all call `up` and share one running stack.
 */
export class StackManager {
  readonly paths: StackPaths;
  private toolchain?: Toolchain;

  constructor(
    private readonly config: Config,
    private readonly log: (line: string) => void = (l) => process.stderr.write(`[stack] ${l}\n`),
  ) {
    this.paths = stackPaths(config.stackDir);
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
    return {
      cand: cluster({ name: 'cand', port: this.config.candPgPort, host, database: 'thahs', role: 'thahs', audit }),
      qdnd: cluster({ name: 'qdnd', port: this.config.qdndPgPort, host, database: 'thahs', role: 'thahs', audit }),
      platform: cluster({ name: 'platform', port: this.config.platformPgPort, host, database: 'registry', role: 'apicurio' }),
    };
  }

  /** pgaudit records reads made by any database client; without it only the project's own tools log reads. */
  private ensurePgaudit(): void {
    const pkg = pgauditPackage(this.tools().pgBin);
    ensureDebianPackage(pkg.name, pkg.installed, this.log, 'reads of partner data by other database clients are not audited without it');
  }

  kafka(): KafkaBroker {
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
        jdbcUrl: `jdbc:postgresql://${this.config.pgHost}:${this.config.platformPgPort}/registry`,
        jdbcUser: 'apicurio',
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
    await Promise.all([kafka.start(timeout), registry.start(timeout)]);
    this.log('Kafka and the schema registry are up');
    return this.status();
  }

  async down(): Promise<void> {
    if (!fs.existsSync(this.paths.root)) return;
    const stopped: Promise<void>[] = [];
    if (fs.existsSync(path.join(this.paths.downloads, `apicurio-registry-${APICURIO_VERSION}`, '.complete'))) stopped.push(this.registry().stop());
    if (fs.existsSync(path.join(this.paths.downloads, `kafka-${KAFKA_VERSION}`, '.complete'))) stopped.push(this.kafka().stop());
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
  }

  async status(): Promise<ComponentStatus[]> {
    this.mkdirs();
    const pg = this.clusters();
    const out: ComponentStatus[] = [];
    for (const name of ['cand', 'qdnd', 'platform'] as const) {
      const c = pg[name];
      out.push({ name, running: await c.running(), endpoint: c.url, logFile: c.currentLogFile() });
    }
    const kafka = this.kafka();
    out.push({ name: 'kafka', running: await kafka.answers(), endpoint: kafka.bootstrap, logFile: kafka.logFile });
    const registry = this.registry();
    out.push({ name: 'registry', running: await registry.answers(), endpoint: registry.ccompatUrl, logFile: registry.logFile });
    return out;
  }

  logFile(component: ComponentName): string {
    if (component === 'kafka') return path.join(this.paths.logs, 'kafka.log');
    if (component === 'registry') return path.join(this.paths.logs, 'registry.log');
    // No toolchain check for reading a log: the binaries' folder does not matter here.
    return this.clusters(this.toolchain?.pgBin ?? '')[component].currentLogFile();
  }
}

export function formatStatus(rows: ComponentStatus[]): string {
  const w = Math.max(...rows.map((r) => r.endpoint.length));
  return rows.map((r) => `${r.name.padEnd(9)} ${(r.running ? 'up' : 'down').padEnd(5)} ${r.endpoint.padEnd(w)}  log: ${r.logFile}`).join('\n');
}
