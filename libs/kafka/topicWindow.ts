import { randomUUID } from 'crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { fetchTopicOffsetsSettled } from './topicOffsets';

/** A message as read from Kafka, with where it was read; the shape every reader in the project uses. */
export interface ReceivedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Headers the fetch decoder read past and did not keep (libs/kafka MAX_RECORD_HEADERS); absent when none. */
  headersDropped?: number;
}

export interface WindowOptions {
  /** Messages per partition: the last ones, or from `offset` on. */
  count: number;
  partition?: number;
  offset?: bigint;
  /** Give up waiting after this long without a new message (a compacted log has gaps at its end). */
  idleMs?: number;
}

/**
 * Reads a window of a topic without joining any consumer group that matters: a throw-away group, no
 * offset commits, positions chosen by seek. For operators looking at what a topic holds.
 */
export async function readTopicWindow(kafka: Kafka, topic: string, o: WindowOptions): Promise<ReceivedMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets;
  try {
    offsets = await fetchTopicOffsetsSettled(admin, topic);
  } finally {
    await admin.disconnect();
  }
  const n = BigInt(o.count);
  const ranges = new Map<number, { start: bigint; end: bigint }>();
  for (const p of offsets) {
    if (o.partition !== undefined && p.partition !== o.partition) continue;
    const low = BigInt(p.low);
    const high = BigInt(p.high);
    const start = o.offset !== undefined ? (o.offset < low ? low : o.offset) : high - n < low ? low : high - n;
    const end = start + n < high ? start + n : high;
    if (start < end) ranges.set(p.partition, { start, end });
  }
  if (ranges.size === 0) return [];

  const out: ReceivedMessage[] = [];
  const consumer = kafka.consumer({ groupId: `thahs-inspect-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    const open = new Set(ranges.keys());
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout | undefined;
      const bump = (): void => {
        clearTimeout(idle);
        idle = setTimeout(resolve, o.idleMs ?? 3000);
      };
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const r = ranges.get(partition);
            if (!r || !open.has(partition)) return;
            const at = BigInt(message.offset);
            if (at >= r.start && at < r.end) {
              out.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {} });
              bump();
            }
            if (at + 1n >= r.end) open.delete(partition);
            if (open.size === 0) {
              clearTimeout(idle);
              resolve();
            }
          },
        })
        .then(() => {
          for (const [partition, r] of ranges) consumer.seek({ topic, partition, offset: r.start.toString() });
          bump();
        }, reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
}
