import { parentPort, workerData } from 'worker_threads';
import { createKafka, KeyPartitioner } from '../../libs/kafka';
import { SentPartitions, UnacknowledgedPartitionsError } from '../../libs/kafka/sentPartitions';
import { createLogger } from '../../libs/logger';
import { unpackRequests } from './recordPack';
import type { SenderCommand, SenderReply, SenderWorkerData } from './senderWorker';

/**
 * The sender thread's work, loaded by senderWorker.ts only after the kafkajs fast path is installed:
 * the producer's kafkajs client, so encoding requests does not take the main thread's core.
 */
const port = parentPort;
if (!port) throw new Error('senderWorker runs as a worker thread');
const data = workerData as SenderWorkerData;
const log = createLogger(data.service, data.logLevel);
const kafka = createKafka(data.clientId, data.brokers, log, { security: data.security });
// Which partitions each request went to: kafkajs can acknowledge a request without one of them (sentPartitions.ts).
const sent = new SentPartitions();
// Idempotent, acks from all in-sync replicas, one request in flight: what lets the caller advance the slot.
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: sent.partitioner(KeyPartitioner) });
const reply = (r: SenderReply): void => port.postMessage(r);

// Commands are handled strictly one after another, in the order they were posted. Messages carry only
// their prebuilt bodies: without the replaced Produce request kafkajs would send them as tombstones.
const connected = producer.connect();
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
      for (const topicMessages of unpackRequests(c.packed)) {
        sent.begin();
        const acks = await producer.sendBatch({ acks: -1, topicMessages });
        // A partition left out is a failed send: the slot stays, and the next run sends its events again.
        const missing = sent.unacknowledged(acks);
        if (missing.length > 0) throw new UnacknowledgedPartitionsError(missing);
      }
      reply({ type: 'sent', id: c.id });
    } catch (err) {
      reply({ type: 'failed', id: c.id, message: (err as Error).message });
    }
  });
});
