import type { PoolClient } from 'pg';
import { EXCHANGE_SCHEMA } from '../../libs/agreement-exchange';
import type { ExchangeMessage } from './consumerPosition';

export interface Rejection {
  stream: 'agreement' | 'request';
  subjectId: string | null;
  agreementId: string | null;
  kind: string | null;
  actor: string | null;
  keyId: string | null;
  eventHash: string | null;
  code: string;
  reason: string;
}

/** Keeps a refused message with its reason and raw bytes: a forged step is evidence, never history. */
export async function recordRejection(c: PoolClient, m: ExchangeMessage, r: Rejection): Promise<void> {
  await c.query(
    `INSERT INTO ${EXCHANGE_SCHEMA}.rejected_event
       (source_topic, source_partition, source_offset, stream, subject_id, agreement_id, kind, actor, key_id, event_hash, code, reason, message)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING`,
    [m.topic, m.partition, m.offset, r.stream, r.subjectId, r.agreementId, r.kind, r.actor, r.keyId, r.eventHash, r.code, r.reason.slice(0, 4000), m.value],
  );
}

/** Reads the fields of an untrusted message that are worth recording, whatever else is wrong with it. */
export function readableFields(value: unknown): { text: (name: string) => string | null } {
  const o = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  return {
    text: (name) => {
      const v = o[name];
      return typeof v === 'string' ? v.slice(0, 200) : null;
    },
  };
}
