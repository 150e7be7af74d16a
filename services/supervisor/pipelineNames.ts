import { exchangeTopicsWithPrefix, type ExchangeTopics } from '../../libs/agreement-exchange';
import type { Ministry } from '../../libs/contracts/contractTypes';

/**
 * The names one pipeline owns on the shared servers: Kafka topics and consumer groups, replication
 * slots (cluster-wide in PostgreSQL) and publications. `npm start` uses the prefix `thahs`, which gives
 * the defaults every service documents; a test runs a second pipeline beside it under its own prefix.
 */
export interface PipelineNames {
  /** Topics `<prefix>.<ministry>.<agreement>.<entity>`, `<prefix>.agreements`, `<prefix>.dlq.<receiver>.<agreement>`, ... */
  topicPrefix: string;
  exchangeTopics: ExchangeTopics;
  slot(ministry: Ministry): string;
  publication(ministry: Ministry): string;
  /** Consumer group prefix of a ministry's agreement-sync service. */
  syncGroup(ministry: Ministry): string;
}

const PREFIX = /^[a-z][a-z0-9]{0,30}$/;

export function pipelineNames(prefix = 'thahs'): PipelineNames {
  // The prefix also names slots and publications, whose identifiers allow only [a-z0-9_].
  if (!PREFIX.test(prefix)) throw new RangeError(`pipeline prefix "${prefix}" must be lower-case letters and digits, starting with a letter (at most 31)`);
  return {
    topicPrefix: prefix,
    exchangeTopics: exchangeTopicsWithPrefix(prefix),
    slot: (m) => `${prefix}_cdc_${m}`,
    publication: (m) => `${prefix}_exchange_${m}`,
    syncGroup: (m) => `${prefix}-agreement-sync-${m}`,
  };
}
