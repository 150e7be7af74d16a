import { Client } from 'pg';
import type { Ministry } from '../contracts/contractTypes';
import { EXCHANGED_TABLES, type ExchangedTable } from '../model/exchangedTables';
import { assertDatabaseMinistry, migrate } from '../model/migrate';
import { ministryCode } from '../model/ministryCode';
import { databaseLabel } from '../model/modelErrors';
import { parseDay } from './calendar';
import { CopyBatch, writeCopyPayload, type CopyPayload } from './copyBatch';
import { GeneratorPool } from './generatorPool';
import { liftConstraints, restoreConstraints, type LiftedDefinition } from './deferredConstraints';
import { DEFAULT_AS_OF } from './generationContext';
import { claimGeneratorSlot, GENERATOR_SLOTS } from './generatorSlot';
import { KeySpace } from './keySpace';
import { buildReferenceData } from './referenceData';
import { hashInts } from './prng';

/**
 * `thahs seed`: fills a ministry's database with generated data, fast, by COPY.
 *
 * Append model: each seed owns an ordinal space; person n of seed S is drawn from stream (S, n).
 * `thahs_meta.datagen_run` records how many ordinals of a seed are already in the database (in the
 * same transaction as the rows), so a second run with the same seed continues after the first
 * (new persons, not repeats), a different seed adds different persons, and a batches-mode run that
 * died half-way resumes after its last committed batch. Natural keys (ID numbers, judgment,
 * decision and case numbers) are checked against what the database holds when the run starts, so
 * appends never collide. Output is deterministic for a seed and a starting state: the same seed on
 * a fresh database gives identical rows. (Seed S × 400 then S × 100 is not byte-identical to S × 500:
 * the judgment group cut at the boundary and the running numbers differ.) Reference data (units,
 * courts) is fixed and inserted once.
 *
 * Speed: persons are generated in chunks on worker threads (each owning a lane of the key space),
 * several chunks ahead of the COPY that loads them in order on one connection, so generation and
 * loading overlap and the main event loop stays free for the COPY traffic. Rows come in id order
 * (OrderedIds). Into an empty database the whole load is one transaction with foreign keys, unique
 * constraints and secondary indexes lifted and rebuilt at the end (see deferredConstraints).
 */
export interface SeedOptions {
  url: string;
  ministry: Ministry;
  persons: number;
  seed: number;
  /** Simulated "today" (YYYY-MM-DD); default 2026-11-01, fixed so output does not depend on the clock. */
  asOf?: string;
  /** Persons per COPY batch. */
  batchPersons?: number;
  /**
   * 'bulk': one transaction, constraints lifted during the load and rebuilt at the end (fastest;
   * all or nothing; locks the tables). 'batches': a commit per batch with constraints live (slower;
   * safe beside other writers; resumable). 'auto' (default): bulk into a database without persons,
   * batches otherwise.
   */
  mode?: 'auto' | 'bulk' | 'batches';
  /** Run migrations first (default true). */
  migrate?: boolean;
  /**
   * Generator threads (default 2, not the CPU count, so that the data of a seed is the same on every
   * machine: it depends on the seed, this number, `batchPersons` and the database's starting state).
   */
  workers?: number;
}

export interface SeedProgress {
  phase: 'loading' | 'constraints';
  personsDone: number;
  personsTotal: number;
  rowsWritten: number;
  elapsedMs: number;
}

export interface SeedResult {
  ministry: Ministry;
  seed: number;
  firstOrdinal: number;
  persons: number;
  referenceRows: number;
  rows: number;
  rowsByTable: Record<ExchangedTable, number>;
  mode: 'bulk' | 'batches';
  seconds: number;
  /** Of `seconds`: time the loader waited for generated batches (generation is the bottleneck when high). */
  waitSeconds: number;
  /** Of `seconds`: rebuilding constraints and indexes (bulk mode) and refreshing statistics. */
  finishSeconds: number;
  rowsPerSecond: number;
}

