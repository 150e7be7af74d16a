import { Client, type QueryResultRow } from 'pg';
import { ReconcileError } from './reconcileError';

/** What identifies a database across runs: a restored backup or a recreated database is not the same one. */
export interface DatabaseIdentity {
  /** pg_control's system identifier (null where the role may not read it). */
  systemIdentifier: string | null;
  /** Timeline of the last checkpoint: a point-in-time restore starts a new one. */
  timeline: number | null;
  databaseOid: number;
  serverVersion: number;
}

/**
 * Settings every reconciliation session pins, because canonical texts depend on them (DateStyle,
 * extra_float_digits, standard_conforming_strings for the NFC pattern) or because the reconciler
 * schedules its own parallel work (no parallel workers per query, no JIT: its queries run in many
 * chunks, each too short to repay a compilation).
 *
 * enable_sort off and work_mem 64MB: the planner has no statistics on `width_bucket(id, bounds)` and
 * expects as many groups as rows, so it sorted every chunk by bucket (an external merge sort of the
 * wide rows, spilling ~40 MB per chunk of 300,000 rows, before the hash was even computed) where a
 * HashAggregate of 10,000 groups needs ~8 MB (EXPLAIN ANALYZE in docs/reconciliation.md, "Cost").
 * Nothing the reconciler asks needs a sort the planner could not get otherwise: ordered key reads use
 * the primary key, percentile_disc sorts inside the aggregate.
 */
const SESSION_OPTIONS = [
  'DateStyle=ISO,YMD',
  'TimeZone=UTC',
  'extra_float_digits=1',
  'standard_conforming_strings=on',
  'max_parallel_workers_per_gather=0',
  'jit=off',
  'enable_sort=off',
  'work_mem=64MB',
  'statement_timeout=0',
  'idle_in_transaction_session_timeout=0',
]
  .map((o) => `-c ${o}`)
  .join(' ');

export const RECONCILER_APPLICATION = 'thahs-reconciler';

/**
 * One side's database for the length of a run: `workers` connections reading one REPEATABLE READ
 * snapshot (the first exports it, the others import it, as parallel pg_dump does), so every query of
 * the run — the scan in chunks, the bisection, the per-field checks — sees the same state, and the
 * snapshot can be recorded as the baseline of the next incremental run. Queries wait for a free
 * connection, so callers may issue many at once.
 */
export class SideSession {
  private readonly idle: Client[];
  private readonly waiting: ((c: Client) => void)[] = [];
  private closed = false;

  private constructor(
    readonly label: 'provider' | 'partner',
    private readonly clients: Client[],
    /** pg_current_snapshot() of the run's transaction, as text (xmin:xmax:xip). */
    readonly snapshot: string,
    readonly identity: DatabaseIdentity,
  ) {
    this.idle = [...clients];
  }

  static async open(url: string, label: 'provider' | 'partner', workers: number): Promise<SideSession> {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
    const clients: Client[] = [];
    try {
      for (let i = 0; i < workers; i++) {
        const c = new Client({ connectionString: url, application_name: RECONCILER_APPLICATION, options: SESSION_OPTIONS });
        await c.connect();
        clients.push(c);
      }
      const first = clients[0];
      await first.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const info = await first.query<{ snap: string; exported: string; enc: string; version: string; db: number }>(
        `SELECT pg_current_snapshot()::text AS snap, ${workers > 1 ? 'pg_export_snapshot()' : "''"} AS exported,
                current_setting('server_encoding') AS enc, current_setting('server_version_num') AS version,
                (SELECT oid::int FROM pg_database WHERE datname = current_database()) AS db`,
      );
      const row = info.rows[0];
      if (row.enc !== 'UTF8') throw new ReconcileError(`the database encoding is ${row.enc}; canonical texts need UTF8`, { side: label });
      for (const c of clients.slice(1)) {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await c.query(`SET TRANSACTION SNAPSHOT '${row.exported.replace(/'/g, "''")}'`);
      }
      const identity: DatabaseIdentity = {
        systemIdentifier: await optional(first, 'SELECT system_identifier::text AS v FROM pg_control_system()'),
        timeline: numberOrNull(await optional(first, 'SELECT timeline_id::text AS v FROM pg_control_checkpoint()')),
        databaseOid: row.db,
        serverVersion: Number(row.version),
      };
      return new SideSession(label, clients, row.snap, identity);
    } catch (err) {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      throw err;
    }
  }

  get workers(): number {
    return this.clients.length;
  }

  async query<R extends QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    const c = await this.acquire();
    try {
      const r = await c.query<R>(text, values as unknown[]);
      return r.rows;
    } finally {
      this.release(c);
    }
  }

  /** Ends the run's transactions (read-only: nothing to keep) and the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.clients.map(async (c) => {
        await c.query('ROLLBACK').catch(() => undefined);
        await c.end().catch(() => undefined);
      }),
    );
  }

  private acquire(): Promise<Client> {
    if (this.closed) return Promise.reject(new ReconcileError('the session is closed', { side: this.label }));
    const c = this.idle.pop();
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(c: Client): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }
}

/** A value the role may lack the right to read (pg_control_* need pg_monitor on some installations). */
async function optional(c: Client, sql: string): Promise<string | null> {
  await c.query('SAVEPOINT reconcile_optional');
  try {
    const r = await c.query<{ v: string | null }>(sql);
    await c.query('RELEASE SAVEPOINT reconcile_optional');
    return r.rows[0]?.v ?? null;
  } catch {
    await c.query('ROLLBACK TO SAVEPOINT reconcile_optional');
    return null;
  }
}

function numberOrNull(v: string | null): number | null {
  return v === null ? null : Number(v);
}

export function sameIdentity(a: DatabaseIdentity | null, b: DatabaseIdentity): boolean {
  return a !== null && a.systemIdentifier === b.systemIdentifier && a.timeline === b.timeline && a.databaseOid === b.databaseOid;
}
