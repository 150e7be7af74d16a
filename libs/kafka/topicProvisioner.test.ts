import { Admin, KafkaJSProtocolError } from 'kafkajs';
import { createAndAwaitLeaders } from './topicProvisioner';

/** kafkajs builds its protocol errors from the broker's error code. */
function protocolError(type: string, code: number): KafkaJSProtocolError {
  return new KafkaJSProtocolError({ type, code, retriable: true, message: type } as unknown as Error);
}

/** Just the two admin calls the helper makes, answering from scripts. */
function admin(
  create: () => Promise<boolean>,
  metadata: (() => Promise<{ topics: { name: string; partitions: { leader: number }[] }[] }>)[],
): { admin: Admin; metadataCalls: () => number } {
  let calls = 0;
  const a = {
    createTopics: create,
    fetchTopicMetadata: () => metadata[Math.min(calls++, metadata.length - 1)](),
  } as unknown as Admin;
  return { admin: a, metadataCalls: () => calls };
}

const options = { waitForLeaders: true, topics: [{ topic: 't', numPartitions: 2 }] };
const ready = async () => ({ topics: [{ name: 't', partitions: [{ leader: 1 }, { leader: 1 }] }] });

describe('creating topics and waiting for their leaders', () => {
  it('waits out a broker that does not host the new topic yet', async () => {
    const unknown = protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3);
    const a = admin(() => Promise.reject(unknown), [() => Promise.reject(unknown), async () => ({ topics: [{ name: 't', partitions: [{ leader: -1 }, { leader: 1 }] }] }), ready]);
    await createAndAwaitLeaders(a.admin, options);
    expect(a.metadataCalls()).toBe(3);
  });

  it('does not wait when kafkajs already did, and passes on other errors', async () => {
    const a = admin(async () => true, [ready]);
    await createAndAwaitLeaders(a.admin, options);
    expect(a.metadataCalls()).toBe(0);
    const denied = protocolError('TOPIC_AUTHORIZATION_FAILED', 29);
    await expect(createAndAwaitLeaders(admin(() => Promise.reject(denied), [ready]).admin, options)).rejects.toBe(denied);
  });

  it('gives up after the timeout, naming the topics', async () => {
    const unknown = protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3);
    await expect(createAndAwaitLeaders(admin(() => Promise.reject(unknown), [() => Promise.reject(unknown)]).admin, options, 300)).rejects.toThrow(
      /topics t have no leader after 300 ms/,
    );
  });
});
