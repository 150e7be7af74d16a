import type { Queryable } from '../partner-store';

/** Schema of the stored runs in the receiver's database (the name the status tools read). */
export const RECONCILE_SCHEMA = 'thahs_reconcile';

/** Serialises concurrent set-ups of the schema (two runs starting together). */
export const RECONCILE_DDL_LOCK = 741_950_151;

const S = RECONCILE_SCHEMA;

/**
 * Every reconciliation run (Art. 5: the yearly inspection of conformance, accuracy and integrity must
 * leave a record): who started it, when, over what, under which agreement version, with which result
 * per entity, and each differing key with its class and the names of its differing fields — never a
 * value. Idempotent statements: safe on every start, from several processes; later additions are
 * `ADD COLUMN IF NOT EXISTS`, never edits of what an existing database already ran.
 */
export const RECONCILE_SCHEMA_DDL: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${S}`,
  `CREATE TABLE IF NOT EXISTS ${S}.run (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id text NOT NULL,
    agreement_version integer NOT NULL,
    document_hash text NOT NULL,
    provider text NOT NULL CHECK (provider IN ('cand', 'qdnd')),
    receiver text NOT NULL CHECK (receiver IN ('cand', 'qdnd') AND receiver <> provider),
    partner_schema text NOT NULL,
    mode text NOT NULL CHECK (mode IN ('full', 'incremental', 'recheck')),
    scope_entities text[] NOT NULL,
    started_by text NOT NULL CHECK (started_by <> ''),
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'clean', 'differences', 'failed')),
    error text,
    source_lsn pg_lsn,
    provider_snapshot pg_snapshot,
    receiver_snapshot pg_snapshot,
    provider_identity jsonb,
    receiver_identity jsonb,
    hash_version text NOT NULL,
    options jsonb NOT NULL DEFAULT '{}'::jsonb,
    rechecked_run_id bigint REFERENCES ${S}.run (id),
    timings jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT run_finished CHECK ((status = 'running') = (finished_at IS NULL))
  )`,
  `CREATE INDEX IF NOT EXISTS run_agreement_started ON ${S}.run (agreement_id, started_at DESC)`,
  `CREATE TABLE IF NOT EXISTS ${S}.entity_result (
    run_id bigint NOT NULL REFERENCES ${S}.run (id),
    entity text NOT NULL,
    mode text NOT NULL CHECK (mode IN ('full', 'incremental', 'recheck')),
    baseline_run_id bigint REFERENCES ${S}.run (id),
    fallback_reason text,
    fields text[] NOT NULL,
    share_hash text NOT NULL,
    source_rows bigint NOT NULL,
    partner_rows bigint NOT NULL,
    checked bigint NOT NULL,
    matched bigint NOT NULL,
    missing bigint NOT NULL,
    extra bigint NOT NULL,
    different bigint NOT NULL,
    keys_truncated boolean NOT NULL,
    field_counts jsonb NOT NULL,
    rows_hashed jsonb NOT NULL,
    rows_scanned jsonb NOT NULL,
    changed_keys bigint,
    blocks integer NOT NULL,
    blocks_differing integer NOT NULL,
    segments_differing integer NOT NULL,
    segments_per_block integer NOT NULL,
    boundaries uuid[] NOT NULL,
    by_reporting_unit jsonb,
    provider_table_oid oid,
    partner_table_oid oid,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    timings jsonb NOT NULL,
    PRIMARY KEY (run_id, entity),
    CONSTRAINT entity_result_counts CHECK (matched >= 0 AND missing >= 0 AND extra >= 0 AND different >= 0
      AND checked = matched + missing + extra + different
      AND source_rows = matched + missing + different AND partner_rows = matched + extra + different)
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.difference (
    run_id bigint NOT NULL,
    entity text NOT NULL,
    key uuid NOT NULL,
    class text NOT NULL CHECK (class IN ('missing', 'extra', 'different')),
    fields text[] NOT NULL DEFAULT '{}',
    partner_lsn pg_lsn,
    reporting_unit_id uuid,
    PRIMARY KEY (run_id, entity, key),
    FOREIGN KEY (run_id, entity) REFERENCES ${S}.entity_result (run_id, entity),
    CONSTRAINT difference_fields CHECK ((class = 'different') = (cardinality(fields) > 0))
  )`,
];

/** Creates the schema when missing; safe to run on every start and from several processes. */
export async function ensureReconcileSchema(db: Queryable): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1)', [RECONCILE_DDL_LOCK]);
    for (const sql of RECONCILE_SCHEMA_DDL) await db.query(sql);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
