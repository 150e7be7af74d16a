import { H } from '../../libs/events';
import { MAX_RECORD_HEADERS } from '../../libs/kafka/fetchedRecordBatch';
import type { RawEvent } from './deadLetterMessage';
import { EventRejection } from './eventRejection';

/**
 * What an exchanged event can be, checked before anything costs CPU: hashing, signature checks and
 * decoding are linear in the bytes, so a record the platform could send at the topic's 8 MiB limit, or
 * with thousands of headers, is refused on its sizes alone. The largest projected row of the contracts
 * is a few kilobytes; a key is a 16-byte uuid record behind a 5-byte frame; the envelope is the meta and
 * a proof of a few hundred bytes.
 */
export const EVENT_LIMITS = {
  valueBytes: 1024 * 1024,
  keyBytes: 256,
  envelopeBytes: 16 * 1024,
  headers: 4,
} as const;

function headerCount(e: RawEvent): number {
  let n = e.headersDropped ?? 0;
  for (const name of Object.keys(e.headers)) {
    const v = (e.headers as Record<string, unknown>)[name];
    n += Array.isArray(v) ? v.length : 1;
  }
  return n;
}

/** Throws an EventRejection ('oversize') naming the limit the event passes. */
export function checkEventLimits(e: RawEvent): void {
  const headers = headerCount(e);
  if ((e.headersDropped ?? 0) > 0 || headers > EVENT_LIMITS.headers) {
    throw new EventRejection('oversize', `${headers} headers (at most ${EVENT_LIMITS.headers}; the fetch kept ${Math.min(headers, MAX_RECORD_HEADERS)})`);
  }
  if (e.value !== null && e.value.length > EVENT_LIMITS.valueBytes) throw new EventRejection('oversize', `value of ${e.value.length} bytes (at most ${EVENT_LIMITS.valueBytes})`);
  if (e.key !== null && e.key.length > EVENT_LIMITS.keyBytes) throw new EventRejection('oversize', `key of ${e.key.length} bytes (at most ${EVENT_LIMITS.keyBytes})`);
  const env = (e.headers as Record<string, unknown>)[H.event];
  const one = Array.isArray(env) ? env[0] : env;
  const size = Buffer.isBuffer(one) ? one.length : typeof one === 'string' ? Buffer.byteLength(one) : 0;
  if (Array.isArray(env) && env.length > 1) throw new EventRejection('oversize', `${env.length} ${H.event} headers (one expected)`);
  if (size > EVENT_LIMITS.envelopeBytes) throw new EventRejection('oversize', `${H.event} header of ${size} bytes (at most ${EVENT_LIMITS.envelopeBytes})`);
}
