/**
 * The columns of PostgreSQL's csvlog (14 and later; 13 stops after backend_type), in file order. Only
 * the first 24 are read, so a later server that appends columns is still understood.
 */
export const CSVLOG_COLUMNS = [
  'log_time',
  'user_name',
  'database_name',
  'process_id',
  'connection_from',
  'session_id',
  'session_line_num',
  'command_tag',
  'session_start_time',
  'virtual_transaction_id',
  'transaction_id',
  'error_severity',
  'sql_state_code',
  'message',
  'detail',
  'hint',
  'internal_query',
  'internal_query_pos',
  'context',
  'query',
  'query_pos',
  'location',
  'application_name',
  'backend_type',
  'leader_pid',
  'query_id',
] as const;

const at = (name: (typeof CSVLOG_COLUMNS)[number]): number => CSVLOG_COLUMNS.indexOf(name);
const NEEDED = at('backend_type') + 1;

/** What the collector needs of one server log record; deliberately not the query, detail or context columns. */
export interface ServerLogRecord {
  /** As the server wrote it, e.g. `2026-11-27 03:24:05.192 UTC` (log_timezone). */
  logTime: string;
  /** The login role of the session (not a role it SET ROLE to). */
  userName: string;
  databaseName: string;
  /** `host:port` of a TCP client, `[local]` for a Unix socket, empty for server processes. */
  connectionFrom: string;
  sessionId: string;
  sessionLineNum: number;
  message: string;
  applicationName: string;
}

/** The record in a csvlog line's fields, or undefined when it does not have the csvlog shape. */
export function serverLogRecord(fields: readonly string[]): ServerLogRecord | undefined {
  if (fields.length < NEEDED) return undefined;
  const line = Number(fields[at('session_line_num')]);
  if (!Number.isSafeInteger(line) || line < 1) return undefined;
  return {
    logTime: fields[at('log_time')],
    userName: fields[at('user_name')],
    databaseName: fields[at('database_name')],
    connectionFrom: fields[at('connection_from')],
    sessionId: fields[at('session_id')],
    sessionLineNum: line,
    message: fields[at('message')],
    applicationName: fields[at('application_name')],
  };
}
