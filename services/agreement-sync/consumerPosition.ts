import type { PoolClient } from 'pg';
import { EXCHANGE_SCHEMA } from '../../libs/agreement-exchange';

/** A message as the sync service receives it. */
export interface ExchangeMessage {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
}

export type PositionCheck = { action: 'process' } | { action: 'skip' } | { action: 'seek'; offset: string };

/**
 * The database, not Kafka's group offsets, says how far a ministry has read: its position is written
 * in the same transaction as the event it follows. Inside that transaction this locks the partition's
 * row and says whether the message is the next one (process), was already stored (skip: a
 * redelivery), or lies beyond a gap (seek back: the group offset ran ahead of this database).
 * `logStart` is where a database with no position starts.
 */
export async function checkPosition(c: PoolClient, m: ExchangeMessage, logStart: string): Promise<PositionCheck> {
  await c.query(`INSERT INTO ${EXCHANGE_SCHEMA}.consumer_position (topic, partition, next_offset) VALUES ($1, $2, $3) ON CONFLICT (topic, partition) DO NOTHING`, [
    m.topic,
    m.partition,
    logStart,
  ]);
  const r = await c.query<{ next_offset: string }>(
    `SELECT next_offset::text AS next_offset FROM ${EXCHANGE_SCHEMA}.consumer_position WHERE topic = $1 AND partition = $2 FOR UPDATE`,
    [m.topic, m.partition],
  );
  const expected = BigInt(r.rows[0].next_offset);
  const offset = BigInt(m.offset);
  if (offset < expected) return { action: 'skip' };
  if (offset > expected) return { action: 'seek', offset: expected.toString() };
  return { action: 'process' };
}

export async function advancePosition(c: PoolClient, m: ExchangeMessage): Promise<void> {
  await c.query(`UPDATE ${EXCHANGE_SCHEMA}.consumer_position SET next_offset = $3, updated_at = now() WHERE topic = $1 AND partition = $2`, [
    m.topic,
    m.partition,
    (BigInt(m.offset) + 1n).toString(),
  ]);
}
