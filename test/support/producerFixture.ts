import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { ContractRegistry } from '../../libs/contracts/contractRegistry';
import { createLogger, Logger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import type { AgreementDocument } from '../../libs/agreements';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { SigningKey } from '../../libs/signing';
import { AgreementSource, CdcProducer, CdcProducerOptions } from '../../services/cdc-producer/cdcProducer';
import { providerKeysOf } from '../../services/cdc-producer/providerKeys';
import { confirmedHistory, eventSigningKey, keyOf, partyKeys, type PartyKey } from './agreementHistory';
import { ScratchDatabase } from './scratchDatabase';
import { AgreementFeed, sharingEverything } from './testAgreements';

export interface TestProducerOptions {
  ministry?: 'cand' | 'qdnd';
  pgUrl: string;
  /** The provider keys the producer holds (the agreements name which one signs what). */
  signingKeys: readonly SigningKey[];
  /** The agreement histories it follows. */
  agreements: AgreementSource;
  /** Topic prefix; slot and publication are named after it (and the suffix, when given). */
  prefix: string;
  suffix?: string;
  log?: Logger;
  contracts?: ContractRegistry;
}

/** A producer on the real stack with the test naming conventions; overrides win. */
export function testProducer(o: TestProducerOptions, overrides: Partial<CdcProducerOptions> = {}): CdcProducer {
  const config = loadConfig();
  const name = o.suffix ? `${o.prefix}_${o.suffix}` : o.prefix;
  return new CdcProducer({
    ministry: o.ministry ?? 'cand',
    pgUrl: o.pgUrl,
    kafkaBrokers: config.kafkaBrokers,
    registryUrl: config.registryUrl,
    contracts: o.contracts ?? loadContracts(),
    agreements: o.agreements,
    keys: providerKeysOf(o.signingKeys),
    agreementPollMs: 500,
    log: o.log ?? createLogger(`${name}-producer`, 'error'),
    slotName: `slot_${name}`,
    publicationName: `pub_${name}`,
    topicPrefix: o.prefix,
    ...overrides,
  });
}

/**
 * A migrated scratch `cand` database, an agreement in force (by default one sharing every cand entity
 * whole, so every change is published) with its parties' keys, and a unique topic prefix, slot and
 * publication: what every producer test and benchmark starts from, and cleans up.
 */
export class ProducerFixture {
  private producers: CdcProducer[] = [];
  /** What the producers follow; a test moves the history on with `feed.set`. */
  readonly feed: AgreementFeed;

  private constructor(
    readonly db: ScratchDatabase,
    readonly sql: Client,
    readonly keysDir: string,
    /** The provider body's key the agreement lists: it signs every event. */
    readonly key: SigningKey,
    readonly prefix: string,
    readonly agreement: AgreementDocument,
    readonly keys: readonly PartyKey[],
    others: readonly AgreementDocument[],
  ) {
    this.feed = new AgreementFeed([agreement, ...others].map((d) => confirmedHistory(d, keys).state));
  }

  /**
   * `agreement` is the one the producer provides under (by default one sharing every cand entity
   * whole); `others` are put in force beside it (e.g. the other direction's, which this producer ignores).
   */
  static async create(
    label: string,
    agreement: AgreementDocument = sharingEverything(
      loadContracts()
        .list()
        .filter((c) => c.providers.includes('cand'))
        .map((c) => c.entity),
    ),
    others: readonly AgreementDocument[] = [],
  ): Promise<ProducerFixture> {
    const config = loadConfig();
    const db = await ScratchDatabase.create(config.candPgUrl, label);
    await migrate(db.url, 'cand');
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), `thahs-${label}-keys-`));
    const keys = partyKeys([agreement, ...others]);
    const key = eventSigningKey(keyOf(agreement, agreement.parties.provider.id, keys));
    return new ProducerFixture(db, sql, keysDir, key, `${label}${randomUUID().slice(0, 8)}`, agreement, keys, others);
  }

  get slot(): string {
    return `slot_${this.prefix}`;
  }

  /** The agreement's topic of an entity. */
  topic(entity: string, agreementId: string = this.agreement.id): string {
    return agreementTopic(this.prefix, 'cand', agreementId, entity);
  }

  producer(overrides: Partial<CdcProducerOptions> = {}): CdcProducer {
    const p = testProducer({ pgUrl: this.db.url, signingKeys: [this.key], agreements: this.feed.source, prefix: this.prefix }, overrides);
    this.producers.push(p);
    return p;
  }

  async close(): Promise<void> {
    for (const p of this.producers) await p.stop().catch(() => undefined);
    await this.sql.end().catch(() => undefined);
    await this.db.drop();
    fs.rmSync(this.keysDir, { recursive: true, force: true });
  }
}
