import { ensureStateSchema, partnerSchemaDdl, STATE_SCHEMA } from '../partner-store';
import { ensureOperatorLog } from '../ops/operatorLog';
import { REPUBLISH_DDL } from '../republish';
import type { Ministry } from '../contracts/contractTypes';
import { ident, OWNER_ROLE, partnerSchemaOf, SERVICE_ROLES } from './serviceRoles';

/** Anything that runs SQL text (a pg Client or Pool). */
export interface SqlRunner {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

const LOG_TABLES = ['update_log', 'access_log', 'deletion_record'] as const;
const DEAD_LETTER_METADATA = ['id', 'at', 'receiver', 'provider', 'agreement_id', 'consumer_group', 'reason', 'detail', 'topic', 'kafka_partition', 'kafka_offset', 'entity'];

const { producer: P, apply: A, operator: O, audit: U } = SERVICE_ROLES;
const S = ident(STATE_SCHEMA);
const q = ident;

/** Rights on every table of a schema now and on those its owner creates later. */
function onSchemaTables(schema: string, rights: string, role: string, creator = OWNER_ROLE): string[] {
  return [
    `GRANT ${rights} ON ALL TABLES IN SCHEMA ${q(schema)} TO ${q(role)}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(creator)} IN SCHEMA ${q(schema)} GRANT ${rights} ON TABLES TO ${q(role)}`,
  ];
}
function usage(schema: string, ...roles: string[]): string[] {
  return roles.map((r) => `GRANT USAGE ON SCHEMA ${q(schema)} TO ${q(r)}`);
}

/**
 * What the owner grants in a ministry's database, whose partner schema holds `provider`'s data (run as
 * `thahs`, after the migrations and prepareMinistryDatabase):
 * statements, idempotent, in order. Schemas that do not exist yet are skipped by the caller.
 */
export function ownerGrantStatements(provider: Ministry): { schema: string; sql: string[] }[] {
  const partner = partnerSchemaOf(provider);
  return [
    { schema: 'thahs', sql: [...usage('thahs', P, O), ...onSchemaTables('thahs', 'SELECT', P), ...onSchemaTables('thahs', 'SELECT', O)] },
    {
      schema: 'thahs_meta',
      sql: [
        ...usage('thahs_meta', P, A, O, U),
        ...onSchemaTables('thahs_meta', 'SELECT', P),
        ...onSchemaTables('thahs_meta', 'SELECT', A),
        ...onSchemaTables('thahs_meta', 'SELECT', O),
      ],
    },
    {
      schema: 'thahs_cdc',
      sql: [
        `GRANT USAGE, CREATE ON SCHEMA thahs_cdc TO ${q(P)}`,
        ...usage('thahs_cdc', O),
        ...onSchemaTables('thahs_cdc', 'SELECT, INSERT, UPDATE, DELETE', P),
        ...onSchemaTables('thahs_cdc', 'SELECT, INSERT, UPDATE', O),
        `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA thahs_cdc TO ${q(P)}, ${q(O)}`,
      ],
    },
    {
      schema: 'agreement',
      sql: [
        ...usage('agreement', P, A, O, U),
        ...onSchemaTables('agreement', 'SELECT', P),
        ...onSchemaTables('agreement', 'SELECT', A),
        ...onSchemaTables('agreement', 'SELECT', O),
        ...onSchemaTables('agreement', 'SELECT', U),
      ],
    },
    {
      schema: partner,
      sql: [
        // The consumer creates the entity tables of its agreements and adds the columns an amendment shares.
        `GRANT USAGE, CREATE ON SCHEMA ${q(partner)} TO ${q(A)}`,
        ...usage(partner, O),
        ...onSchemaTables(partner, 'SELECT, INSERT, UPDATE, DELETE', A),
        ...onSchemaTables(partner, 'SELECT', O),
      ],
    },
    {
      schema: STATE_SCHEMA,
      sql: [
        ...usage(STATE_SCHEMA, A, O, U),
        // Bookkeeping other than the logs: the consumer's to keep.
        ...onSchemaTables(STATE_SCHEMA, 'SELECT, INSERT, UPDATE, DELETE', A),
        // ...but the logs are append-only for it: the grant above is taken back on them.
        ...LOG_TABLES.flatMap((t) => [`REVOKE UPDATE, DELETE, TRUNCATE ON ${S}.${q(t)} FROM ${q(A)}`, `GRANT SELECT, INSERT ON ${S}.${q(t)} TO ${q(A)}`]),
        `REVOKE ALL ON ${S}.access_audit_position FROM ${q(A)}`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA ${S} TO ${q(O)}`,
        `GRANT INSERT ON ${S}.access_log TO ${q(O)}`,
        `GRANT UPDATE ON ${S}.dead_letter TO ${q(O)}`,
        // `thahs dlq discard` (and retry, for what it resolves) deletes the dead letter and records why in
        // the operator log, whose append-only triggers refuse any change after; prepareMinistryDatabase made it.
        `GRANT DELETE ON ${S}.dead_letter TO ${q(O)}`,
        `GRANT INSERT ON ${S}.operator_action TO ${q(O)}`,
        ...LOG_TABLES.map((t) => `GRANT SELECT ON ${S}.${q(t)} TO ${q(U)}`),
        `GRANT INSERT ON ${S}.access_log TO ${q(U)}`,
        `GRANT SELECT, INSERT, UPDATE ON ${S}.access_audit_position TO ${q(U)}`,
        `GRANT SELECT (${DEAD_LETTER_METADATA.join(', ')}) ON ${S}.dead_letter TO ${q(U)}`,
      ],
    },
    {
      schema: 'thahs_reconcile',
      sql: [
        `GRANT USAGE, CREATE ON SCHEMA thahs_reconcile TO ${q(O)}`,
        ...onSchemaTables('thahs_reconcile', 'SELECT, INSERT, UPDATE, DELETE', O),
        ...usage('thahs_reconcile', U),
        ...onSchemaTables('thahs_reconcile', 'SELECT', U),
      ],
    },
  ];
}

/**
 * The admin step of a receiving ministry's database, run by its owner before any service starts
 * with its own role: the partner store's bookkeeping (logs with their append-only triggers, dead
 * letters, deletion records, the operators' log) and the partner schema of each provider, the producer's re-publication
 * table, and the reconciler's schema — all owned by `thahs`, so no service role owns a log.
 */
export async function prepareMinistryDatabase(owner: SqlRunner, provider: Ministry): Promise<void> {
  await ensureStateSchema(owner);
  // The operators' tools append to it under their own role, which may not create it (nor own a log).
  await ensureOperatorLog(owner);
  for (const sql of partnerSchemaDdl(partnerSchemaOf(provider))) await owner.query(sql);
  await owner.query(REPUBLISH_DDL);
  await owner.query('CREATE SCHEMA IF NOT EXISTS thahs_reconcile');
}

/** Grants the service roles their rights in this database (run as the owner; idempotent). */
export async function grantServiceRights(owner: SqlRunner, provider: Ministry): Promise<string[]> {
  const granted: string[] = [];
  for (const block of ownerGrantStatements(provider)) {
    const present = (await owner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [block.schema])).rows.length > 0;
    if (!present) continue;
    for (const sql of block.sql) await owner.query(sql);
    granted.push(block.schema);
  }
  return granted;
}

/**
 * Rights only a superuser (or the roles' admin) can give, run once per database: default privileges
 * on the tables the service roles create themselves (the consumer's entity tables, the producer's
 * state), and the collector's reading of the server log over SQL.
 */
export function superuserGrantStatements(provider: Ministry): string[] {
  const partner = partnerSchemaOf(provider);
  return [
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(A)} IN SCHEMA ${q(partner)} GRANT SELECT ON TABLES TO ${q(O)}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(P)} IN SCHEMA thahs_cdc GRANT SELECT, INSERT, UPDATE ON TABLES TO ${q(O)}`,
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO ${q(U)}`,
  ];
}
