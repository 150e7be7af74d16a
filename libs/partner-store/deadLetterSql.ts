import { quoteIdent, STATE_SCHEMA } from './sqlNames';
import type { DeadLetterRecord, StoreIdentity } from './storeTypes';
import type { PreparedStatement } from './applySql';

/**
 * Records a batch of dead letters in one statement. A dead letter seen again (a redelivered batch, a
 * replay by the same agreement) is recorded once: the source position in Kafka identifies it.
 * Returns the partition and offset of those recorded now.
 */
export const DEAD_LETTER_INSERT: PreparedStatement = {
  name: 'thahs_apply_dead_letter_v2',
  text: `INSERT INTO ${quoteIdent(STATE_SCHEMA)}.dead_letter
    (receiver, provider, agreement_id, consumer_group, reason, detail, topic, kafka_partition, kafka_offset, entity, raw_key, raw_value, headers, value_sha256)
  SELECT $1, $2, $3, $4, d.reason, d.detail, d.topic, d.kafka_partition, d.kafka_offset, d.entity, d.raw_key, d.raw_value, d.headers, d.value_sha256
    FROM unnest($5::text[], $6::text[], $7::text[], $8::integer[], $9::bigint[], $10::text[], $11::bytea[], $12::bytea[], $13::jsonb[], $14::text[])
      AS d(reason, detail, topic, kafka_partition, kafka_offset, entity, raw_key, raw_value, headers, value_sha256)
  ON CONFLICT (agreement_id, topic, kafka_partition, kafka_offset) DO NOTHING
  RETURNING topic, kafka_partition, kafka_offset::text AS kafka_offset`,
};

export function deadLetterParams(who: StoreIdentity, records: readonly DeadLetterRecord[]): unknown[] {
  return [
    who.receiver,
    who.provider,
    who.agreementId,
    who.consumerGroup,
    records.map((r) => r.reason),
    records.map((r) => r.detail),
    records.map((r) => r.topic),
    records.map((r) => r.partition),
    records.map((r) => r.offset),
    records.map((r) => r.entity),
    records.map((r) => r.key),
    records.map((r) => r.value),
    records.map((r) => JSON.stringify(r.headers)),
    records.map((r) => r.valueDigest),
  ];
}

/** Identity of a dead letter in Kafka, as the insert returns it. */
export function deadLetterKey(topic: string, partition: number, offset: string): string {
  return `${topic}\u0000${partition}\u0000${offset}`;
}
