import { AccessAuditCollector, type CollectorConnection } from './accessAuditCollector';
import { parseOwnSessions } from './ownSessions';

/**
 * A stand-in for the server: a log folder of csvlog files read through the same SQL functions, and the
 * access log / position tables the collector writes (audit_ref unique, as the index makes it). Enough
 * to drive the reading logic — chunks, partial records, files written anew — without a server.
 */
class FakeServer implements CollectorConnection {
  readonly files = new Map<string, Buffer>();
  readonly positions = new Map<string, number>();
  readonly log = new Map<string, unknown[]>();
  transactions = 0;
  reads = 0;

  async query(text: string, values: unknown[] = []): Promise<{ rows: unknown[]; rowCount: number | null }> {
    const none = { rows: [], rowCount: 0 };
    if (text === 'BEGIN') this.transactions++;
    if (text.includes('current_database()')) return { rows: [{ db: 'thahs' }], rowCount: 1 };
    if (text.includes('pg_ls_logdir()')) {
      const only = values[0] as string | null;
      const rows = [...this.files].filter(([n]) => n.endsWith('.csv') && (only === null || n === only)).map(([name, b]) => ({ name, size: String(b.length) }));
      return { rows, rowCount: rows.length };
    }
    if (text.includes('access_audit_position WHERE log_file')) {
      const at = this.positions.get(values[0] as string);
      return at === undefined ? none : { rows: [{ at: String(at) }], rowCount: 1 };
    }
    if (text.startsWith('SELECT log_file, byte_offset')) {
      const rows = [...this.positions].map(([log_file, at]) => ({ log_file, at: String(at) }));
      return { rows, rowCount: rows.length };
    }
    if (text.includes('pg_read_binary_file')) {
      this.reads++;
      const [name, offset, length] = values as [string, number, number];
      const b = this.files.get(name);
      return { rows: [{ data: b ? b.subarray(offset, offset + length) : null }], rowCount: 1 };
    }
    if (text.startsWith('INSERT INTO "partner_state".access_log')) {
      const [, at, who, what, addr, app, ref] = values as string[][];
      let added = 0;
      ref.forEach((r, i) => {
        if (this.log.has(r)) return;
        this.log.set(r, [at[i], who[i], what[i], addr[i], app[i]]);
        added++;
      });
      return { rows: [], rowCount: added };
    }
    if (text.startsWith('INSERT INTO "partner_state".access_audit_position')) this.positions.set(values[0] as string, values[1] as number);
    return none;
  }

  release(): void {}
}

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
function record(line: number, o: { user?: string; app?: string; table?: string; message?: string } = {}): string {
  const message = o.message ?? `AUDIT: OBJECT,${line},1,READ,SELECT,TABLE,${o.table ?? 'partner_cand.person'},<not logged>,<not logged>`;
  return `2026-11-27 03:23:54.620 UTC,${q(o.user ?? 'analyst')},"thahs",7538,"127.0.0.1:53308",6b08f7ca.1d72,${line},"SELECT",2026-11-27 03:23:54 UTC,3/35,0,LOG,00000,${q(message)},,,,,,,,,${q(o.app ?? 'psql')},"client backend",,0\n`;
}

describe('AccessAuditCollector', () => {
  const own = parseOwnSessions('thahs:thahs-apply-consumer-*');
  let server: FakeServer;
  const collector = (chunkBytes?: number): AccessAuditCollector => new AccessAuditCollector({ connect: async () => server }, { ownSessions: own, chunkBytes });
  beforeEach(() => {
    server = new FakeServer();
  });

  it('reads a file in chunks, growing the chunk for a record longer than it, and keeps the position', async () => {
    const long = record(2, { message: `duration: 5 ms  statement: SELECT ${'x, '.repeat(200)}1\nFROM t` });
    const text = record(1) + long + record(3, { user: 'thahs', app: 'thahs-apply-consumer-A-qdnd' }) + record(4, { table: 'thahs.person' }) + record(5);
    server.files.set('postgresql-1.csv', Buffer.from(text));
    server.files.set('postgresql-1.log', Buffer.from('not read'));
    const s = await collector(300).collect();
    expect(s).toEqual({ files: 1, bytes: Buffer.byteLength(text), auditEntries: 2, collected: 2, ownSessions: 1 });
    expect([...server.log.keys()]).toEqual(['6b08f7ca.1d72:1', '6b08f7ca.1d72:5']);
    expect(server.positions.get('postgresql-1.csv')).toBe(Buffer.byteLength(text));
  });

  it('leaves a record still being written for the next collection, and reads it whole then', async () => {
    const second = record(2);
    server.files.set('postgresql-1.csv', Buffer.from(record(1) + second.slice(0, 50)));
    expect((await collector().collect()).collected).toBe(1);
    expect(server.positions.get('postgresql-1.csv')).toBe(Buffer.byteLength(record(1)));
    server.files.set('postgresql-1.csv', Buffer.from(record(1) + second + record(3)));
    expect((await collector().collect()).collected).toBe(2);
    expect(server.log.size).toBe(3);
  });

  it('does not touch a file read to its end, and adds nothing when read again from the start', async () => {
    server.files.set('postgresql-1.csv', Buffer.from(record(1) + record(2)));
    const c = collector();
    await c.collect();
    const [transactions, reads] = [server.transactions, server.reads];
    expect((await c.collect()).bytes).toBe(0);
    expect([server.transactions - transactions, server.reads - reads]).toEqual([0, 0]);
    server.positions.clear();
    expect(await c.collect()).toMatchObject({ auditEntries: 2, collected: 0 });
  });

  it('reads a file written anew under the same name from its start', async () => {
    server.files.set('postgresql-Mon.csv', Buffer.from(record(1) + record(2) + record(3)));
    await collector().collect();
    server.files.set('postgresql-Mon.csv', Buffer.from(record(9)));
    expect((await collector().collect()).collected).toBe(1);
    expect(server.log.has('6b08f7ca.1d72:9')).toBe(true);
  });
});
