import * as path from 'path';
import { Command } from 'commander';
import { Client } from 'pg';
import { AgreementStore } from '../../libs/agreement-exchange';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { Ministry } from '../../libs/contracts/contractTypes';
import { createLogger } from '../../libs/logger';
import { loadAgreementHistories } from '../apply-consumer/agreementHistories';
import { AgreementSource, CdcProducer } from './cdcProducer';
import { ProducerState } from './producerState';
import { keysFolderProviderKeys } from './providerKeys';

export interface CdcProducerCliOptions {
  ministry: string;
  dbUrl?: string;
  slot?: string;
  publication?: string;
  topicPrefix?: string;
  /** A folder of signed agreement histories instead of the ministry database's copy. */
  agreements?: string;
}

/**
 * The producer as `thahs cdc-producer` runs it: the agreements from the ministry database's own copy of
 * the agreement histories (kept by its agreement-sync service), or from a folder of signed histories;
 * the provider bodies' keys from THAHS_KEYS_DIR. Returns it with what must be closed after it.
 */
export function createCdcProducer(opts: CdcProducerCliOptions): { producer: CdcProducer; close(): Promise<void> } {
  if (opts.ministry !== 'cand' && opts.ministry !== 'qdnd') throw new Error(`--ministry must be cand or qdnd, got "${opts.ministry}"`);
  const ministry: Ministry = opts.ministry;
  const config = loadConfig();
  const log = createLogger(`cdc-producer-${ministry}`, config.logLevel);
  const contracts = loadContracts();
  const pgUrl = opts.dbUrl ?? (ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl);
  let agreements: AgreementSource;
  let close = async (): Promise<void> => undefined;
  if (opts.agreements) {
    const dir = path.resolve(opts.agreements);
    agreements = () => loadAgreementHistories(dir, config.keysDir, contracts);
  } else {
    const store = AgreementStore.open(pgUrl);
    agreements = () => store.allStates();
    close = () => store.close();
  }
  const producer = new CdcProducer({
    ministry,
    pgUrl,
    kafkaBrokers: config.kafkaBrokers,
    registryUrl: config.registryUrl,
    contracts,
    agreements,
    keys: keysFolderProviderKeys(config.keysDir),
    log,
    slotName: opts.slot,
    publicationName: opts.publication,
    topicPrefix: opts.topicPrefix,
  });
  return { producer, close };
}

/** Runs one producer until SIGINT/SIGTERM, then stops it so the slot keeps its last confirmed position. */
export async function runCdcProducer(opts: CdcProducerCliOptions): Promise<void> {
  const { producer, close } = createCdcProducer(opts);
  const done = new Promise<void>((resolve) => {
    const stop = (): void => void producer.stop().finally(close).then(resolve, resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await producer.start();
  await done;
}

/** Asks the producer to publish a table again (after fixing a drift, or for a consumer that lost data). */
export async function requestResnapshot(ministry: string, entity: string, dbUrl?: string): Promise<void> {
  if (ministry !== 'cand' && ministry !== 'qdnd') throw new Error(`--ministry must be cand or qdnd, got "${ministry}"`);
  const config = loadConfig();
  if (!loadContracts().has(entity)) throw new Error(`--entity "${entity}" is not an exchanged entity`);
  const db = new Client({ connectionString: dbUrl ?? (ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl) });
  await db.connect();
  try {
    const state = new ProducerState(db);
    await state.ensure();
    await state.requestSnapshot(entity);
  } finally {
    await db.end();
  }
}

export function registerCdcProducerCommand(program: Command): void {
  program
    .command('resnapshot')
    .description('ask the running CDC producer to publish one table again, consistent with the stream (also resumes a table stopped by drift)')
    .requiredOption('--ministry <ministry>', 'cand | qdnd')
    .requiredOption('--entity <entity>', 'exchanged entity, e.g. person')
    .option('--db-url <url>', 'source database (default: THAHS_<MINISTRY>_PG_URL)')
    .action(async (o: { ministry: string; entity: string; dbUrl?: string }) => {
      await requestResnapshot(o.ministry, o.entity, o.dbUrl);
      process.stdout.write(`re-snapshot of ${o.ministry}.${o.entity} requested; the producer takes it at the next transaction boundary\n`);
    });
  program
    .command('cdc-producer')
    .description("publish a ministry's changes to the topics of the agreements in force, projected, filtered and signed (runs until SIGINT/SIGTERM)")
    .requiredOption('--ministry <ministry>', 'cand | qdnd')
    .option('--db-url <url>', 'source database (default: THAHS_<MINISTRY>_PG_URL)')
    .option('--slot <name>', 'replication slot (default thahs_cdc_<ministry>)')
    .option('--publication <name>', 'publication (default thahs_exchange_<ministry>)')
    .option('--topic-prefix <prefix>', 'topic prefix (default thahs)')
    .option('--agreements <dir>', "folder of signed agreement histories (*.events.json[l]) to follow instead of the ministry database's copy")
    .action((o: CdcProducerCliOptions) => runCdcProducer(o));
}
