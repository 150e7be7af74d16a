import { createHash } from 'crypto';
import type { ContractField } from '../contracts/contractTypes';
import { formatLsn } from '../events';
import { arrayLiteral } from './arrayLiteral';
import { convertParam, micros, paramType } from './columnKinds';
import { PartnerStoreError } from './partnerStoreError';
import { quoteIdent, STATE_SCHEMA, TOMBSTONE_TABLE } from './sqlNames';
import type { StoreChange, StoreValue } from './storeTypes';

/** A named statement: pg prepares it once per connection and reuses the plan. */
export interface PreparedStatement {
  name: string;
  text: string;
}

function named(prefix: string, text: string): PreparedStatement {
  return { name: `${prefix}_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`, text };
}

/**
 * Parameters shared by the upsert and delete statements, in this order ($1..$11): key ids, commit LSNs,
 * indexes in the transaction, source operations, event ids, commit times (µs), agreement ids, agreement
 * versions, signing key ids — one array element per change — then the provider and the entity.
 */
const META_PARAMS = [
  ['k_id', 'uuid'],
  ['m_lsn', 'pg_lsn'],
  ['m_idx', 'integer'],
  ['m_op', 'text'],
  ['m_event', 'text'],
  ['m_commit_us', 'bigint'],
  ['m_agreement', 'text'],
  ['m_version', 'integer'],
  ['m_signer', 'text'],
] as const;
const PROVIDER_PARAM = '$10';
/** A sealed field's envelope travels as bytea text (`\x…`, arrayLiteral) into its bytea column. */
const SEALED_PARAM = 'bytea';
const ENTITY_PARAM = '$11';

function unnestSource(extra: readonly { alias: string; type: string }[]): string {
  const all = [...META_PARAMS.map(([alias, type]) => ({ alias, type })), ...extra];
  const args = all.map((p, i) => `$${i < META_PARAMS.length ? i + 1 : i + 3}::${p.type}[]`).join(', ');
  return `SELECT * FROM unnest(${args}) AS i(${all.map((p) => p.alias).join(', ')})`;
}

function logInsert(action: 'upsert' | 'delete', from: string): string {
  return `INSERT INTO ${quoteIdent(STATE_SCHEMA)}.update_log
      (provider, entity, key_id, op, action, event_id, source_lsn, source_index, commit_ts, agreement_id, agreement_version, signed_by, applied_at)
    SELECT ${PROVIDER_PARAM}, ${ENTITY_PARAM}, c.k_id, c.m_op, '${action}', c.m_event, c.m_lsn, c.m_idx, ${micros('c.m_commit_us')},
           c.m_agreement, c.m_version, c.m_signer, now()
      ${from}`;
}

/**
 * One statement upserting a whole batch of one entity: rows newer than the stored row and than any
 * tombstone of their key are written (a replayed older event changes nothing), the tombstones they
 * supersede are dropped, and each write is appended to the update log. Returns the ids written.
 * The tombstones are looked up by the batch's keys (`t.id = ANY($1)`, the key array itself): joined on
 * the key alone, the planner hashed the whole tombstone table twice per statement, a cost that grew with
 * every delete ever applied (4,356 tombstones: ~6 ms of a 25 ms statement).
 * `columns` are the table's contract columns, id first; a column the event's projection lacks is null.
 */
export function upsertStatement(schema: string, entity: string, columns: readonly ContractField[]): PreparedStatement {
  if (columns[0]?.name !== 'id') throw new PartnerStoreError('the first column must be the key id', schema, entity);
  const rest = columns.slice(1);
  const table = `${quoteIdent(schema)}.${quoteIdent(entity)}`;
  const tomb = `${quoteIdent(schema)}.${quoteIdent(TOMBSTONE_TABLE)}`;
  const source = unnestSource(rest.map((c, n) => ({ alias: `c${n + 1}`, type: c.protected ? SEALED_PARAM : paramType(c.kind) })));
  const names = rest.map((c) => quoteIdent(c.name));
  const meta = ['_source_lsn', '_source_index', '_commit_ts', '_agreement_id', '_agreement_version', '_applied_at'];
  const text = `WITH incoming AS (${source}),
fresh AS (
  SELECT i.* FROM incoming i
   WHERE NOT EXISTS (SELECT 1 FROM ${tomb} t WHERE t.entity = ${ENTITY_PARAM} AND t.id = ANY($1::uuid[]) AND t.id = i.k_id AND (t.lsn, t.idx) >= (i.m_lsn, i.m_idx))
),
upserted AS (
  INSERT INTO ${table} AS p ("id"${names.map((n) => `, ${n}`).join('')}, ${meta.join(', ')})
  SELECT f.k_id${rest.map((c, n) => `, ${c.protected ? `f.c${n + 1}` : convertParam(c.kind, `f.c${n + 1}`)}`).join('')}, f.m_lsn, f.m_idx, ${micros('f.m_commit_us')}, f.m_agreement, f.m_version, now()
    FROM fresh f
  ON CONFLICT ("id") DO UPDATE SET ${[...names, ...meta].map((n) => `${n} = EXCLUDED.${n}`).join(', ')}
   WHERE (p._source_lsn, p._source_index) < (EXCLUDED._source_lsn, EXCLUDED._source_index)
  RETURNING p.id
),
cleared AS (
  DELETE FROM ${tomb} t USING upserted u WHERE t.entity = ${ENTITY_PARAM} AND t.id = ANY($1::uuid[]) AND t.id = u.id
),
logged AS (
  ${logInsert('upsert', 'FROM fresh c JOIN upserted u ON u.id = c.k_id')}
  RETURNING key_id
)
SELECT key_id::text AS id FROM logged`;
  return named('thahs_apply_upsert', text);
}

