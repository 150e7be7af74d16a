import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import {
  AgreementExchangeClient,
  AgreementStore,
  exchangeTopicsWithPrefix,
  generatePartyKey,
  loadPartySigningKey,
  PartyKeyRing,
  publishedContracts,
  type ExchangeTopics,
} from '../../libs/agreement-exchange';
import { parseAgreementText, type AgreementDocument, type ContractLookup } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { createLogger } from '../../libs/logger';
import { AgreementSyncService } from '../../services/agreement-sync/agreementSyncService';
import { ScratchDatabase } from '../support/scratchDatabase';

/**
 * Both ministries of the agreement exchange on the real stack, isolated per test file: a scratch
 * database on each ministry's cluster, topics and consumer groups under a fresh prefix, each
 * ministry's own keys folder holding its bodies' private keys and every body's public key, and one
 * agreement-sync service per ministry running in this process.
 */
export interface MinistrySide {
  ministry: Ministry;
  db: ScratchDatabase;
  pool: Pool;
  keysDir: string;
  ring: PartyKeyRing;
  service: AgreementSyncService;
  store: AgreementStore;
  /** A client acting for `party` (a body of this ministry whose key was created with addParty). */
  client(party: string): AgreementExchangeClient;
}

export interface ExchangeHarness {
  prefix: string;
  topics: ExchangeTopics;
  kafka: Kafka;
  contracts: ContractLookup;
  cand: MinistrySide;
  qdnd: MinistrySide;
  /** Creates a key for a body in its ministry's folder and installs the public half on both sides. */
  addParty(party: string): string;
  side(ministry: Ministry): MinistrySide;
  stop(): Promise<void>;
}

export async function startExchangeHarness(label: string, options: { basisWaitMs?: number } = {}): Promise<ExchangeHarness> {
  const config = loadConfig();
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const topics = exchangeTopicsWithPrefix(prefix);
  const kafka = new Kafka({ clientId: `agreement-test-${label}`, brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const contracts = publishedContracts();
  const log = createLogger(`agreement-test-${label}`, 'error');
  const clients: AgreementExchangeClient[] = [];

  const makeSide = async (ministry: Ministry): Promise<MinistrySide> => {
    const db = await ScratchDatabase.create(ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl, `${label}_${ministry}`);
    const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), `thahs-${label}-${ministry}-keys-`));
    fs.mkdirSync(path.join(keysDir, 'public'), { recursive: true });
    const pool = new Pool({ connectionString: db.url, max: 3 });
    const ring = PartyKeyRing.fromDir(keysDir);
    const service = new AgreementSyncService({
      ministry,
      pgUrl: db.url,
      kafka,
      topics,
      groupId: `${prefix}-sync-${ministry}`,
      keys: ring.lookup,
      contracts,
      log,
      basisWaitMs: options.basisWaitMs ?? 20_000,
    });
    const store = new AgreementStore(pool, db.name);
    const side: MinistrySide = {
      ministry,
      db,
      pool,
      keysDir,
      ring,
      service,
      store,
      client: (party) => {
        const c = new AgreementExchangeClient({
          ministry,
          store,
          db: pool,
          kafka,
          topics,
          keys: ring.lookup,
          signingKey: loadPartySigningKey(keysDir, party),
          contracts,
          waitMs: 30_000,
        });
        clients.push(c);
        return c;
      },
    };
    return side;
  };

  const cand = await makeSide('cand');
  const qdnd = await makeSide('qdnd');
  const harness: ExchangeHarness = {
    prefix,
    topics,
    kafka,
    contracts,
    cand,
    qdnd,
    side: (m) => (m === 'cand' ? cand : qdnd),
    addParty: (party) => {
      const own = party.startsWith('cand.') ? cand : qdnd;
      const other = own === cand ? qdnd : cand;
      const k = generatePartyKey(own.keysDir, party);
      fs.copyFileSync(k.publicFile, path.join(other.keysDir, 'public', path.basename(k.publicFile)));
      own.ring.refresh();
      other.ring.refresh();
      return k.keyId;
    },
    stop: async () => {
      for (const c of clients) await c.close().catch(() => undefined);
      for (const s of [cand, qdnd]) {
        await s.service.stop().catch(() => undefined);
        await s.pool.end().catch(() => undefined);
        await s.db.drop().catch(() => undefined);
        fs.rmSync(s.keysDir, { recursive: true, force: true });
      }
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topics.agreements, topics.requests] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
  try {
    await Promise.all([cand.service.start(), qdnd.service.start()]);
  } catch (err) {
    await harness.stop();
    throw err;
  }
  return harness;
}

/** The deployed cand → qdnd example, under a fresh id, listing the keys the test created. */
export function cand2qdndAgreement(h: ExchangeHarness, keyIds: { provider: string; consumer: string }, idSuffix = ''): AgreementDocument {
  return parseAgreementText(cand2qdndAgreementText(h, keyIds, idSuffix), EXAMPLE, { contracts: h.contracts });
}

const EXAMPLE = path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml');

/** The same, as the YAML text an operator would hand to `thahs agreement draft`. */
export function cand2qdndAgreementText(h: ExchangeHarness, keyIds: { provider: string; consumer: string }, idSuffix = ''): string {
  return fs
    .readFileSync(EXAMPLE, 'utf8')
    .replace('id: TTDL-CAND-QDND-2025-01', `id: TTDL-${h.prefix.toUpperCase()}${idSuffix}`)
    .replace('[cand-c10-2025]', `[${keyIds.provider}]`)
    .replace('[qdnd-cuc-dths-2025]', `[${keyIds.consumer}]`);
}
