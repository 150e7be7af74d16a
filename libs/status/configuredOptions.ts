import type { Config } from '../config';
import { DEFAULT_TOPIC_PREFIX } from '../contracts/agreementTopics';
import type { Ministry } from '../contracts/contractTypes';
import type { MainJobSource } from '../ops/mainJob';
import type { StatusOptions } from './statusGatherer';

/** The CDC slot of a ministry under a pipeline prefix: the name services/supervisor/pipelineNames.ts gives it. */
export function slotNameFor(prefix: string, ministry: Ministry): string {
  return `${prefix}_cdc_${ministry}`;
}

/** Status options from the settings (THAHS_*): both ministries' databases, the brokers, the registry. */
export function statusOptionsFromConfig(
  config: Config,
  o: { mainJob: MainJobSource; mainJobEndpoint: string; topicPrefix?: string; ministries?: readonly Ministry[] },
): StatusOptions {
  const prefix = o.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  return {
    ministries: o.ministries ?? ['cand', 'qdnd'],
    urls: { cand: config.candPgUrl, qdnd: config.qdndPgUrl },
    kafkaBrokers: config.kafkaBrokers,
    registryUrl: config.registryUrl,
    topicPrefix: prefix,
    slotName: (m) => slotNameFor(prefix, m),
    mainJob: o.mainJob,
    mainJobEndpoint: o.mainJobEndpoint,
  };
}
