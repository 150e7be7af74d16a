import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { generateKeyPair, loadSigningKey, SigningKey } from '../../libs/signing';
import { CdcProducer, CdcProducerOptions } from '../../services/cdc-producer/cdcProducer';
import { ScratchDatabase } from './scratchDatabase';

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
    const config = loadConfig();
    const p = new CdcProducer({
      ministry: 'cand',
      pgUrl: this.db.url,
      kafkaBrokers: config.kafkaBrokers,
      registryUrl: config.registryUrl,
      contracts: loadContracts(),
      signingKey: this.key,
      log: createLogger(`${this.prefix}-producer`, 'error'),
      slotName: this.slot,
      publicationName: `pub_${this.prefix}`,
      topicPrefix: this.prefix,
      ...overrides,
    });
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
