import type { Queryable } from '../partner-store';
import { partnerSchemaSql } from './partnerRelation';

/** Whether reads of partner data in a database are audited, and whether the collector can read the audit log. */
export interface AuditReadiness {
  /** What stops reads from being audited or collected; empty when collection works. */
  problems: string[];
  /** Settings that weaken the audit without stopping it. */
  warnings: string[];
  /** Partner tables the audit role holds no SELECT on: reads of them are not logged. */
  unauditedTables: string[];
}

const READ_FILE = 'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)';

interface ServerSettings {
  preload: string;
  collector: string;
  destination: string;
  role: string;
  log_statement: string;
  log_parameter: string;
  truncate: string;
  hostname: string;
}

/**
 * Checks, with the collector's own role, what the audit needs of the server (README, "Access audit"):
 * pgaudit preloaded with an existing `pgaudit.role`, a csvlog written by the logging collector, and the
 * right to list and read the log files over SQL.
 */
export async function checkAuditReadiness(db: Queryable): Promise<AuditReadiness> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const rights = (
    await db.query(
      `SELECT has_function_privilege('pg_catalog.pg_ls_logdir()', 'EXECUTE') AS list, has_function_privilege('${READ_FILE}', 'EXECUTE') AS read,
              pg_has_role('pg_read_all_settings', 'USAGE') AS settings`,
    )
  ).rows[0] as { list: boolean; read: boolean; settings: boolean };
  if (!rights.list) problems.push('the role may not list the server log files (pg_ls_logdir): grant it pg_monitor');
  if (!rights.read) problems.push(`the role may not read the server log files: GRANT EXECUTE ON FUNCTION ${READ_FILE} TO <role>`);
  if (!rights.settings) {
    problems.push('the role may not read the server settings: grant it pg_monitor');
    return { problems, warnings, unauditedTables: [] };
  }
  const s = (
    await db.query(
      `SELECT current_setting('shared_preload_libraries') AS preload, current_setting('logging_collector') AS collector,
              current_setting('log_destination') AS destination, coalesce(current_setting('pgaudit.role', true), '') AS role,
              coalesce(current_setting('pgaudit.log_statement', true), '') AS log_statement,
              coalesce(current_setting('pgaudit.log_parameter', true), '') AS log_parameter,
              current_setting('log_truncate_on_rotation') AS truncate, current_setting('log_hostname') AS hostname`,
    )
  ).rows[0] as ServerSettings;
  const preloaded = s.preload.split(',').map((x) => x.trim().replace(/^"|"$/g, ''));
  if (!preloaded.includes('pgaudit')) problems.push('pgaudit is not loaded: add it to shared_preload_libraries and restart the server');
  if (s.collector !== 'on') problems.push('logging_collector is off: the server writes no log file to read');
  if (
    !s.destination
      .split(',')
      .map((x) => x.trim())
      .includes('csvlog')
  )
    problems.push("log_destination has no csvlog: add it (e.g. 'stderr,csvlog')");
  let unauditedTables: string[] = [];
  if (s.role === '') problems.push('pgaudit.role is not set: object auditing is off');
  else {
    const exists = (await db.query('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS yes', [s.role])).rows[0] as { yes: boolean };
    if (!exists.yes) problems.push(`the audit role ${s.role} (pgaudit.role) does not exist: CREATE ROLE ${s.role} NOLOGIN`);
    else {
      const r = await db.query(
        `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE ${partnerSchemaSql('n.nspname')} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT has_table_privilege($1, c.oid, 'SELECT')
          ORDER BY 1`,
        [s.role],
      );
      unauditedTables = (r.rows as { name: string }[]).map((x) => x.name);
    }
  }
  if (s.log_statement === 'on' || s.log_parameter === 'on') {
    warnings.push('pgaudit.log_statement or pgaudit.log_parameter is on: the server log holds the text of every audited statement, which may contain personal data');
  }
  if (s.truncate === 'on') warnings.push('log_truncate_on_rotation is on: a log file name reused before it was collected loses its entries');
  if (s.hostname === 'on') warnings.push('log_hostname is on: the log names client hosts, and the access log records no client address');
  return { problems, warnings, unauditedTables };
}
