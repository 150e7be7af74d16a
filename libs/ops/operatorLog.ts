import { ensureStateSchema, PARTNER_DDL_LOCK, type Queryable } from '../partner-store/stateSchema';
import { quoteIdent, STATE_SCHEMA } from '../partner-store/sqlNames';

const S = quoteIdent(STATE_SCHEMA);
export const OPERATOR_ACTION_TABLE = `${STATE_SCHEMA}.operator_action`;

/**
 * The operators' part of the update log (Art. 5.4, Art. 8.2): every action a person takes on the
 * exchange of a receiver's database — a dead letter discarded (and, once it exists, retried), a
 * consumer group's offsets reset, a replay — with who, when, on what, why and with what result.
 *
 * Beside `update_log` rather than in it: an update-log row is one applied change of one key (its
 * uuid, operation, source position, signer), constrained so by NOT NULLs and CHECKs that its readers
 * (the reconciler, the usage report, the exactly-once checks) rely on; an operator action has none of
 * those. It is guarded the same way: the trigger function of the logs refuses UPDATE, DELETE and
 * TRUNCATE even to the owner, and PUBLIC may not change it. `subject` names what was acted on by its
 * coordinates (agreement, topic, partition, offset, dead-letter id, event id), never by row values.
 */
export const OPERATOR_LOG_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.operator_action (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    who text NOT NULL CHECK (who <> ''),
    action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.]*$'),
    agreement_id text,
    reason text,
    subject jsonb NOT NULL,
    result text NOT NULL CHECK (result IN ('done', 'refused', 'failed')),
    detail jsonb,
    db_user text NOT NULL DEFAULT current_user,
    client_addr inet DEFAULT inet_client_addr()
  )`,
  `CREATE INDEX IF NOT EXISTS operator_action_at ON ${S}.operator_action (at)`,
  `CREATE INDEX IF NOT EXISTS operator_action_agreement ON ${S}.operator_action (agreement_id, action)`,
  `CREATE OR REPLACE TRIGGER operator_action_append_only BEFORE UPDATE OR DELETE ON ${S}.operator_action FOR EACH ROW EXECUTE FUNCTION ${S}.refuse_change()`,
  `CREATE OR REPLACE TRIGGER operator_action_no_truncate BEFORE TRUNCATE ON ${S}.operator_action FOR EACH STATEMENT EXECUTE FUNCTION ${S}.refuse_change()`,
  `REVOKE UPDATE, DELETE, TRUNCATE ON ${S}.operator_action FROM PUBLIC`,
];

/** Creates the partner-state schema (if missing) and the operator log; safe to run on every command. */
export async function ensureOperatorLog(db: Queryable): Promise<void> {
  // Where the owner made it (prepareMinistryDatabase, `thahs db prepare`), the DDL is skipped: an
  // operator's least-privilege role may append to the log but neither create a schema in the database
  // nor replace the triggers of a table it does not own, so running it would refuse every tool.
  if (await operatorLogExists(db)) return;
  await ensureStateSchema(db);
  await db.query('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1)', [PARTNER_DDL_LOCK]);
    for (const sql of OPERATOR_LOG_DDL) await db.query(sql);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export type OperatorActionResult = 'done' | 'refused' | 'failed';

export interface OperatorAction {
  who: string;
  /** e.g. dlq.discard, offsets.reset, replay. */
  action: string;
  agreementId: string | null;
  reason: string | null;
  /** Coordinates of what was acted on; never row values. */
  subject: Record<string, unknown>;
  result: OperatorActionResult;
  detail?: Record<string, unknown>;
}

/** Appends one operator action; runs in the caller's transaction when it has one. Returns its id. */
export async function recordOperatorAction(db: Queryable, a: OperatorAction): Promise<string> {
  if (a.who.trim() === '') throw new RangeError('operator log: "who" is empty');
  const r = await db.query(
    `INSERT INTO ${S}.operator_action (who, action, agreement_id, reason, subject, result, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
    [a.who, a.action, a.agreementId, a.reason, JSON.stringify(a.subject), a.result, a.detail === undefined ? null : JSON.stringify(a.detail)],
  );
  return (r.rows[0] as { id: string }).id;
}

/** Whether the operator log exists (readers of a database no tool has acted on yet find none). */
export async function operatorLogExists(db: Queryable): Promise<boolean> {
  const r = await db.query(`SELECT to_regclass('${OPERATOR_ACTION_TABLE}') IS NOT NULL AS present`);
  return (r.rows[0] as { present: boolean }).present;
}
