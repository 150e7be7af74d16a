import { parseCsvLine } from './csvRecords';

/** One pgaudit log entry: `AUDIT: <type>,<statement>,<substatement>,<class>,<command>,<object type>,<object name>,...`. */
export interface AuditMessage {
  auditType: string;
  statementId: number;
  substatementId: number;
  /** READ, WRITE, DDL, ... */
  auditClass: string;
  /** The command, e.g. SELECT, DELETE. */
  command: string;
  /** TABLE, VIEW, COMPOSITE TYPE, ... */
  objectType: string;
  /** Schema-qualified, each part quoted as SQL quotes identifiers when it has to be. */
  objectName: string;
}

const PREFIX = 'AUDIT: ';

/**
 * Reads a pgaudit entry from a log message. The entry is itself CSV (pgaudit quotes a field that holds
 * a comma, a quote or a line feed); the statement text and parameters after the object name are never
 * read, even where the server is configured to log them.
 */
export function parseAuditMessage(message: string): AuditMessage | undefined {
  if (!message.startsWith(PREFIX)) return undefined;
  const f = parseCsvLine(message.slice(PREFIX.length));
  if (f.length < 7) return undefined;
  const statementId = Number(f[1]);
  const substatementId = Number(f[2]);
  if (!Number.isSafeInteger(statementId) || !Number.isSafeInteger(substatementId)) return undefined;
  return { auditType: f[0], statementId, substatementId, auditClass: f[3], command: f[4], objectType: f[5], objectName: f[6] };
}

/**
 * Splits a qualified name as PostgreSQL prints it (`schema.table`, `"Odd ""name"""` quoted where
 * needed) into its unquoted parts; undefined when it is not well formed.
 */
export function splitQualifiedName(name: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  while (i <= name.length) {
    let part = '';
    if (name[i] === '"') {
      i++;
      for (;;) {
        if (i >= name.length) return undefined;
        if (name[i] === '"') {
          if (name[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += name[i++];
      }
    } else {
      while (i < name.length && name[i] !== '.') part += name[i++];
      if (part === '' || part.includes('"')) return undefined;
    }
    parts.push(part);
    if (i === name.length) return parts;
    if (name[i] !== '.') return undefined;
    i++;
  }
  return undefined;
}
