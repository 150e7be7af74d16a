import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { loadConfig } from '../config';
import { Logger } from '../logger';
import { installCoordinatorRediscovery } from './coordinatorRediscovery';
import { kafkaSecurity, kafkaSecuritySettings, type KafkaSecurity } from './kafkaSecurity';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { message: string; retriable: boolean }[] };
/** Broker answers kafkajs retries by itself (a topic still being created, a coordinator loading, a leader moving). */
const RETRIED_ANSWERS = new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));
const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = { [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug' };

/**
 * The level a kafkajs log line is written at. kafkajs's connection logs every error answer from the
 * broker at error level, also those it then retries: at every `npm start` the consumers' metadata
 * requests met topics the producers were still creating, ~30 error lines for nothing an operator must
 * act on. Those go at debug; an answer still failing after kafkajs's retries reaches our code, which
 * logs it at error level with its context.
 */
export function kafkaLogLevel(level: logLevel, namespace: string, message: string, error: unknown): 'error' | 'warn' | 'info' | 'debug' {
  if (namespace === 'Connection' && message.startsWith('Response ') && typeof error === 'string' && RETRIED_ANSWERS.has(error)) return 'debug';
  // A send to a topic whose leader moved or was just elected (a producer creating an agreement's topic
  // sends right after): kafkajs refreshes its metadata and sends again.
  if (namespace === 'Producer' && message.startsWith('Failed to send messages: ') && RETRIED_ANSWERS.has(message.slice('Failed to send messages: '.length))) return 'debug';
  return LEVELS[level] ?? 'info';
}

export interface KafkaClientOptions {
  /** TLS and SASL as given; default: from the settings (THAHS_KAFKA_TLS*, THAHS_KAFKA_SASL_*), for `principal`. */
  security?: KafkaSecurity;
  /** The principal to authenticate as; default: THAHS_KAFKA_SASL_USERNAME, else the service's own (kafkaSecurity). */
  principal?: string;
}

/** The fields a line of this project's kafkajs extensions carries under `context` (coordinatorRediscovery.ts); kafkajs's own lines have none. */
export function contextFields(context: unknown): Record<string, unknown> {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return {};
  const { level: _level, message: _message, ...fields } = context as Record<string, unknown>;
  return fields;
}

/**
 * kafkajs logs through our winston logger (JSON, one line per event) instead of its own console format.
 * TLS and SASL follow the settings unless given, so every service's client honours the secure profile.
 * Every client's consumers find a moved group coordinator again (coordinatorRediscovery.ts: a fix of
 * kafkajs's commit and heartbeat path, effective whenever it is installed); the kafkajs fast path has its own door
 * (kafkajsFastPath.ts), which must open before kafkajs first decodes or encodes.
 */
export function createKafka(clientId: string, brokers: string[], log: Logger, options: KafkaClientOptions = {}): Kafka {
  installCoordinatorRediscovery();
  const security = options.security ?? kafkaSecurity(kafkaSecuritySettings(loadConfig()), clientId, options.principal);
  return new Kafka({
    clientId,
    brokers,
    ...security,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level: l, namespace, log: entry }: LogEntry) => {
        const { message, context, ...rest } = entry as LogEntry['log'] & { context?: unknown };
        log.log(kafkaLogLevel(l, namespace, message, rest.error), `kafkajs: ${message}`, {
          component: namespace,
          broker: rest.broker,
          error: rest.error,
          ...contextFields(context),
        });
      },
  });
}
