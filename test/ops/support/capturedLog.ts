import { Writable } from 'stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../../libs/logger';

/** A project logger whose JSON lines the test can read (and that also prints nothing below `printLevel`). */
export function capturedLogger(service: string, level = 'info'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const log = createLogger(service, 'error');
  log.level = level;
  log.clear();
  log.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _enc, done) {
          raw.push(String(chunk));
          done();
        },
      }),
    }),
  );
  return { log, lines: () => raw.flatMap((l) => l.split('\n').filter((x) => x.trim() !== '')).map((l) => JSON.parse(l) as Record<string, unknown>) };
}
