import { PURGE_SCHEMA_DDL, UPDATE_LOG_ACTIONS } from './purgeSchema';
import { PARTITION_SEQUENCE_DDL } from './partitionSequence';
import { SOURCE_EPOCH_DDL } from './sourceEpochs';
import { quoteIdent, STATE_SCHEMA } from './sqlNames';

/** Anything that runs SQL: a pg Client, PoolClient or Pool. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Serialises concurrent set-ups of the same database (several consumers starting together). */
export const PARTNER_DDL_LOCK = 741_950_101;

const S = quoteIdent(STATE_SCHEMA);

/**
 * The bookkeeping every partner store of a receiver's database shares (Art. 5.4: the update log and the
 * exploitation log must exist and be kept): both logs are append-only — a trigger refuses UPDATE, DELETE
 * and TRUNCATE even to the table owner, and PUBLIC holds no right to change them — and the dead
 * letters, which operators inspect and resolve.
 */
export const STATE_SCHEMA_DDL: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${S}`,
  `CREATE TABLE IF NOT EXISTS ${S}.update_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider text NOT NULL,
    entity text NOT NULL,
    key_id uuid NOT NULL,
    op text NOT NULL CHECK (op IN ('c', 'u', 'd', 'r')),
    action text NOT NULL CONSTRAINT update_log_action_check CHECK (action IN (${UPDATE_LOG_ACTIONS.map((a) => `'${a}'`).join(', ')})),
    event_id text NOT NULL,
    source_lsn pg_lsn NOT NULL,
    source_index integer NOT NULL,
    commit_ts timestamptz NOT NULL,
    agreement_id text NOT NULL,
    agreement_version integer NOT NULL,
    signed_by text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX IF NOT EXISTS update_log_key ON ${S}.update_log (entity, key_id)`,
  `CREATE INDEX IF NOT EXISTS update_log_applied_at ON ${S}.update_log (applied_at)`,
  `CREATE TABLE IF NOT EXISTS ${S}.access_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    who text NOT NULL CHECK (who <> ''),
    what text NOT NULL CHECK (what <> ''),
    purpose text NOT NULL CHECK (purpose ~ '^[A-Z][A-Z0-9_]*$'),
    db_user text NOT NULL DEFAULT current_user,
    client_addr inet DEFAULT inet_client_addr()
  )`,
  `CREATE INDEX IF NOT EXISTS access_log_at ON ${S}.access_log (at)`,
  // Added after the first release, hence ALTERs that also upgrade existing databases (DDL fires no row
  // trigger, so the append-only guard stays as it is). `source`: 'tool' for a read the project's tools
  // record themselves, 'pgaudit' for one the access-audit collector found in the server's audit log;
  // `audit_ref` names that log record, so collecting it twice adds nothing.
  `ALTER TABLE ${S}.access_log ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'tool' CONSTRAINT access_log_source_check CHECK (source IN ('tool', 'pgaudit'))`,
  `ALTER TABLE ${S}.access_log ADD COLUMN IF NOT EXISTS application_name text`,
  `ALTER TABLE ${S}.access_log ADD COLUMN IF NOT EXISTS audit_ref text`,
  `CREATE UNIQUE INDEX IF NOT EXISTS access_log_audit_ref ON ${S}.access_log (audit_ref)`,
  // How far the collector has read each server log file: it resumes there, and a record cut off at the
  // end of a file being written is read again whole next time.
  `CREATE TABLE IF NOT EXISTS ${S}.access_audit_position (
    log_file text PRIMARY KEY,
    byte_offset bigint NOT NULL CHECK (byte_offset >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${S}.dead_letter (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    receiver text NOT NULL,
    provider text NOT NULL,
    agreement_id text NOT NULL,
    consumer_group text NOT NULL,
    reason text NOT NULL,
    detail text NOT NULL,
    topic text NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset bigint NOT NULL,
    entity text,
    raw_key bytea,
    raw_value bytea,
    headers jsonb NOT NULL,
    CONSTRAINT dead_letter_source_key UNIQUE (agreement_id, topic, kafka_partition, kafka_offset)
  )`,
  `CREATE INDEX IF NOT EXISTS dead_letter_reason ON ${S}.dead_letter (reason, at)`,
  // Added with publication per agreement: the digest stays when the value bytes may not (a policy
  // violation, a retention period over), so an operator can still match a dead letter with its event.
  `ALTER TABLE ${S}.dead_letter ADD COLUMN IF NOT EXISTS value_sha256 text`,
  `CREATE INDEX IF NOT EXISTS dead_letter_agreement ON ${S}.dead_letter (agreement_id, at)`,
  `CREATE OR REPLACE FUNCTION ${S}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '%.% is append-only (Art. 5.4 of the THAHS exchange circular)', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END
  $$`,
  ...['update_log', 'access_log'].flatMap((t) => [
    `CREATE OR REPLACE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${S}.${t} FOR EACH ROW EXECUTE FUNCTION ${S}.refuse_change()`,
    `CREATE OR REPLACE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${S}.${t} FOR EACH STATEMENT EXECUTE FUNCTION ${S}.refuse_change()`,
    `REVOKE UPDATE, DELETE, TRUNCATE ON ${S}.${t} FROM PUBLIC`,
  ]),
  ...PURGE_SCHEMA_DDL,
  SOURCE_EPOCH_DDL,
  // Added with the gap check's hand-over across restarts and rebalances (issue 14, defect 6).
  PARTITION_SEQUENCE_DDL,
];

/** Creates the bookkeeping schema if missing; safe to run on every start and from several processes. */
export async function ensureStateSchema(db: Queryable): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1)', [PARTNER_DDL_LOCK]);
    for (const sql of STATE_SCHEMA_DDL) await db.query(sql);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
