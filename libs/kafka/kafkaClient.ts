import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { Logger } from '../logger';

/** kafkajs logs through our winston logger (JSON, one line per event) instead of its own console format. */
export function createKafka(clientId: string, brokers: string[], log: Logger): Kafka {
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
