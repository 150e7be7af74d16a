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

/** What an envelope's meta says, or undefined when it does not decode (the base64 is kept either way). */
function decodedMeta(v: Buffer): MetaSummary | undefined {
  try {
    return describeMeta(decodeEnvelope(v).meta);
  } catch (err) {
    if (err instanceof HeaderError) return undefined;
    throw err;
  }
}

function storedValue(name: string, v: Buffer | string): StoredHeaderValue {
  if (typeof v === 'string') return v;
  if (name === H.event) {
    const decoded = decodedMeta(v);
    return decoded ? { base64: v.toString('base64'), decoded } : { base64: v.toString('base64') };
  }
  const text = v.toString('utf8');
  // Only text that survives the round trip is stored as text; anything else keeps its exact bytes.
  return Buffer.from(text, 'utf8').equals(v) ? text : { base64: v.toString('base64') };
}

/** Kafka headers as JSON for the dead-letter table: text as text, signatures and other bytes as base64. */
export function storedHeaders(headers: IHeaders): Record<string, StoredHeaderValue | StoredHeaderValue[]> {
  const out: Record<string, StoredHeaderValue | StoredHeaderValue[]> = {};
  for (const [name, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[name] = Array.isArray(v) ? v.map((x) => storedValue(name, x)) : storedValue(name, v);
  }
  return out;
}

/** Value bytes a dead letter may not keep: a policy violation carries what the agreement does not share. */
function keepsValue(reason: DeadLetterReason): boolean {
  return reason !== 'policy-violation';
}

export function deadLetterRecord(e: RawEvent, reason: DeadLetterReason, detail: string, entity: string | null): DeadLetterRecord {
  return {
    reason,
    detail,
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    entity,
    key: e.key,
    value: keepsValue(reason) ? e.value : null,
    valueDigest: e.value === null ? null : createHash('sha256').update(e.value).digest('hex'),
    headers: storedHeaders(e.headers),
  };
}

/** The copy sent to `<prefix>.dlq.<receiver>`: the original bytes and headers, plus why and where from. */
export function deadLetterMessage(e: RawEvent, d: DeadLetterRecord, agreementId: string, group: string, at: Date): Message {
  return {
    key: e.key,
    value: d.value,
    headers: {
      ...e.headers,
      [DLQ_HEADERS.reason]: d.reason,
      [DLQ_HEADERS.detail]: d.detail,
      [DLQ_HEADERS.topic]: e.topic,
      [DLQ_HEADERS.partition]: String(e.partition),
      [DLQ_HEADERS.offset]: e.offset,
      [DLQ_HEADERS.agreement]: agreementId,
      [DLQ_HEADERS.group]: group,
      [DLQ_HEADERS.at]: at.toISOString(),
      ...(d.valueDigest === null ? {} : { [DLQ_HEADERS.valueDigest]: d.valueDigest }),
    },
  };
}
