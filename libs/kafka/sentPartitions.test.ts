import type { RecordMetadata } from 'kafkajs';
import { KeyPartitioner, murmur2 } from './keyPartitioner';
import { SentPartitions, UnacknowledgedPartitionsError } from './sentPartitions';

// kafkajs's own send with retries, the code the producer's sender runs (kafkajs 2.2.4, pinned).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createSendMessages = require('kafkajs/src/producer/sendMessages') as (o: object) => (r: object) => Promise<RecordMetadata[]>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createRetry = require('kafkajs/src/retry') as (o: object) => unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { KafkaJSConnectionError } = require('kafkajs/src/errors') as { KafkaJSConnectionError: new (m: string) => Error };

const TOPIC = 'p.cand.A.person';

/** A key whose message goes to `partition` of two. */
function keyFor(partition: number): Buffer {
  for (let i = 0; ; i++) {
    const k = Buffer.from(`key-${i}`);
    if ((murmur2(k) & 0x7fffffff) % 2 === partition) return k;
  }
}

/**
 * Two partitions, led by brokers 1 and 2. Broker 2 dies while answering the first request; the metadata
 * read after the failure has partition 1 led by broker 1, which had already answered for partition 0.
 */
function clusterWhoseLeaderMoves(produced: { nodeId: number; partitions: number[] }[]) {
  const leaders: Record<number, number> = { 0: 1, 1: 2 };
  let broker2Failed = false;
  const brokers = new Map<number, object>();
  // kafkajs passes the node ids it read from object keys: strings.
  const broker = (id: number | string) => {
    const nodeId = Number(id);
    if (!brokers.has(nodeId))
      brokers.set(nodeId, {
        nodeId,
        produce: async ({ topicData }: { topicData: { topic: string; partitions: { partition: number }[] }[] }) => {
          if (nodeId === 2 && !broker2Failed) {
            broker2Failed = true;
            throw new KafkaJSConnectionError('Connection error: read ECONNRESET');
          }
          produced.push({ nodeId, partitions: topicData.flatMap((t) => t.partitions.map((p) => p.partition)) });
          return { topics: topicData.map((t) => ({ topicName: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })) })) };
        },
      });
    return brokers.get(nodeId)!;
  };
  return {
    refreshMetadataIfNecessary: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    isConnected: () => true,
    removeBroker: () => undefined,
    refreshMetadata: async () => {
      if (broker2Failed) leaders[1] = 1;
    },
    findTopicPartitionMetadata: () => [0, 1].map((p) => ({ partitionId: p, leader: leaders[p] })),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[leaders[p]] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: number | string }) => broker(nodeId),
  };
}

const eosManager = {
  isTransactional: () => false,
  acquireBrokerLock: async () => undefined,
  releaseBrokerLock: async () => undefined,
  getSequence: () => 0,
  updateSequence: () => undefined,
  getProducerId: () => 1,
  getProducerEpoch: () => 0,
};
const logger = { debug: () => undefined, error: () => undefined, warn: () => undefined, info: () => undefined };

describe('SentPartitions', () => {
  it('finds the partition kafkajs left out when its leader moved to a broker that had answered', async () => {
    const sent = new SentPartitions();
    const produced: { nodeId: number; partitions: number[] }[] = [];
    const send = createSendMessages({
      logger,
      cluster: clusterWhoseLeaderMoves(produced),
      partitioner: sent.partitioner(KeyPartitioner)(),
      eosManager,
      retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
    });
    sent.begin();
    const acks = await send({
      acks: -1,
      timeout: 30000,
      topicMessages: [
        {
          topic: TOPIC,
          messages: [
            { key: keyFor(0), value: null },
            { key: keyFor(1), value: null },
          ],
        },
      ],
    });
    // kafkajs resolves: broker 1 answered for partition 0, and partition 1 (moved to broker 1) was never sent again.
    expect(produced).toEqual([{ nodeId: 1, partitions: [0] }]);
    expect(acks.map((a) => a.partition)).toEqual([0]);
    expect(sent.unacknowledged(acks)).toEqual([`${TOPIC}/1`]);
  });

  it('finds nothing missing when every partition was acknowledged, and forgets a request at the next begin', () => {
    const sent = new SentPartitions();
    const choose = sent.partitioner(KeyPartitioner)();
    const partitionMetadata = [0, 1].map((p) => ({ partitionId: p, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    for (const p of [0, 1]) choose({ topic: TOPIC, partitionMetadata, message: { key: keyFor(p), value: null } });
    const ack = (partition: number): RecordMetadata => ({ topicName: TOPIC, partition, errorCode: 0 });
    expect(sent.unacknowledged([ack(0), ack(1)])).toEqual([]);
    expect(sent.unacknowledged([ack(1)])).toEqual([`${TOPIC}/0`]);
    sent.begin();
    expect(sent.unacknowledged([])).toEqual([]);
  });

  it('names the partitions in its error', () => {
    expect(new UnacknowledgedPartitionsError([`${TOPIC}/1`]).message).toContain(`${TOPIC}/1`);
  });
});
