import { Admin } from 'kafkajs';

export type PartitionOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

/**
 * fetchTopicOffsets right after a topic was created can meet a broker whose metadata has not caught up
 * ("not the leader for that topic-partition"): kafkajs marks such errors retriable, so they are
 * retried here for a few seconds instead of failing a service's start.
 */
export async function fetchTopicOffsetsSettled(admin: Admin, topic: string, timeoutMs = 15_000): Promise<PartitionOffsets> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      const retriable = (err as { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
