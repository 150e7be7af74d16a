import winston from 'winston';
import { tapTransport } from './logTap';
import { redactInfo } from './redaction';

/**
 * JSON logs, one line per meaningful event, redacted deeply (redaction.ts) as a last line of defence:
 * callers must already avoid logging row values (DOMAIN.md §4).
 */
const redact = winston.format((info) => redactInfo(info));

export type Logger = winston.Logger;

export function createLogger(service: string, level: string = process.env.THAHS_LOG_LEVEL ?? 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    // errors() first: it turns a logged Error into message and stack, which redaction then reads.
    format: winston.format.combine(winston.format.errors({ stack: true }), redact(), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] }), tapTransport()],
  });
}
