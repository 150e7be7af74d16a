import type { RecordMetadata } from 'kafkajs';
import { murmur2 } from '../keyPartitioner';

// kafkajs's own send with retries (kafkajs 2.2.4, pinned): the code every producer of ours runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createSendMessages = require('kafkajs/src/producer/sendMessages') as (o: object) => (r: object) => Promise<RecordMetadata[]>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createMessageProducer = require('kafkajs/src/producer/messageProducer') as (o: object) => {
  send(r: object): Promise<RecordMetadata[]>;
  sendBatch(b: object): Promise<RecordMetadata[]>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createRetry = require('kafkajs/src/retry') as (o: object) => unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { KafkaJSConnectionError } = require('kafkajs/src/errors') as { KafkaJSConnectionError: new (m: string) => Error };

/** A key whose message goes to `partition` of two under the key partitioner. */
export function keyFor(partition: number): Buffer {
  for (let i = 0; ; i++) {
    const k = Buffer.from(`key-${i}`);
    if ((murmur2(k) & 0x7fffffff) % 2 === partition) return k;
  }
}

export interface LeaderMovingClusterOptions {
  /** False: broker 2 never fails (default true). */
  broker2Fails?: boolean;
  /** Told when broker 2 has failed its first request. */
  onBroker2Failed?: () => void;
  /** The metadata read after the failure waits for it: lets a test run another send meanwhile. */
  metadataAfter?: Promise<void>;
  /** Partitions of every topic (default 2). */
  partitions?: number;
  /** The broker leading a partition until broker 2 fails (default: partition 0 broker 1, the others broker 2). */
  leaderOf?(topic: string, partition: number): 1 | 2;
}

export interface ProducedRequest {
  nodeId: number;
  partitions: number[];
}

/**
 * Brokers 1 and 2 lead the partitions (by default partition 0 of every topic on broker 1, partition 1
 * on broker 2). Broker 2 dies while answering its first request; the metadata read after the failure
 * has broker 1 lead everything. A request that had broker 1 answer for its partitions then never sends
 * broker 2's again (kafkajs 2.2.4's retry).
 */
export function leaderMovingCluster(produced: ProducedRequest[], o: LeaderMovingClusterOptions = {}) {
  const count = o.partitions ?? 2;
  const initial = o.leaderOf ?? ((_topic: string, partition: number) => (partition === 0 ? 1 : 2));
  let moved = false;
  const leader = (topic: string, partition: number): number => (moved ? 1 : initial(topic, partition));
  let broker2Failed = o.broker2Fails === false;
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
            o.onBroker2Failed?.();
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
      await o.metadataAfter;
      if (broker2Failed) moved = true;
    },
    findTopicPartitionMetadata: (topic: string) =>
      Array.from({ length: count }, (_, p) => ({ partitionId: p, leader: leader(topic, p), partitionErrorCode: 0, replicas: [leader(topic, p)], isr: [leader(topic, p)] })),
    findLeaderForPartitions: (topic: string, partitions: string[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[leader(topic, p)] ??= []).push(p);
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
const retrier = () => createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 });

/** kafkajs's sendMessages (what sendBatch runs) over `cluster`, placing messages with `partitioner`. */
export function sendMessagesOver(cluster: object, partitioner: unknown): (r: object) => Promise<RecordMetadata[]> {
  return createSendMessages({ logger, cluster, partitioner, eosManager, retrier: retrier() });
}

/** kafkajs's producer send and sendBatch (its messageProducer) over `cluster`, placing messages with `partitioner`. */
export function messageProducerOver(cluster: object, partitioner: unknown) {
  return createMessageProducer({ logger, cluster, partitioner, eosManager, idempotent: false, retrier: retrier(), getConnectionStatus: () => 'connected' });
}
