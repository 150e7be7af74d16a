import { randomUUID } from 'crypto';
import { Kafka } from 'kafkajs';
import type { ReceivedMessage } from '../../libs/kafka';

export type ReadMessage = ReceivedMessage;

/**
 * Reads topics from the beginning with a fresh consumer group until `done` says enough has arrived;
 * fails with what it saw when the time runs out.
 */
export async function readTopics(kafka: Kafka, topics: string[], done: (msgs: ReadMessage[]) => boolean, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, retry: { retries: 10 } });
  await consumer.connect();
  const msgs: ReadMessage[] = [];
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${msgs.length} messages from ${topics.join(', ')}`)), timeoutMs);
      let finished = false;
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          msgs.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {} });
          if (!finished && done(msgs)) {
            finished = true;
            clearTimeout(timer);
            resolve();
          }
        },
      });
      if (done(msgs)) {
        clearTimeout(timer);
        resolve();
      }
    });
  } finally {
    await consumer.disconnect();
  }
  return msgs;
}
