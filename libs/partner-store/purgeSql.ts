import { PartnerStoreError } from './partnerStoreError';
import { METADATA_COLUMNS } from './partnerTables';
import { quoteIdent, STATE_SCHEMA, TOMBSTONE_TABLE } from './sqlNames';

/**
 * SQL of the receiver's own purges of a partner table: rows removed and fields cleared under one
 * agreement, each change appended to the update log in the same statement, answering only the count
 * and a digest of the keys (the keys themselves never leave the database).
 *
 * Parameters of every purge statement: $1 agreement id, $2 provider, $3 entity, $4 event id written to
 * the update log (it names the deletion record), $5 agreement version, $6 key id of the receiver key
 * signing the deletion record; a row condition numbers its own parameters from $7 and qualifies
 * columns with the alias `p`.
 */
export const FIRST_CONDITION_PARAM = 7;

/** A boolean SQL expression over the partner row `p`, parameters from FIRST_CONDITION_PARAM on. */
export interface RowCondition {
  sql: string;
  params: unknown[];
}

/** What a purge statement answers: how many rows it touched and the SHA-256 (hex) of their sorted keys. */
export interface PurgeCount {
  n: number;
  digest: string;
}

const S = quoteIdent(STATE_SCHEMA);

/**
 * The keys digest in SQL, identical to keysDigest() in JavaScript: lower-case uuid texts sorted by code
 * point (COLLATE "C"), joined by a line feed, SHA-256 in hex; no key gives the digest of the empty text.
 */
function countAndDigest(from: string): string {
  return `SELECT count(*)::int AS n,
       encode(sha256(convert_to(coalesce(string_agg(x.id::text, E'\\n' ORDER BY x.id::text COLLATE "C"), ''), 'UTF8')), 'hex') AS digest
  FROM ${from} x`;
}

function logRows(action: 'purge' | 'clear', op: 'd' | 'u', from: string): string {
  return `INSERT INTO ${S}.update_log
      (provider, entity, key_id, op, action, event_id, source_lsn, source_index, commit_ts, agreement_id, agreement_version, signed_by, applied_at)
    SELECT $2::text, $3::text, g.id, '${op}', '${action}', $4::text, g._source_lsn, g._source_index, g._commit_ts, $1::text, $5::integer, $6::text, now()
      FROM ${from} g`;
}

function where(condition: string | null): string {
  return `p._agreement_id = $1::text${condition === null ? '' : ` AND (${condition})`}`;
}

/**
 * Removes the agreement's rows of one entity that meet `condition` (all of them when null). Each key
 * gets a tombstone at the position of the row removed, so a replayed event never brings it back; a
 * newer event, which the agreement in force then governs, still can.
 */
export function purgeRowsSql(schema: string, entity: string, condition: string | null): string {
  const table = `${quoteIdent(schema)}.${quoteIdent(entity)}`;
  const tomb = `${quoteIdent(schema)}.${quoteIdent(TOMBSTONE_TABLE)}`;
  return `WITH gone AS (
  DELETE FROM ${table} p WHERE ${where(condition)}
  RETURNING p.id, p._source_lsn, p._source_index, p._commit_ts
),
tomb AS (
  INSERT INTO ${tomb} AS t (entity, id, lsn, idx, commit_ts, recorded_at)
  SELECT $3::text, g.id, g._source_lsn, g._source_index, g._commit_ts, now() FROM gone g
  ON CONFLICT (entity, id) DO UPDATE SET lsn = EXCLUDED.lsn, idx = EXCLUDED.idx, commit_ts = EXCLUDED.commit_ts, recorded_at = EXCLUDED.recorded_at
   WHERE (t.lsn, t.idx) < (EXCLUDED.lsn, EXCLUDED.idx)
),
logged AS (
  ${logRows('purge', 'd', 'gone')}
)
${countAndDigest('gone')}`;
}

/**
 * Sets `columns` to null in the agreement's rows of one entity that meet `condition` (all when null):
 * anonymisation, or the first step of dropping a field an amendment no longer shares. The receipt
 * time (_applied_at) is kept, since retention counts from it.
 */
