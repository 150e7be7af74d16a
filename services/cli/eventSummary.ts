import { describeMeta, HeaderError, parseEnvelope, type Envelope } from '../../libs/events';
import type { ReceivedMessage } from '../../libs/kafka';
import { EventVerifier, VerificationError } from '../../libs/signing';

/** One event as `thahs events show` prints it: its envelope and where it is, never the row itself. */
export interface EventSummary {
  topic: string;
  partition: number;
  offset: string;
  op?: string;
  lsn?: string;
  txIndex?: number;
  xid?: number;
  commitTs?: string;
  eventId?: string;
  ministry?: string;
  entity?: string;
  keyId?: string;
  /** Bytes of the Avro value; null for a tombstone. The value holds personal data and is not shown. */
  valueBytes: number | null;
  /** 'verified', or why the proof does not verify; absent when not asked to verify. */
  proof?: string;
  /** Why the envelope could not be read, if it could not. */
  error?: string;
}

export function summarizeEvent(m: ReceivedMessage, verifier?: EventVerifier): EventSummary {
  const valueBytes = m.value === null ? null : m.value.length;
  const base = { topic: m.topic, partition: m.partition, offset: m.offset };
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(m.headers);
  } catch (err) {
    if (err instanceof HeaderError) return { ...base, valueBytes, error: err.message };
    throw err;
  }
  const out: EventSummary = { ...base, ...describeMeta(envelope.meta), valueBytes };
  if (!verifier) return out;
  if (m.key === null) return { ...out, proof: 'missing-proof' };
  try {
    verifier.verifyEvent({ topic: m.topic, key: m.key, value: m.value }, envelope.meta.keyId, envelope);
    return { ...out, proof: 'verified' };
  } catch (err) {
    if (err instanceof VerificationError) return { ...out, proof: err.reason };
    throw err;
  }
}
