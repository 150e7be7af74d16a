import { parentPort, workerData } from 'worker_threads';
// First: kafkajs must load the request encoder, Produce request, request framing and partition grouping these replace.
import { useLinearPartitionGrouping } from '../../libs/kafka/linearPartitionGrouping';
import { usePrebuiltProduceRequests } from '../../libs/kafka/prebuiltProduceRequest';
import { useUninitialisedRequestBuffers } from '../../libs/kafka/requestEncoderBuffers';
const replaced = useUninitialisedRequestBuffers() && usePrebuiltProduceRequests() && useLinearPartitionGrouping();
import { createKafka, KeyPartitioner, type KafkaSecurity } from '../../libs/kafka';
import { createLogger } from '../../libs/logger';
import { unpackRequests, type PackedRequests } from './recordPack';

/** Runs in the sender thread: the producer's kafkajs client, so encoding requests does not take the main thread's core. */
export interface SenderWorkerData {
  clientId: string;
  brokers: string[];
  service: string;
  logLevel: string;
  /** TLS and SASL of the client; default: from the settings, which the thread reads from the environment it inherits. */
  security?: KafkaSecurity;
}

export type SenderCommand = { type: 'send'; id: number; packed: PackedRequests } | { type: 'stop' };
export type SenderReply = { type: 'ready' } | { type: 'sent'; id: number } | { type: 'failed'; id: number; message: string } | { type: 'start-failed'; message: string };

const port = parentPort;
if (!port) throw new Error('senderWorker runs as a worker thread');
const data = workerData as SenderWorkerData;
const log = createLogger(data.service, data.logLevel);
const kafka = createKafka(data.clientId, data.brokers, log, { security: data.security });
// Idempotent, acks from all in-sync replicas, one request in flight: what lets the caller advance the slot.
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: KeyPartitioner });
const reply = (r: SenderReply): void => port.postMessage(r);

// Commands are handled strictly one after another, in the order they were posted. Messages carry only
// their prebuilt bodies: without the replaced Produce request kafkajs would send them as tombstones.
const connected = replaced ? producer.connect() : Promise.reject(new Error('kafkajs was loaded before its Produce request, framing and grouping could be replaced'));
let queue: Promise<void> = connected.then(
  () => reply({ type: 'ready' }),
  (err: Error) => {
    reply({ type: 'start-failed', message: err.message });
    port.close();
  },
);

port.on('message', (c: SenderCommand) => {
  queue = queue.then(async () => {
    if (c.type === 'stop') {
      await producer.disconnect().catch((err: Error) => log.warn('kafka producer disconnect failed', { error: err.message }));
      // The thread ends once the port is closed; the main thread waits for its exit.
      port.close();
      return;
    }
    try {
      for (const topicMessages of unpackRequests(c.packed)) await producer.sendBatch({ acks: -1, topicMessages });
      reply({ type: 'sent', id: c.id });
    } catch (err) {
      reply({ type: 'failed', id: c.id, message: (err as Error).message });
    }
  });
});
