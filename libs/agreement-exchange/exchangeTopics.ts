import type { Kafka } from 'kafkajs';
import { ensureTopics, type TopicSpec } from '../kafka';

/**
 * The two topics that carry what passes between the ministries about agreements: the signed lifecycle
 * steps (keyed by agreement id) and the requests (keyed by request id). Both are logs that are the
 * record itself (Art. 13: changes are recorded and kept), so nothing is ever compacted or expired.
 * One partition each: the traffic is a handful of steps a month, and one partition gives every
 * ministry's consumer the same total order, hence the same history.
 */
export interface ExchangeTopics {
  agreements: string;
  requests: string;
}

export const DEFAULT_EXCHANGE_TOPICS: ExchangeTopics = { agreements: 'thahs.agreements', requests: 'thahs.requests' };

/** Topics under another prefix (tests, a second environment on the same cluster). */
export function exchangeTopicsWithPrefix(prefix: string): ExchangeTopics {
  return { agreements: `${prefix}.agreements`, requests: `${prefix}.requests` };
}

export function exchangeTopicSpecs(topics: ExchangeTopics): TopicSpec[] {
  return [
    { topic: topics.agreements, partitions: 1, cleanup: 'delete', retentionMs: -1 },
    { topic: topics.requests, partitions: 1, cleanup: 'delete', retentionMs: -1 },
  ];
}

export function ensureExchangeTopics(kafka: Kafka, topics: ExchangeTopics): Promise<string[]> {
  return ensureTopics(kafka, exchangeTopicSpecs(topics));
}