export function clearFieldsSql(schema: string, entity: string, columns: readonly string[], condition: string | null): string {
  if (columns.length === 0) throw new PartnerStoreError('no field to clear', schema, entity);
  for (const c of columns) {
    if (c === 'id' || (METADATA_COLUMNS as readonly string[]).includes(c)) throw new PartnerStoreError(`${c} cannot be cleared`, schema, entity);
  }
  const table = `${quoteIdent(schema)}.${quoteIdent(entity)}`;
  return `WITH cleared AS (
  UPDATE ${table} p SET ${columns.map((c) => `${quoteIdent(c)} = NULL`).join(', ')} WHERE ${where(condition)}
  RETURNING p.id, p._source_lsn, p._source_index, p._commit_ts
),
logged AS (
  ${logRows('clear', 'u', 'cleared')}
)
${countAndDigest('cleared')}`;
}

/** Counts the agreement's rows of one entity ($1 agreement id, the only parameter) with their keys digest; changes nothing. */
export function countRowsSql(schema: string, entity: string): string {
  return countAndDigest(`(SELECT p.id FROM ${quoteIdent(schema)}.${quoteIdent(entity)} p WHERE ${where(null)})`);
}

/** Drops fields no agreement stores any more; run after clearFieldsSql, in the same transaction. */
export function dropColumnsSql(schema: string, entity: string, columns: readonly string[]): string {
  if (columns.length === 0) throw new PartnerStoreError('no column to drop', schema, entity);
  for (const c of columns) {
    if (c === 'id' || (METADATA_COLUMNS as readonly string[]).includes(c)) throw new PartnerStoreError(`${c} cannot be dropped`, schema, entity);
  }
  return `ALTER TABLE ${quoteIdent(schema)}.${quoteIdent(entity)} ${columns.map((c) => `DROP COLUMN IF EXISTS ${quoteIdent(c)}`).join(', ')}`;
}

/**
 * Rows whose retention is over: received (last written) at least `duration` ago. Both sides are taken
 * as UTC wall-clock times so a calendar duration (P1M, P5Y) steps months and days like
 * libs/agreements addIsoDuration does, whatever the session time zone.
 */
export function retentionOverCondition(duration: string, now: Date, firstParam = FIRST_CONDITION_PARAM): RowCondition {
  return {
    sql: `(p._applied_at AT TIME ZONE 'UTC') + $${firstParam}::interval <= ($${firstParam + 1}::timestamptz AT TIME ZONE 'UTC')`,
    params: [duration, now.toISOString()],
  };
}

/** Entity tables of a partner schema with their columns ($1 schema). */
export const PARTNER_TABLE_COLUMNS_SQL = `SELECT c.table_name AS entity, c.column_name AS column
  FROM information_schema.columns c
  JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
 WHERE c.table_schema = $1 AND c.table_name <> '${TOMBSTONE_TABLE}'
 ORDER BY c.table_name, c.ordinal_position`;

/** Whether another agreement holds rows in the table ($1 agreement id): then its columns stay. */
export function otherAgreementRowsSql(schema: string, entity: string): string {
  return `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(schema)}.${quoteIdent(entity)} WHERE _agreement_id <> $1) AS present`;
}

/** Serialises purges of one agreement in one partner schema across processes ($1 text key). */
export const PURGE_LOCK_CLASS = 741_950_102;
export const PURGE_LOCK_SQL = `SELECT pg_advisory_xact_lock(${PURGE_LOCK_CLASS}, hashtext($1))`;

export const DELETION_RECORD_INSERT_SQL = `INSERT INTO ${S}.deletion_record
    (record_id, agreement_id, agreement_version, receiver, provider, partner_schema, reason, method, executed_at, key_id, record)
  VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10, $11::jsonb)`;

/** $1 agreement id, $2 partner schema, $3 receiver, $4 reason. */
export const DELETION_RECORD_EXISTS_SQL = `SELECT EXISTS (
    SELECT 1 FROM ${S}.deletion_record WHERE agreement_id = $1 AND partner_schema = $2 AND receiver = $3 AND reason = $4
  ) AS present`;
