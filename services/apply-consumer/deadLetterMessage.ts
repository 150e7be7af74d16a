import { createHash } from 'crypto';
import type { IHeaders, Message } from 'kafkajs';
import { decodeEnvelope, describeMeta, H, HeaderError, type MetaSummary } from '../../libs/events';
import type { ReceivedMessage } from '../../libs/kafka';
import type { DeadLetterRecord, StoredHeaderValue } from '../../libs/partner-store';
import type { DeadLetterReason } from './eventRejection';

/** A received Kafka message as the consumer handles it. */
export type RawEvent = ReceivedMessage;

/** Headers added to a message copied to the dead-letter topic; the original headers are kept as they were. */
export const DLQ_HEADERS = {
  reason: 'thahs.dlq.reason',
  detail: 'thahs.dlq.detail',
  topic: 'thahs.dlq.topic',
  partition: 'thahs.dlq.partition',
  offset: 'thahs.dlq.offset',
  agreement: 'thahs.dlq.agreement',
  group: 'thahs.dlq.group',
  at: 'thahs.dlq.at',
  valueDigest: 'thahs.dlq.value-sha256',
} as const;

/**
 * A dead letter keeps at most this much of one header value, and of the value, in the database: a
 * record is refused above MAX_VALUE_BYTES anyway (eventLimits.ts), and a header that size is garbage.
 * Beyond it only a digest is kept.
 */
const STORED_HEADER_BYTES = 64 * 1024;
const STORED_VALUE_BYTES = 1024 * 1024;

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Text as PostgreSQL text and jsonb can hold it: neither takes U+0000, and a dead letter must be
 * storable whatever the event carried (a NUL in a header or in the meta's key id stalled its partition
 * for good, the insert failing on every retry).
 */
export function storableText(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\\u0000') : s;
}

/** What an envelope's meta says, or undefined when it does not decode (the base64 is kept either way). */
function decodedMeta(v: Buffer): MetaSummary | undefined {
  try {
    const m = describeMeta(decodeEnvelope(v).meta);
    return Object.fromEntries(Object.entries(m).map(([k, x]) => [k, typeof x === 'string' ? storableText(x) : x])) as MetaSummary;
  } catch (err) {
    if (err instanceof HeaderError) return undefined;
    throw err;
  }
}

function bytesValue(v: Buffer): StoredHeaderValue {
  return v.length > STORED_HEADER_BYTES ? { base64: '', decoded: { sha256: sha256(v), bytes: v.length } } : { base64: v.toString('base64') };
}

function storedValue(name: string, v: Buffer | string | null): StoredHeaderValue | null {
  if (v === null) return null;
  if (typeof v === 'string') return v.includes('\u0000') ? bytesValue(Buffer.from(v, 'utf8')) : v;
  if (name === H.event && v.length <= STORED_HEADER_BYTES) {
    const decoded = decodedMeta(v);
    return decoded ? { base64: v.toString('base64'), decoded } : { base64: v.toString('base64') };
  }
  if (v.length > STORED_HEADER_BYTES) return bytesValue(v);
  const text = v.toString('utf8');
  // Only text that survives the round trip, and holds no NUL, is stored as text; anything else keeps its exact bytes.
  return !text.includes('\u0000') && Buffer.from(text, 'utf8').equals(v) ? text : { base64: v.toString('base64') };
}

type AnyHeaders = Readonly<Record<string, Buffer | string | null | undefined | (Buffer | string | null)[]>>;

/**
 * Kafka headers as JSON for the dead-letter table: text as text, signatures and other bytes as base64,
 * a null value as null. Built with Object.fromEntries, so a header named __proto__ or constructor is an
 * ordinary key and never reaches a prototype.
 */
export function storedHeaders(headers: IHeaders | AnyHeaders): Record<string, StoredHeaderValue | null | (StoredHeaderValue | null)[]> {
  const entries: [string, StoredHeaderValue | null | (StoredHeaderValue | null)[]][] = [];
  for (const name of Object.keys(headers)) {
    const v = (headers as AnyHeaders)[name];
    if (v === undefined) continue;
    entries.push([storableText(name), Array.isArray(v) ? v.map((x) => storedValue(name, x)) : storedValue(name, v)]);
  }
  return Object.fromEntries(entries);
}

/** Value bytes a dead letter may not keep: a policy violation carries what the agreement does not share. */
function keepsValue(reason: DeadLetterReason, value: Buffer | null): boolean {
  return reason !== 'policy-violation' && value !== null && value.length <= STORED_VALUE_BYTES;
}

/**
 * The dead letter of an event. It cannot fail on any input: should anything about the event's
 * headers defeat the conversion, the record keeps its coordinates, reason and digest and says so.
 */
export function deadLetterRecord(e: RawEvent, reason: DeadLetterReason, detail: string, entity: string | null): DeadLetterRecord {
  let headers: DeadLetterRecord['headers'];
  try {
    headers = storedHeaders(e.headers) as DeadLetterRecord['headers'];
  } catch (err) {
    headers = { 'thahs.dlq.unreadable-headers': storableText((err as Error).message) };
  }
  return {
    reason,
    detail: storableText(detail),
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    entity,
    key: e.key,
    value: keepsValue(reason, e.value) ? e.value : null,
    valueDigest: e.value === null ? null : sha256(e.value),
    headers,
  };
}

/**
 * The copy sent to `<prefix>.dlq.<receiver>.<agreement>`: the bytes and headers as received (null
 * header values left out: the table keeps them), plus why and where from. The value is left out when
 * the dead letter may not keep it.
 */
export function deadLetterMessage(e: RawEvent, d: DeadLetterRecord, agreementId: string, group: string, at: Date): Message {
  const original: [string, Buffer | string | (Buffer | string)[]][] = [];
  for (const name of Object.keys(e.headers)) {
    const v = (e.headers as AnyHeaders)[name];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      const kept = v.filter((x): x is Buffer | string => x !== null);
      if (kept.length > 0) original.push([name, kept]);
    } else original.push([name, v]);
  }
  return {
    key: e.key,
    value: d.value,
    headers: Object.fromEntries([
      ...original,
      [DLQ_HEADERS.reason, d.reason],
      [DLQ_HEADERS.detail, d.detail],
      [DLQ_HEADERS.topic, e.topic],
      [DLQ_HEADERS.partition, String(e.partition)],
      [DLQ_HEADERS.offset, e.offset],
      [DLQ_HEADERS.agreement, agreementId],
      [DLQ_HEADERS.group, group],
      [DLQ_HEADERS.at, at.toISOString()],
      ...(d.valueDigest === null ? [] : [[DLQ_HEADERS.valueDigest, d.valueDigest]]),
    ]) as IHeaders,
  };
}
