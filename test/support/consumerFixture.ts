import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { createLogger, Logger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { PublicKeyRing } from '../../libs/signing';
import { ApplyConsumer, ApplyConsumerOptions } from '../../services/apply-consumer/applyConsumer';
import type { PolicyResolver } from '../../services/apply-consumer/policyResolver';
import { ScratchDatabase } from './scratchDatabase';

export interface TestConsumerOptions {
  receiver?: Ministry;
  provider?: Ministry;
  agreementId: string;
  entities: readonly string[];
  policy: PolicyResolver;
  /** The provider's public keys the receiver trusts. */
  providerKeys: PublicKeyRing;
  /** The receiver's database. */
  pgUrl: string;
  /** Topic prefix the producer under test publishes with. */
  prefix: string;
  log?: Logger;
  contracts?: ContractRegistry;
}

/** An apply consumer (by default qdnd receiving from cand) on the real stack; overrides win. */
export function testConsumer(o: TestConsumerOptions, overrides: Partial<ApplyConsumerOptions> = {}): ApplyConsumer {
  const config = loadConfig();
  return new ApplyConsumer({
    receiver: o.receiver ?? 'qdnd',
    provider: o.provider ?? 'cand',
    agreementId: o.agreementId,
    entities: o.entities,
    policy: o.policy,
    contracts: o.contracts ?? loadContracts(),
    providerKeys: o.providerKeys,
    pgUrl: o.pgUrl,
    kafkaBrokers: config.kafkaBrokers,
    registryUrl: config.registryUrl,
    log: o.log ?? createLogger(`${o.prefix}-consumer`, 'error'),
    topicPrefix: o.prefix,
    ...overrides,
  });
}

export interface ConsumerFixtureOptions {
  /** Label of the migrated scratch qdnd database the consumers write. */
  receiver: string;
  /** Label of a migrated scratch cand database for a producer to read; none when absent. */
  source?: string;
  /** Whether the fixture's clients work in UTC (`SET TimeZone = 'UTC'`), for tests comparing timestamps as text. */
  utc?: boolean;
}

/**
 * A migrated scratch qdnd database with a client on it (and, when asked, a cand one for the producer),
 * the consumers made on it, and what else a suite hands over to be closed: what every apply suite starts
 * from, and cleans up in the order that keeps the drops from waiting (consumers, then the rest, then
 * the clients, then the databases).
 */
export class ConsumerFixture {
  private readonly made: ApplyConsumer[] = [];
  private readonly cleanups: (() => Promise<unknown> | undefined)[] = [];
  private readonly databases: ScratchDatabase[];

  private constructor(
    readonly receiver: ScratchDatabase,
    /** A client on the receiver's database. */
    readonly dst: Client,
    private readonly sourceDb: ScratchDatabase | undefined,
    private readonly srcClient: Client | undefined,
  ) {
    this.databases = sourceDb ? [sourceDb, receiver] : [receiver];
  }

  static async create(o: ConsumerFixtureOptions): Promise<ConsumerFixture> {
    const config = loadConfig();
    const made: ScratchDatabase[] = [];
    const clients: Client[] = [];
    try {
      const source = o.source === undefined ? undefined : await ScratchDatabase.create(config.candPgUrl, o.source);
      if (source) made.push(source);
      const receiver = await ScratchDatabase.create(config.qdndPgUrl, o.receiver);
      made.push(receiver);
      if (source) await migrate(source.url, 'cand');
      await migrate(receiver.url, 'qdnd');
      const src = source && new Client({ connectionString: source.url });
      const dst = new Client({ connectionString: receiver.url });
      for (const c of src ? [src, dst] : [dst]) {
        clients.push(c);
        await c.connect();
        if (o.utc) await c.query("SET TimeZone = 'UTC'");
      }
      return new ConsumerFixture(receiver, dst, source, src);
    } catch (err) {
      // No fixture reaches the suite's afterAll: what was made is cleaned up here.
      for (const c of clients) await c.end().catch(() => undefined);
      for (const db of made) await db.drop().catch(() => undefined);
      throw err;
    }
  }

  /** The cand database; only when the fixture was created with a `source` label. */
  get source(): ScratchDatabase {
    if (!this.sourceDb) throw new Error('this consumer fixture has no source database');
    return this.sourceDb;
  }

  /** A client on the cand database; only when the fixture was created with a `source` label. */
  get src(): Client {
    if (!this.srcClient) throw new Error('this consumer fixture has no source database');
    return this.srcClient;
  }

  /** A consumer writing the receiver's database (unless `overrides.pgUrl` says otherwise), stopped on close. */
  consumer(o: Omit<TestConsumerOptions, 'pgUrl'>, overrides: Partial<ApplyConsumerOptions> = {}): ApplyConsumer {
    const c = testConsumer({ ...o, pgUrl: this.receiver.url }, overrides);
    this.made.push(c);
    return c;
  }

  /** The consumers `consumer` made, in order. */
  get consumers(): readonly ApplyConsumer[] {
    return this.made;
  }

  /** Another (empty, unmigrated) scratch database on the qdnd cluster, dropped on close. */
  async scratchDatabase(label: string): Promise<ScratchDatabase> {
    const db = await ScratchDatabase.create(loadConfig().qdndPgUrl, label);
    this.databases.push(db);
    return db;
  }

  /** Runs `fn` on close after the consumers stop and before the clients end (producers, raw Kafka clients, proxies). */
  onClose(fn: () => Promise<unknown> | undefined): void {
    this.cleanups.push(fn);
  }

  /** Best effort: a failing step does not keep the later ones (above all the drops) from running. */
  async close(): Promise<void> {
    for (const c of this.made) await c.stop().catch(() => undefined);
    for (const fn of this.cleanups) await Promise.resolve(fn()).catch(() => undefined);
    await this.srcClient?.end().catch(() => undefined);
    await this.dst.end().catch(() => undefined);
    for (const db of this.databases) await db.drop().catch(() => undefined);
  }
}
