import { ConfigResourceTypes, Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** compact: the latest state of every key stays replayable; delete: time-bounded logs (DLQ). */
  cleanup: 'compact' | 'delete';
  /** retention.ms of a delete topic; -1 keeps every record (a log that is the record of something). */
  retentionMs?: number;
}

/**
 * Tombstones must outlive the longest consumer outage we tolerate, or a consumer catching up after
 * compaction would never see a delete; 30 days, and reconciliation catches anything older.
 */
const TOMBSTONE_RETENTION_MS = String(30 * 24 * 3600 * 1000);

/**
 * Largest record batch the broker accepts on an exchange topic. The producer sends up to 4,000 events
 * of a replication backlog per request (fewer round trips, each signed in Merkle groups); a partition's
 * share of that can pass Kafka's 1 MB default on wide entities.
 */
export const EXCHANGE_TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Creates missing topics; existing ones are left as they are (partition counts never shrink). */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          configEntries:
            s.cleanup === 'compact'
              ? [
                  { name: 'cleanup.policy', value: 'compact' },
                  { name: 'delete.retention.ms', value: TOMBSTONE_RETENTION_MS },
                  { name: 'min.insync.replicas', value: '1' },
                  { name: 'max.message.bytes', value: String(EXCHANGE_TOPIC_MAX_MESSAGE_BYTES) },
                ]
              : [
                  { name: 'cleanup.policy', value: 'delete' },
                  ...(s.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(s.retentionMs) }]),
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
