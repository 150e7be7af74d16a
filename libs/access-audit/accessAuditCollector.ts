import { ensureStateSchema, quoteIdent, STATE_SCHEMA } from '../partner-store';
import { completeCsvRecords } from './csvRecords';
import type { OwnSession } from './ownSessions';
import { classifyLogRecord, type PartnerRead, UNDECLARED_READ_PURPOSE } from './partnerRead';

/** Serialises collectors of one database (the supervisor's and a one-shot `thahs access-audit collect`). */
export const ACCESS_AUDIT_LOCK = 741_950_102;

const S = quoteIdent(STATE_SCHEMA);
const DEFAULT_CHUNK = 4 * 1024 * 1024;
/** A csvlog record is one message; one this long is not a log record but a broken file. */
const MAX_RECORD = 64 * 1024 * 1024;

/** What the collector needs of a pg Pool: one connection at a time. */
export interface CollectorDatabase {
  connect(): Promise<CollectorConnection>;
}

export interface CollectorConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(): void;
}

export interface AccessAuditCollectorOptions {
  /** Sessions whose reads are not undeclared (see OwnSession). */
  ownSessions: readonly OwnSession[];
  /** Most bytes of a log file read by one statement (default 4 MiB); grows for a longer record. */
  chunkBytes?: number;
}

/** What one collection did. */
export interface CollectionSummary {
  /** csvlog files in the server's log folder. */
  files: number;
  /** Bytes of them read now. */
  bytes: number;
  /** pgaudit entries on partner relations of this database found in those bytes. */
  auditEntries: number;
  /** Of those, reads appended to the access log now (one collected before is not appended again). */
  collected: number;
  /** Of those, entries of the project's own sessions, not appended. */
  ownSessions: number;
}

const APPEND = `INSERT INTO ${S}.access_log (at, who, what, purpose, db_user, client_addr, application_name, source, audit_ref)
  SELECT r.at::timestamptz, r.who, r.what, $1, r.who, r.addr::inet, r.app, 'pgaudit', r.ref
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS r(at, who, what, addr, app, ref)
  ON CONFLICT (audit_ref) DO NOTHING`;

const SAVE_POSITION = `INSERT INTO ${S}.access_audit_position (log_file, byte_offset) VALUES ($1, $2)
  ON CONFLICT (log_file) DO UPDATE SET byte_offset = EXCLUDED.byte_offset, updated_at = now()`;

/**
 * Fills a database's access log from pgaudit's entries in the server log (Art. 5.4: reads by any
 * database client). Everything goes through SQL — pg_ls_logdir() lists the csvlog files and
 * pg_read_binary_file() reads them from the last position — so the collector needs no access to the
 * server's file system, only the grants README lists. Each chunk is appended with its new position in
 * one transaction; entries are unique by audit_ref, so a repeated or concurrent collection adds nothing.
 */
export class AccessAuditCollector {
  private prepared = false;

  constructor(
    private readonly db: CollectorDatabase,
    private readonly o: AccessAuditCollectorOptions,
  ) {}

  async collect(): Promise<CollectionSummary> {
    const client = await this.db.connect();
    try {
      if (!this.prepared) {
        await ensureStateSchema(client);
        this.prepared = true;
      }
      const database = ((await client.query('SELECT current_database() AS db')).rows[0] as { db: string }).db;
      const files = await logFiles(client);
      const done = new Map(
        ((await client.query(`SELECT log_file, byte_offset::text AS at FROM ${S}.access_audit_position`)).rows as { log_file: string; at: string }[]).map((r) => [
          r.log_file,
          Number(r.at),
        ]),
      );
      const summary: CollectionSummary = { files: files.size, bytes: 0, auditEntries: 0, collected: 0, ownSessions: 0 };
      for (const [name, size] of files) {
        // Only files that grew (or shrank: written anew) since the last collection cost a transaction.
        if (done.get(name) === size) continue;
        await this.collectFile(client, name, database, summary);
      }
      return summary;
    } finally {
      client.release();
    }
  }

  private async collectFile(client: CollectorConnection, name: string, database: string, summary: CollectionSummary): Promise<void> {
    let chunk = this.o.chunkBytes ?? DEFAULT_CHUNK;
    for (;;) {
      const step = await inTransaction(client, async () => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [ACCESS_AUDIT_LOCK]);
        // Size and position are read under the lock: another collector may have moved on meanwhile.
        const size = (await logFiles(client, name)).get(name);
        if (size === undefined) return 'done';
        const p = await client.query(`SELECT byte_offset::text AS at FROM ${S}.access_audit_position WHERE log_file = $1`, [name]);
        let offset = p.rows.length > 0 ? Number((p.rows[0] as { at: string }).at) : 0;
        // Shorter than what was read: the name is being written anew; entries read before are recognised by audit_ref.
        if (offset > size) offset = 0;
        const length = Math.min(chunk, size - offset);
        if (length <= 0) {
          await client.query(SAVE_POSITION, [name, offset]);
          return 'done';
        }
        const r = await client.query(`SELECT pg_read_binary_file(current_setting('log_directory') || '/' || $1, $2, $3, true) AS data`, [name, offset, length]);
        const data = (r.rows[0] as { data: Buffer | null }).data;
        if (data === null) return 'done';
        const { records, consumed } = completeCsvRecords(data);
        if (consumed === 0) {
          // Nothing complete: either the one record being written, or a record longer than the chunk.
          return data.length < size - offset ? 'grow' : 'done';
        }
        const reads: PartnerRead[] = [];
        for (const text of records) {
          const c = classifyLogRecord(text, { database, ownSessions: this.o.ownSessions });
          if (c.kind === 'read') reads.push(c.read);
          else if (c.kind === 'own-session') summary.ownSessions++;
        }
        summary.auditEntries += reads.length;
        if (reads.length > 0) summary.collected += (await client.query(APPEND, appendParams(reads))).rowCount ?? 0;
        await client.query(SAVE_POSITION, [name, offset + consumed]);
        summary.bytes += consumed;
        // A record cut off at the end of the file is still being written: it is read whole next time.
        const atEnd = offset + data.length >= size;
        return atEnd ? 'done' : 'more';
      });
      if (step === 'done') return;
      if (step === 'grow') {
        chunk *= 2;
        if (chunk > MAX_RECORD) throw new Error(`server log ${name}: a record longer than ${MAX_RECORD} bytes; the file is not a csvlog`);
      }
    }
  }
}

/** csvlog files of the server's log folder with their sizes, in the order they were written; or just `only`. */
async function logFiles(client: CollectorConnection, only?: string): Promise<Map<string, number>> {
  const r = await client.query(`SELECT name, size::text AS size FROM pg_ls_logdir() WHERE name LIKE '%.csv' AND ($1::text IS NULL OR name = $1) ORDER BY modification, name`, [
    only ?? null,
  ]);
  // A name is only ever joined to log_directory: nothing that could leave it.
  return new Map((r.rows as { name: string; size: string }[]).filter((x) => !x.name.includes('/') && !x.name.startsWith('.')).map((x) => [x.name, Number(x.size)]));
}

function appendParams(reads: readonly PartnerRead[]): unknown[] {
  return [
    UNDECLARED_READ_PURPOSE,
    reads.map((r) => r.at),
    reads.map((r) => r.dbUser),
    reads.map((r) => r.what),
    reads.map((r) => r.clientAddr),
    reads.map((r) => r.applicationName),
    reads.map((r) => r.auditRef),
  ];
}

async function inTransaction<T>(client: CollectorConnection, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