export class SeedError extends Error {
  constructor(
    readonly ministry: Ministry,
    readonly database: string,
    readonly seed: number,
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(`seeding ${ministry} (${database}, seed ${seed}) failed: ${reason}`);
    this.name = 'SeedError';
  }
}

export async function seedDatabase(opts: SeedOptions, onProgress?: (p: SeedProgress) => void): Promise<SeedResult> {
  if (!Number.isSafeInteger(opts.persons) || opts.persons < 0) throw new RangeError(`persons must be a non-negative integer, got ${opts.persons}`);
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${opts.seed}`);
  const db = databaseLabel(opts.url);
  if (opts.migrate !== false) await migrate(opts.url, opts.ministry);
  const code = ministryCode(opts.ministry);
  const client = new Client({ connectionString: opts.url, application_name: `thahs-seed-${opts.ministry}` });
  await client.connect();
  const started = Date.now();
  const rowsByTable = Object.fromEntries(EXCHANGED_TABLES.map((t) => [t, 0])) as Record<ExchangedTable, number>;
  let runId: string | null = null;
  let pool: GeneratorPool | null = null;
  try {
    await assertDatabaseMinistry((sql, params) => client.query(sql, params).then((r) => r.rows), opts.ministry, opts.url);
    // Batches are made durable by their own commits; waiting for each WAL flush only slows the load.
    await client.query('SET synchronous_commit = off');
    await client.query('SELECT pg_advisory_lock($1)', [hashInts(0x5eed, opts.seed) | 0]);

    const units = await client.query<{ unit_code: string; id: string }>('SELECT unit_code, id FROM thahs.org_unit');
    const courts = await client.query<{ court_code: string; id: string }>('SELECT court_code, id FROM thahs.court');
    const unitIds = new Map(units.rows.map((r) => [r.unit_code, r.id]));
    const courtIds = new Map(courts.rows.map((r) => [r.court_code, r.id]));
    const ref = buildReferenceData(code, unitIds, courtIds);

    const empty = await client.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM thahs.person) AND NOT EXISTS (SELECT 1 FROM thahs.legal_person) AS empty');
    const mode = opts.mode === 'bulk' || opts.mode === 'batches' ? opts.mode : empty.rows[0]?.empty ? 'bulk' : 'batches';
    // Batches commit beside other writers (a workload, another seed): hold a generator slot so the keys
    // handed out here are not theirs. A bulk load locks the tables and keeps the keys it always had.
    const keys = mode === 'batches' ? await KeySpace.load(client, await claimGeneratorSlot(client, db), GENERATOR_SLOTS) : await KeySpace.load(client);

    // Validate the date here, before threads start that would each fail on it.
    parseDay(opts.asOf ?? DEFAULT_AS_OF);

    const prior = await client.query<{ next: string }>('SELECT coalesce(max(first_ordinal + persons_done), 0)::text AS next FROM thahs_meta.datagen_run WHERE seed = $1', [
      opts.seed,
    ]);
    const firstOrdinal = Number(prior.rows[0]?.next ?? 0);
    const run = await client.query<{ run_id: string }>('INSERT INTO thahs_meta.datagen_run (seed, first_ordinal, persons_requested) VALUES ($1, $2, $3) RETURNING run_id::text', [
      opts.seed,
      firstOrdinal,
      opts.persons,
    ]);
    runId = run.rows[0]?.run_id ?? null;

    let lifted: LiftedDefinition[] = [];
    if (mode === 'bulk') {
      await client.query('BEGIN');
      await client.query(`LOCK TABLE ${EXCHANGED_TABLES.map((t) => `thahs.${t}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
      // Index builds sort and foreign-key checks hash-join whole tables at the end: give them memory.
      await client.query("SET LOCAL maintenance_work_mem = '256MB'");
      await client.query("SET LOCAL work_mem = '128MB'");
      lifted = await liftConstraints(client);
    }

    const reference = new CopyBatch();
    for (const u of ref.orgUnits) if (!unitIds.has(u.unit_code)) reference.add('org_unit', u);
    for (const c of ref.courts) if (!courtIds.has(c.court_code)) reference.add('court', c);
    const referenceRows = reference.rowCount;

    let rows = 0;
    let waitMs = 0;
    const flush = async (payload: CopyPayload, personsAfter: number): Promise<void> => {
      if (mode === 'batches') await client.query('BEGIN');
      try {
        await writeCopyPayload(client, payload);
        await client.query('UPDATE thahs_meta.datagen_run SET persons_done = $2, rows_written = rows_written + $3 WHERE run_id = $1', [runId, personsAfter, payload.rows]);
        if (mode === 'batches') await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      rows += payload.rows;
      for (const part of payload.parts) rowsByTable[part.table] += part.rows;
      onProgress?.({ phase: 'loading', personsDone: personsAfter, personsTotal: opts.persons, rowsWritten: rows, elapsedMs: Date.now() - started });
    };
    if (referenceRows > 0) await flush(reference.toPayload(), 0);

    // Chunks of persons are generated on worker threads, several ahead, and loaded in order here.
    const chunkSize = Math.max(1, opts.batchPersons ?? 2000);
    const chunks = Math.ceil(opts.persons / chunkSize);
    const chunkAt = (c: number) => ({ chunk: c, ordinal: firstOrdinal + c * chunkSize, persons: Math.min(chunkSize, opts.persons - c * chunkSize) });
    if (chunks > 0) {
      const workerData = { ministry: code, seed: opts.seed, asOf: opts.asOf ?? DEFAULT_AS_OF, unitIds: [...unitIds], courtIds: [...courtIds], keys: keys.snapshot() };
      pool = GeneratorPool.start(workerData, Math.max(1, Math.min(opts.workers ?? 2, chunks)));
      const ahead = 2 * pool.lanes;
      for (let c = 0; c < Math.min(ahead, chunks); c++) pool.request(chunkAt(c));
      for (let c = 0; c < chunks; c++) {
        const waitFrom = performance.now();
        const payload = await pool.result(c);
        waitMs += performance.now() - waitFrom;
        if (c + ahead < chunks) pool.request(chunkAt(c + ahead));
        const chunk = chunkAt(c);
        await flush(payload, c * chunkSize + chunk.persons);
      }
    }
    const finishFrom = Date.now();
    if (mode === 'bulk') {
      try {
        await restoreConstraints(client, lifted, () =>
          onProgress?.({ phase: 'constraints', personsDone: opts.persons, personsTotal: opts.persons, rowsWritten: rows, elapsedMs: Date.now() - started }),
        );
        await client.query('UPDATE thahs_meta.datagen_run SET finished_at = now() WHERE run_id = $1', [runId]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } else {
      await client.query('UPDATE thahs_meta.datagen_run SET finished_at = now() WHERE run_id = $1', [runId]);
    }
    // Fresh statistics so the planner sees the new volume (workload and reconciliation queries).
    for (const t of EXCHANGED_TABLES) await client.query(`ANALYZE thahs.${t}`);
    const seconds = (Date.now() - started) / 1000;
    const finishSeconds = (Date.now() - finishFrom) / 1000;
    return {
      ministry: opts.ministry,
      seed: opts.seed,
      firstOrdinal,
      persons: opts.persons,
      referenceRows,
      rows,
      rowsByTable,
      mode,
      seconds,
      waitSeconds: waitMs / 1000,
      finishSeconds,
      rowsPerSecond: seconds > 0 ? rows / seconds : rows,
    };
  } catch (err) {
    if (err instanceof SeedError) throw err;
    throw new SeedError(opts.ministry, db, opts.seed, err instanceof Error ? err.message : String(err), err);
  } finally {
    await pool?.close();
    await client.end().catch(() => undefined);
  }
}
