import { exchangeTopicsWithPrefix, PartyKeyRing, publishedContracts, type ExchangeTopics } from '../../libs/agreement-exchange';
import type { Config } from '../../libs/config';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { createKafka } from '../../libs/kafka';
import type { Logger } from '../../libs/logger';
import { AgreementSyncService } from './agreementSyncService';

export interface AgreementSyncOverrides {
  pgUrl?: string;
  topics?: ExchangeTopics;
  groupId?: string;
  keysDir?: string;
}

/** The sync service of one ministry, configured from the environment (libs/config). */
export function createAgreementSyncService(config: Config, ministry: Ministry, log: Logger, overrides: AgreementSyncOverrides = {}): AgreementSyncService {
  return new AgreementSyncService({
    ministry,
    pgUrl: overrides.pgUrl ?? (ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl),
    kafka: createKafka(`thahs-agreement-sync-${ministry}`, config.kafkaBrokers, log),
    topics: overrides.topics ?? exchangeTopicsWithPrefix('thahs'),
    groupId: overrides.groupId,
    keys: PartyKeyRing.fromDir(overrides.keysDir ?? config.keysDir).lookup,
    contracts: publishedContracts(),
    log,
  });
}

/** Both ministries' sync services, for the supervisor (`npm start` runs both databases locally). */
export function createAgreementSyncServices(config: Config, log: Logger): AgreementSyncService[] {
  return (['cand', 'qdnd'] as const).map((m) => createAgreementSyncService(config, m, log.child({ component: `agreement-sync-${m}` })));
}

/** Runs one ministry's sync service until SIGINT/SIGTERM. */
export async function runAgreementSync(service: AgreementSyncService): Promise<void> {
  const done = new Promise<void>((resolve) => {
    const stop = (): void => void service.stop().then(resolve, resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.start();
  await done;
}
