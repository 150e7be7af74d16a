import { quoteIdent, STATE_SCHEMA } from './sqlNames';

const S = quoteIdent(STATE_SCHEMA);

/** update_log actions written by the receiver itself rather than by an applied event. */
export const PURGE_ACTIONS = ['purge', 'clear'] as const;
export type PurgeAction = (typeof PURGE_ACTIONS)[number];

/** Every action the update log accepts: applied events (upsert, delete) and the receiver's purges. */
export const UPDATE_LOG_ACTIONS = ['upsert', 'delete', ...PURGE_ACTIONS] as const;

export const DELETION_REASONS = ['scope_narrowed', 'retention', 'agreement_end'] as const;

const actionList = UPDATE_LOG_ACTIONS.map((a) => `'${a}'`).join(', ');

/**
 * Bookkeeping of purges (Art. 12 (9)-(10), Art. 13), appended to the state schema DDL:
 * - update_log also records `purge` (a row removed by the receiver: scope narrowed, retention over,
 *   agreement ended) and `clear` (fields set to null: projection narrowed, anonymisation). Databases
 *   created before these actions existed get their CHECK widened once, without rescanning the log on
 *   every start.
 * - deletion_record keeps every signed deletion record, append-only like the logs: it is what the
 *   receiver shows the provider, and its own proof, that data was deleted as agreed.
 */
export const PURGE_SCHEMA_DDL: readonly string[] = [
  `DO $$
   BEGIN
     IF NOT EXISTS (
       SELECT 1 FROM pg_constraint
        WHERE conrelid = '${STATE_SCHEMA}.update_log'::regclass AND conname = 'update_log_action_check'
          AND pg_get_constraintdef(oid) LIKE '%''purge''%'
     ) THEN
       ALTER TABLE ${S}.update_log DROP CONSTRAINT IF EXISTS update_log_action_check;
       ALTER TABLE ${S}.update_log ADD CONSTRAINT update_log_action_check CHECK (action IN (${actionList}));
     END IF;
   END
   $$`,
  `CREATE TABLE IF NOT EXISTS ${S}.deletion_record (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id uuid NOT NULL UNIQUE,
    agreement_id text NOT NULL,
    agreement_version integer NOT NULL,
    receiver text NOT NULL,
    provider text NOT NULL,
    partner_schema text NOT NULL,
    reason text NOT NULL CHECK (reason IN (${DELETION_REASONS.map((r) => `'${r}'`).join(', ')})),
    method text NOT NULL CHECK (method IN ('hard_delete', 'anonymise')),
    executed_at timestamptz NOT NULL,
    key_id text NOT NULL,
    record jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX IF NOT EXISTS deletion_record_agreement ON ${S}.deletion_record (agreement_id, partner_schema, reason)`,
  `CREATE OR REPLACE TRIGGER deletion_record_append_only BEFORE UPDATE OR DELETE ON ${S}.deletion_record FOR EACH ROW EXECUTE FUNCTION ${S}.refuse_change()`,
  `CREATE OR REPLACE TRIGGER deletion_record_no_truncate BEFORE TRUNCATE ON ${S}.deletion_record FOR EACH STATEMENT EXECUTE FUNCTION ${S}.refuse_change()`,
  `REVOKE UPDATE, DELETE, TRUNCATE ON ${S}.deletion_record FROM PUBLIC`,
];
