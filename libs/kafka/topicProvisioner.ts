import { Admin, ConfigResourceTypes, Kafka, KafkaJSProtocolError } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** compact: the latest state of every key stays replayable; delete: time-bounded logs (DLQ). */
  cleanup: 'compact' | 'delete';
  /** retention.ms of a delete topic; -1 keeps every record (a log that is the record of something). */
  retentionMs?: number;
  /** max.message.bytes of a delete topic (compact topics always get EXCHANGE_TOPIC_MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number;
}

/**
 * Tombstones must outlive the longest consumer outage we tolerate, or a consumer catching up after
 * compaction would never see a delete; 30 days, and reconciliation catches anything older.
 */
const TOMBSTONE_RETENTION_MS = String(30 * 24 * 3600 * 1000);

/**
 * Largest record batch the broker accepts on an exchange topic. The producer sends up to 2,000 events
 * of a replication backlog per request (fewer round trips, each signed in Merkle groups); a partition's
 * share of that can pass Kafka's 1 MB default on wide entities.
 */
export const EXCHANGE_TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Compaction leaves every record of an exchange topic younger than this: a receiver checking the
 * provider's per-partition sequence (meta version 2) knows that a number missing behind a younger
 * event was withheld or deleted, not compacted away.
 */
export const EXCHANGE_TOPIC_MIN_COMPACTION_LAG_MS = 7 * 24 * 3600 * 1000;

const TRANSIENT_METADATA = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

function transientMetadataError(err: unknown): boolean {
  return err instanceof KafkaJSProtocolError && TRANSIENT_METADATA.has(err.type);
}

/**
 * createTopics with waitForLeaders retries only LEADER_NOT_AVAILABLE, but a busy broker still creating
 * the topic also answers UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition"),
 * which is just as transient: the topic exists, so the leaders are waited for here.
 */
export async function createAndAwaitLeaders(admin: Admin, options: Parameters<Admin['createTopics']>[0], timeoutMs = 30_000): Promise<void> {
  try {
    await admin.createTopics(options);
    return;
  } catch (err) {
    if (!transientMetadataError(err)) throw err;
  }
  const topics = options.topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (!transientMetadataError(err)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Creates missing topics; existing ones are left as they are (partition counts never shrink). */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await createAndAwaitLeaders(admin, {
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          configEntries:
            s.cleanup === 'compact'
              ? [
                  { name: 'cleanup.policy', value: 'compact' },
                  { name: 'delete.retention.ms', value: TOMBSTONE_RETENTION_MS },
                  { name: 'min.compaction.lag.ms', value: String(EXCHANGE_TOPIC_MIN_COMPACTION_LAG_MS) },
                  { name: 'min.insync.replicas', value: '1' },
                  { name: 'max.message.bytes', value: String(EXCHANGE_TOPIC_MAX_MESSAGE_BYTES) },
                ]
              : [
                  { name: 'cleanup.policy', value: 'delete' },
                  ...(s.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(s.retentionMs) }]),
                  ...(s.maxMessageBytes === undefined ? [] : [{ name: 'max.message.bytes', value: String(s.maxMessageBytes) }]),
                ],
        })),
      });
    }
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The smallest max.message.bytes among these topics: the largest record batch every one of them accepts.
 * Topics created before EXCHANGE_TOPIC_MAX_MESSAGE_BYTES, or set otherwise by an operator, keep their
 * own limit, and the producer sizes its requests to it.
 */
export async function topicMaxMessageBytes(kafka: Kafka, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const r = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
    });
    let min = Number.POSITIVE_INFINITY;
    for (const res of r.resources) {
      for (const e of res.configEntries) {
        const v = Number(e.configValue);
        if (e.configName === 'max.message.bytes' && Number.isFinite(v) && v > 0) min = Math.min(min, v);
      }
    }
    if (!Number.isFinite(min)) throw new Error(`no max.message.bytes reported for ${topics.join(', ')}`);
    return min;
  } finally {
    await admin.disconnect();
  }
}
