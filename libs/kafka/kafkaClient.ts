import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { Logger } from '../logger';
import { useDirectRecordBatchDecoding } from './fetchedRecordBatch';

let decodingNoted = false;

/**
 * kafkajs logs through our winston logger (JSON, one line per event) instead of its own console format.
 * Fetched record batches are read by fetchedRecordBatch.ts from the first client on.
 */
export function createKafka(clientId: string, brokers: string[], log: Logger): Kafka {
  if (!useDirectRecordBatchDecoding() && !decodingNoted) {
    decodingNoted = true;
    log.warn('kafkajs had decoded a fetch before the first client was created: its own record decoding stays (slower, same records)', { clientId });
  }
  const level: Record<number, 'error' | 'warn' | 'info' | 'debug'> = { [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug' };
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level: l, namespace, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log.log(level[l] ?? 'info', `kafkajs: ${message}`, { component: namespace, broker: rest.broker, error: rest.error });
      },
  });
}
