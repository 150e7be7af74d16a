import { Writable } from 'stream';
import winston from 'winston';

/**
 * Every formatted line of every project logger, for whoever listens: the tests that prove no personal
 * value or secret reaches a log line tap the whole process. No listener, no cost beyond a size check.
 */
const taps = new Set<(line: string) => void>();

export function tapLogLines(listener: (line: string) => void): () => void {
  taps.add(listener);
  return () => taps.delete(listener);
}

/** The transport every project logger carries; its stream hands each line to the listeners. */
export function tapTransport(): winston.transport {
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      if (taps.size > 0) {
        for (const line of String(chunk).split('\n')) if (line !== '') for (const t of taps) t(line);
      }
      done();
    },
  });
  return new winston.transports.Stream({ stream });
}
