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
import { generateKeyPair, loadSigningKey, SigningKey } from '../../libs/signing';
import { CdcProducer, CdcProducerOptions } from '../../services/cdc-producer/cdcProducer';
import { ScratchDatabase } from './scratchDatabase';

export interface TestProducerOptions {
  ministry?: 'cand' | 'qdnd';
  pgUrl: string;
  signingKey: SigningKey;
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
    signingKey: o.signingKey,
    log: o.log ?? createLogger(`${name}-producer`, 'error'),
    slotName: `slot_${name}`,
    publicationName: `pub_${name}`,
    topicPrefix: o.prefix,
    ...overrides,
  });
}

/**
 * A migrated scratch `cand` database, a signing key in a temporary folder and a unique topic prefix,
 * slot and publication: what every producer test and benchmark starts from, and cleans up.
 */
export class ProducerFixture {
  private producers: CdcProducer[] = [];

  private constructor(
    readonly db: ScratchDatabase,
    readonly sql: Client,
    readonly keysDir: string,
    readonly key: SigningKey,
    readonly prefix: string,
  ) {}

  static async create(label: string): Promise<ProducerFixture> {
    const config = loadConfig();
    const db = await ScratchDatabase.create(config.candPgUrl, label);
    await migrate(db.url, 'cand');
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), `thahs-${label}-keys-`));
    generateKeyPair(keysDir, 'cand');
    return new ProducerFixture(db, sql, keysDir, loadSigningKey(keysDir, 'cand', {}), `${label}${randomUUID().slice(0, 8)}`);
  }

  get slot(): string {
    return `slot_${this.prefix}`;
  }

  topic(entity: string): string {
    return `${this.prefix}.cand.${entity}`;
  }

  producer(overrides: Partial<CdcProducerOptions> = {}): CdcProducer {
    const p = testProducer({ pgUrl: this.db.url, signingKey: this.key, prefix: this.prefix }, overrides);
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
