import { completeCsvRecords } from './csvRecords';
import { classifyLogRecord, clientAddress, type ReadFilter } from './partnerRead';
import { parseOwnSessions } from './ownSessions';

/** A csvlog record as PostgreSQL 15 writes it (26 columns). */
function csvlog(o: { user?: string; db?: string; from?: string; session?: string; line?: number; message: string; app?: string; severity?: string }): string {
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return [
    '2026-11-27 03:23:54.620 UTC',
    q(o.user ?? 'analyst'),
    q(o.db ?? 'thahs'),
    '7538',
    q(o.from ?? '127.0.0.1:53308'),
    o.session ?? '6b08f7ca.1d72',
    String(o.line ?? 1),
    '"SELECT"',
    '2026-11-27 03:23:54 UTC',
    '3/35',
    '0',
    o.severity ?? 'LOG',
    '00000',
    q(o.message),
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    q(o.app ?? 'psql'),
    '"client backend"',
    '',
    '0',
  ].join(',');
}

const filter: ReadFilter = { database: 'thahs', ownSessions: parseOwnSessions('thahs:thahs-apply-consumer-*') };
/** pgaudit's message; like pgaudit, the object name is quoted when it holds a comma or a quote. */
const read = (table = 'partner_cand.person', cls = 'READ', cmd = 'SELECT', type = 'TABLE'): string =>
  `AUDIT: OBJECT,1,1,${cls},${cmd},${type},${/[",\n]/.test(table) ? `"${table.replace(/"/g, '""')}"` : table},<not logged>,<not logged>`;

describe('classifyLogRecord', () => {
  it('turns an object audit entry on a partner table into a read: who, from where, what and how — no statement', () => {
    const c = classifyLogRecord(csvlog({ message: read(), line: 7 }), filter);
    expect(c).toEqual({
      kind: 'read',
      read: {
        auditRef: '6b08f7ca.1d72:7',
        at: '2026-11-27 03:23:54.620 UTC',
        dbUser: 'analyst',
        clientAddr: '127.0.0.1',
        applicationName: 'psql',
        what: 'partner_cand.person SELECT',
      },
    });
  });

  it('counts writes whose conditions read the rows (pgaudit logs them only because the audit role holds SELECT)', () => {
    expect(classifyLogRecord(csvlog({ message: read('partner_cand.person', 'WRITE', 'DELETE') }), filter)).toMatchObject({
      kind: 'read',
      read: { what: 'partner_cand.person DELETE' },
    });
    // the EXCLUDED row of an upsert is not stored data; the upsert's own entry is counted
    expect(classifyLogRecord(csvlog({ message: read('partner_cand.person', 'READ', 'SELECT', 'COMPOSITE TYPE') }), filter)).toEqual({ kind: 'other' });
  });

  it("sets the project's own sessions apart only when role and application name both match", () => {
    expect(classifyLogRecord(csvlog({ message: read(), user: 'thahs', app: 'thahs-apply-consumer-TTDL-CAND-QDND-2025-01-qdnd' }), filter)).toEqual({ kind: 'own-session' });
    expect(classifyLogRecord(csvlog({ message: read(), user: 'analyst', app: 'thahs-apply-consumer-x' }), filter)).toMatchObject({ kind: 'read', read: { dbUser: 'analyst' } });
    expect(classifyLogRecord(csvlog({ message: read(), user: 'thahs', app: 'psql' }), filter)).toMatchObject({ kind: 'read', read: { dbUser: 'thahs' } });
  });

  it('ignores other records: not audit, session audit, other databases, non-partner relations, the bookkeeping schema', () => {
    const other = { kind: 'other' };
    expect(classifyLogRecord(csvlog({ message: 'checkpoint complete: wrote 3 buffers' }), filter)).toEqual(other);
    expect(classifyLogRecord(csvlog({ message: 'AUDIT: SESSION,1,1,READ,SELECT,TABLE,partner_cand.person,<not logged>,<not logged>' }), filter)).toEqual(other);
    expect(classifyLogRecord(csvlog({ message: read(), db: 'thahs_test_x' }), filter)).toEqual(other);
    expect(classifyLogRecord(csvlog({ message: read('thahs.person') }), filter)).toEqual(other);
    expect(classifyLogRecord(csvlog({ message: read('partner_state.access_log') }), filter)).toEqual(other);
    expect(classifyLogRecord(csvlog({ message: read('public.partner_cand') }), filter)).toEqual(other);
    expect(classifyLogRecord(csvlog({ message: read('partner_cand.person', 'DDL', 'ALTER TABLE') }), filter)).toEqual(other);
    // an error whose statement mentions an audit entry is not one
    expect(classifyLogRecord(csvlog({ message: 'syntax error', severity: 'ERROR' }).replace(',,,,,,', `,,,,,"select 'AUDIT: OBJECT,1,1,READ'",`), filter)).toEqual(other);
    expect(classifyLogRecord('AUDIT: OBJECT,1,1,READ,SELECT,TABLE,partner_cand.person', filter)).toEqual(other);
  });

  it('reads records whose fields span lines, as they come out of a chunk of the file', () => {
    const multi = csvlog({ message: 'duration: 1 ms  statement: SELECT 1\n  FROM t' });
    const audit = csvlog({ message: read('partner_qdnd."Hồ sơ, ""cũ"""'), line: 2 });
    const chunk = Buffer.from(`${multi}\n${audit}\n${audit.slice(0, 40)}`);
    const { records, consumed } = completeCsvRecords(chunk);
    expect(records).toHaveLength(2);
    expect(consumed).toBe(Buffer.byteLength(`${multi}\n${audit}\n`));
    expect(records.map((r) => classifyLogRecord(r, filter).kind)).toEqual(['other', 'read']);
    expect(classifyLogRecord(records[1], filter)).toMatchObject({ read: { what: 'partner_qdnd."Hồ sơ, ""cũ""" SELECT', auditRef: '6b08f7ca.1d72:2' } });
  });
});

describe('clientAddress', () => {
  it('keeps IPv4 and IPv6 addresses without the port, and nothing else', () => {
    expect(clientAddress('127.0.0.1:53308')).toBe('127.0.0.1');
    expect(clientAddress('::1:53308')).toBe('::1');
    expect(clientAddress('2001:db8::5:5432')).toBe('2001:db8::5');
    expect(clientAddress('[local]')).toBeNull();
    expect(clientAddress('db-client.example:5432')).toBeNull();
    expect(clientAddress('')).toBeNull();
  });
});
