import winston from 'winston';

/**
 * JSON logs, one line per meaningful event. Fields whose names suggest personal data are redacted
 * here as a last line of defence: callers must already avoid logging row values (DOMAIN.md §4).
 */
const REDACTED_KEYS = /^(full_name|other_names|national_id|passport_no|date_of_birth|.*_address|father_name|mother_name|spouse_name|legal_rep_.*|password|secret|private_?key)$/i;

const redact = winston.format((info) => {
  for (const k of Object.keys(info)) if (REDACTED_KEYS.test(k)) info[k] = '[redacted]';
  return info;
});

export type Logger = winston.Logger;

export function createLogger(service: string, level: string = process.env.THAHS_LOG_LEVEL ?? 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
