import type { Config } from '../config';
import { DEFAULT_TOPIC_PREFIX } from '../contracts/agreementTopics';
import type { Ministry } from '../contracts/contractTypes';
import type { MainJobSource } from '../ops/mainJob';
import { registryAccess, registryFetch, type FetchLike } from '../registry-client';
import type { StatusOptions } from './statusGatherer';

/** The CDC slot of a ministry under a pipeline prefix: the name services/supervisor/pipelineNames.ts gives it. */
export function slotNameFor(prefix: string, ministry: Ministry): string {
  return `${prefix}_cdc_${ministry}`;
}

/**
 * The registry client's fetch for the configured access (CA, credentials). Settings it cannot use (an
 * unreadable CA file, a user without a password) make every probe fail with that reason: the status
 * then shows the registry down and why, instead of the command failing.
 */
function configuredRegistryFetch(config: Config): FetchLike {
  try {
    return registryFetch(registryAccess(config));
  } catch (err) {
    return () => Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
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
    registryFetch: configuredRegistryFetch(config),
    topicPrefix: prefix,
    slotName: (m) => slotNameFor(prefix, m),
    mainJob: o.mainJob,
    mainJobEndpoint: o.mainJobEndpoint,
  };
}
