import type { PreparedStatement } from './applySql';
import { quoteIdent, STATE_SCHEMA } from './sqlNames';
import type { Queryable } from './stateSchema';

const S = quoteIdent(STATE_SCHEMA);

/**
 * Where the apply consumer's gap check (SequenceWatch) stands on each topic partition, per consumer
 * group: the provider run and numbers of the last authenticated event it took, and the highest number of
 * the runs before. Written in the chunk's own transaction, so it says exactly what the group's committed
 * work covers; a member that starts, or is given the partition in a rebalance, continues the check from
 * it instead of from nothing, and an event withheld across the hand-over is noticed like any other.
 */
export const PARTITION_SEQUENCE_DDL = `CREATE TABLE IF NOT EXISTS ${S}.partition_sequence (
    consumer_group text NOT NULL,
    topic text NOT NULL,
    kafka_partition integer NOT NULL CHECK (kafka_partition >= 0),
    agreement_id text NOT NULL,
    run text NOT NULL CHECK (run <> ''),
    seq bigint NOT NULL CHECK (seq > 0),
    max_seq bigint NOT NULL CHECK (max_seq >= seq),
    commit_us bigint NOT NULL,
    kafka_offset bigint NOT NULL CHECK (kafka_offset >= 0),
    earlier_runs jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(earlier_runs) = 'array'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, kafka_partition)
  )`;

/** One partition's state, as SequenceWatch keeps it. */
export interface PartitionSequenceState {
  topic: string;
  partition: number;
  run: string;
  /** Number of the last event taken (below `max` while a redelivery goes over numbers taken before). */
  seq: number;
  /** The highest number of the run taken. */
  max: number;
  /** Commit time (µs) of the last event taken: a gap behind an event older than the compaction lag is not a loss. */
  commitUs: number;
  /** Kafka offset of the last event taken. */
  offset: string;
  /** Earlier runs of the partition, oldest first, with the highest number taken of each. */
  earlier: readonly (readonly [string, number])[];
}

/**
 * Records the states of a chunk in one statement. A state never replaces one of a later offset: the
 * member that lost the partition in a rebalance may still commit its last chunk after the new holder
 * moved on, and a redelivery after a restart goes back over offsets the row already covers.
 */
export const PARTITION_SEQUENCE_UPSERT: PreparedStatement = {
  name: 'thahs_apply_partition_sequence_v1',
  text: `INSERT INTO ${S}.partition_sequence AS p
    (consumer_group, agreement_id, topic, kafka_partition, run, seq, max_seq, commit_us, kafka_offset, earlier_runs)
  SELECT $1, $2, s.topic, s.kafka_partition, s.run, s.seq, s.max_seq, s.commit_us, s.kafka_offset, s.earlier_runs
    FROM unnest($3::text[], $4::integer[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::jsonb[])
      AS s(topic, kafka_partition, run, seq, max_seq, commit_us, kafka_offset, earlier_runs)
  ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE
    SET run = EXCLUDED.run, seq = EXCLUDED.seq, max_seq = EXCLUDED.max_seq, commit_us = EXCLUDED.commit_us,
        kafka_offset = EXCLUDED.kafka_offset, earlier_runs = EXCLUDED.earlier_runs, updated_at = now()
    WHERE p.kafka_offset <= EXCLUDED.kafka_offset`,
};

export function partitionSequenceParams(consumerGroup: string, agreementId: string, states: readonly PartitionSequenceState[]): unknown[] {
  return [
    consumerGroup,
    agreementId,
    states.map((s) => s.topic),
    states.map((s) => s.partition),
    states.map((s) => s.run),
    states.map((s) => s.seq),
    states.map((s) => s.max),
    states.map((s) => s.commitUs),
    states.map((s) => s.offset),
    states.map((s) => JSON.stringify(s.earlier)),
  ];
}

interface Row {
  topic: string;
  kafka_partition: number;
  run: string;
  seq: string;
  max_seq: string;
  commit_us: string;
  kafka_offset: string;
  earlier_runs: unknown;
}

function earlierOf(v: unknown): [string, number][] {
  if (!Array.isArray(v)) return [];
  const out: [string, number][] = [];
  for (const x of v) if (Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number') out.push([x[0], x[1]]);
  return out;
}

/** The states recorded for a group on `topics` (every partition of them the group has taken a sequenced event of). */
export async function loadPartitionSequences(db: Queryable, consumerGroup: string, topics: readonly string[]): Promise<PartitionSequenceState[]> {
  const r = await db.query(
    `SELECT topic, kafka_partition, run, seq::text AS seq, max_seq::text AS max_seq, commit_us::text AS commit_us, kafka_offset::text AS kafka_offset, earlier_runs
       FROM ${S}.partition_sequence WHERE consumer_group = $1 AND topic = ANY($2::text[])`,
    [consumerGroup, [...topics]],
  );
  return (r.rows as Row[]).map((x) => ({
    topic: x.topic,
    partition: x.kafka_partition,
    run: x.run,
    seq: Number(x.seq),
    max: Number(x.max_seq),
    commitUs: Number(x.commit_us),
    offset: x.kafka_offset,
    earlier: earlierOf(x.earlier_runs),
  }));
}

/**
 * Forgets the record of partitions an operator moved the group on (`thahs offsets reset`): events skipped
 * on purpose are no loss, and the check there starts afresh, as in a new group. Returns the rows removed.
 */
export async function forgetPartitionSequences(db: Queryable, consumerGroup: string, partitions: readonly { topic: string; partition: number }[]): Promise<number> {
  if (partitions.length === 0) return 0;
  const exists = await db.query(`SELECT to_regclass('${STATE_SCHEMA}.partition_sequence') IS NOT NULL AS ok`);
  if (!(exists.rows[0] as { ok: boolean }).ok) return 0;
  const r = await db.query(
    `DELETE FROM ${S}.partition_sequence p USING unnest($2::text[], $3::integer[]) AS x(topic, kafka_partition)
      WHERE p.consumer_group = $1 AND p.topic = x.topic AND p.kafka_partition = x.kafka_partition RETURNING 1`,
    [consumerGroup, partitions.map((p) => p.topic), partitions.map((p) => p.partition)],
  );
  return r.rows.length;
}
