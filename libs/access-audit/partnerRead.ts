import { isIP } from 'net';
import { parseAuditMessage, splitQualifiedName } from './auditMessage';
import { parseCsvLine } from './csvRecords';
import { isOwnSession, type OwnSession } from './ownSessions';
import { isPartnerSchema } from './partnerRelation';
import { serverLogRecord } from './serverLogRecord';

/** The purpose code of a read no tool of the project declared: someone queried the database directly. */
export const UNDECLARED_READ_PURPOSE = 'UNDECLARED_DIRECT_READ';

/** A read of partner data found in the server's audit log, as the access log records it. */
export interface PartnerRead {
  /** `<session id>:<line>`: unique per server log record, so a record collected twice is recognised. */
  auditRef: string;
  /** When it was logged (the server's log_time text). */
  at: string;
  /** The login role. */
  dbUser: string;
  /** The client's IP address; null for a Unix-socket client or when the server logs host names. */
  clientAddr: string | null;
  applicationName: string;
  /** `<schema>.<table> <command>`: what was read and how — never the statement, which may hold personal data. */
  what: string;
}

export type LogRecordClass = { kind: 'read'; read: PartnerRead } | { kind: 'own-session' } | { kind: 'other' };

export interface ReadFilter {
  /** Only records of this database: the access log being filled is this database's. */
  database: string;
  ownSessions: readonly OwnSession[];
}

const OTHER: LogRecordClass = { kind: 'other' };

/**
 * Sorts one csvlog record: a pgaudit object entry on a partner relation of the database is a read —
 * unless it comes from one of the project's own sessions. The audit role holds SELECT and nothing else,
 * so pgaudit logs a statement on a partner table only when the statement read it: SELECT and COPY
 * (class READ), and UPDATE, DELETE or INSERT ... ON CONFLICT whose conditions read the rows (class
 * WRITE); both count. The COMPOSITE TYPE entry an upsert adds for its EXCLUDED row reads nothing stored.
 */
export function classifyLogRecord(text: string, filter: ReadFilter): LogRecordClass {
  // Most server log records are not audit entries: skip them before splitting fields.
  if (!text.includes('AUDIT: OBJECT,')) return OTHER;
  const record = serverLogRecord(parseCsvLine(text));
  if (!record || record.databaseName !== filter.database || record.userName === '') return OTHER;
  const audit = parseAuditMessage(record.message);
  if (!audit || audit.auditType !== 'OBJECT' || (audit.auditClass !== 'READ' && audit.auditClass !== 'WRITE')) return OTHER;
  if (audit.objectType === 'COMPOSITE TYPE') return OTHER;
  const name = splitQualifiedName(audit.objectName);
  if (!name || name.length !== 2 || !isPartnerSchema(name[0])) return OTHER;
  if (isOwnSession(filter.ownSessions, record.userName, record.applicationName)) return { kind: 'own-session' };
  return {
    kind: 'read',
    read: {
      auditRef: `${record.sessionId}:${record.sessionLineNum}`,
      at: record.logTime,
      dbUser: record.userName,
      clientAddr: clientAddress(record.connectionFrom),
      applicationName: record.applicationName,
      what: `${audit.objectName} ${audit.command}`,
    },
  };
}

/** The IP address in csvlog's `host:port` (IPv6 addresses hold colons too: the port follows the last one). */
export function clientAddress(connectionFrom: string): string | null {
  const colon = connectionFrom.lastIndexOf(':');
  const host = colon > 0 ? connectionFrom.slice(0, colon) : connectionFrom;
  return isIP(host) ? host : null;
}