/**
 * One statement removing a batch of keys of one entity (deletes, and rows whose new state left the
 * agreement's filter): a key whose stored row is older is removed, its tombstone is recorded or moved
 * forward, and each removal is appended to the update log. Returns the ids whose row was removed or
 * whose tombstone moved forward; a delete older than the stored row or tombstone changes nothing.
 */
export function deleteStatement(schema: string, entity: string): PreparedStatement {
  const table = `${quoteIdent(schema)}.${quoteIdent(entity)}`;
  const tomb = `${quoteIdent(schema)}.${quoteIdent(TOMBSTONE_TABLE)}`;
  const text = `WITH incoming AS (${unnestSource([])}),
cur AS (
  SELECT i.*, p.id IS NOT NULL AS present
    FROM incoming i LEFT JOIN ${table} p ON p.id = i.k_id
   WHERE p.id IS NULL OR (p._source_lsn, p._source_index) < (i.m_lsn, i.m_idx)
),
tomb AS (
  INSERT INTO ${tomb} AS t (entity, id, lsn, idx, commit_ts, recorded_at)
  SELECT ${ENTITY_PARAM}, c.k_id, c.m_lsn, c.m_idx, ${micros('c.m_commit_us')}, now() FROM cur c
  ON CONFLICT (entity, id) DO UPDATE SET lsn = EXCLUDED.lsn, idx = EXCLUDED.idx, commit_ts = EXCLUDED.commit_ts, recorded_at = EXCLUDED.recorded_at
   WHERE (t.lsn, t.idx) < (EXCLUDED.lsn, EXCLUDED.idx)
  RETURNING t.id
),
removed AS (
  DELETE FROM ${table} p USING cur c WHERE c.present AND p.id = c.k_id RETURNING p.id
),
logged AS (
  ${logInsert('delete', 'FROM cur c JOIN removed r ON r.id = c.k_id')}
  RETURNING key_id
)
SELECT c.k_id::text AS id FROM cur c
 WHERE EXISTS (SELECT 1 FROM removed r WHERE r.id = c.k_id) OR EXISTS (SELECT 1 FROM tomb t WHERE t.id = c.k_id)`;
  return named('thahs_apply_delete', text);
}

/**
 * The parameter values of upsertStatement / deleteStatement for a batch of changes: the arrays as
 * PostgreSQL array literals (arrayLiteral), the provider and the entity as text.
 */
export function changeParams(provider: string, entity: string, changes: readonly StoreChange[], columns: readonly ContractField[] = []): string[] {
  const meta: StoreValue[][] = META_PARAMS.map(() => []);
  const valueColumns = columns.slice(1).map((c) => c.name);
  const values: StoreValue[][] = valueColumns.map(() => []);
  for (const c of changes) {
    if (c.entity !== entity) throw new PartnerStoreError(`a change of ${c.entity} in a batch of ${entity}`, undefined, entity);
    meta[0].push(c.id);
    meta[1].push(formatLsn(c.position.lsn));
    meta[2].push(c.position.index);
    meta[3].push(c.op);
    meta[4].push(c.eventId);
    meta[5].push(c.commitTsUs);
    meta[6].push(c.agreementId);
    meta[7].push(c.agreementVersion);
    meta[8].push(c.signedBy);
    const row = c.row;
    for (let n = 0; n < valueColumns.length; n++) values[n].push(row?.[valueColumns[n]] ?? null);
  }
  return [...meta.map(arrayLiteral), provider, entity, ...values.map(arrayLiteral)];
}
