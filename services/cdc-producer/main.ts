import { Command } from 'commander';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { Ministry } from '../../libs/contracts/contractTypes';
import { createLogger } from '../../libs/logger';
import { loadSigningKey } from '../../libs/signing';
import { CdcProducer } from './cdcProducer';

export interface CdcProducerCliOptions {
  ministry: string;
  dbUrl?: string;
  slot?: string;
  publication?: string;
  topicPrefix?: string;
}

export function createCdcProducer(opts: CdcProducerCliOptions): CdcProducer {
  if (opts.ministry !== 'cand' && opts.ministry !== 'qdnd') throw new Error(`--ministry must be cand or qdnd, got "${opts.ministry}"`);
  const ministry: Ministry = opts.ministry;
  const config = loadConfig();
  const log = createLogger(`cdc-producer-${ministry}`, config.logLevel);
  return new CdcProducer({
    ministry,
    pgUrl: opts.dbUrl ?? (ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl),
    kafkaBrokers: config.kafkaBrokers,
    registryUrl: config.registryUrl,
    contracts: loadContracts(),
    signingKey: loadSigningKey(config.keysDir, ministry),
    log,
    slotName: opts.slot,
    publicationName: opts.publication,
    topicPrefix: opts.topicPrefix,
  });
}

/** Runs one producer until SIGINT/SIGTERM, then stops it so the slot keeps its last confirmed position. */
export async function runCdcProducer(opts: CdcProducerCliOptions): Promise<void> {
  const producer = createCdcProducer(opts);
  const done = new Promise<void>((resolve) => {
    const stop = (): void => void producer.stop().then(resolve, resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await producer.start();
  await done;
}

export function registerCdcProducerCommand(program: Command): void {
  program
    .command('cdc-producer')
    .description("stream a ministry's changes to Kafka as signed Avro events (runs until SIGINT/SIGTERM)")
    .requiredOption('--ministry <ministry>', 'cand | qdnd')
    .option('--db-url <url>', 'source database (default: THAHS_<MINISTRY>_PG_URL)')
    .option('--slot <name>', 'replication slot (default thahs_cdc_<ministry>)')
    .option('--publication <name>', 'publication (default thahs_exchange_<ministry>)')
    .option('--topic-prefix <prefix>', 'topic prefix (default thahs)')
    .action((o: CdcProducerCliOptions) => runCdcProducer(o));
}
