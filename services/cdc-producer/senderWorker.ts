import type { KafkaSecurity } from '../../libs/kafka';
import type { PackedRequests } from './recordPack';
import { installProducerFastPath } from '../../libs/kafka/kafkajsFastPath';

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

// The thread's entry: the fast path goes in before anything of kafkajs is loaded here, then the loop
// (which loads kafkajs) is required — an explicit order, not one that hangs on import statements.
installProducerFastPath();
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./senderLoop');
