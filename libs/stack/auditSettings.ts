import { confString } from './stackConf';

/**
 * The role pgaudit's object auditing is keyed on (`pgaudit.role`): a read is logged when this role
 * holds SELECT on the relation read, and the partner store grants it SELECT on every partner table it
 * creates. It never logs in and owns nothing.
 */
export const AUDITOR_ROLE = 'thahs_auditor';

export interface AuditSettingsOptions {
  /** Folder of the server's own log files (stderr and csvlog); one per cluster. */
  logDir: string;
  /** pgaudit is installed: preload it and configure object auditing. */
  pgaudit: boolean;
}

/**
 * Settings of a ministry cluster whose reads of partner data are audited (Art. 5.4): pgaudit object
 * auditing through AUDITOR_ROLE, no session auditing, and a csvlog the access-audit collector reads
 * over SQL (pg_ls_logdir, pg_read_binary_file). Neither the statement text nor its parameters are
 * logged: they may carry the personal data that was read.
 */
export function auditSettings(o: AuditSettingsOptions): string[] {
  const logging = [
    'logging_collector = on',
    "log_destination = 'stderr,csvlog'",
    `log_directory = ${confString(o.logDir)}`,
    "log_filename = 'postgresql-%Y-%m-%d_%H%M%S.log'",
    'log_rotation_age = 1d',
    'log_rotation_size = 100MB',
  ];
  if (!o.pgaudit) return logging;
  return [
    ...logging,
    "shared_preload_libraries = 'pgaudit'",
    `pgaudit.role = ${confString(AUDITOR_ROLE)}`,
    "pgaudit.log = 'none'",
    'pgaudit.log_relation = on',
    'pgaudit.log_parameter = off',
    'pgaudit.log_statement = off',
  ];
}
