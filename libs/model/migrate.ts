import type { Ministry } from '../contracts/contractTypes';
import { createDataSource } from './dataSource';
import { META_SCHEMA } from './exchangedTables';
import { ministryCode, ministryOfCode } from './ministryCode';
import { databaseLabel, MigrationError, MinistryMismatchError } from './modelErrors';
import type { MinistryCode } from './codes';

/** Arbitrary constant shared by every `migrate` caller so concurrent runs queue instead of racing. */
const MIGRATION_LOCK_KEY = 741_950_001;

export interface MigrateResult {
  /** Names of the migrations this call applied (empty when the database was already current). */
  applied: string[];
}

/**
 * Brings the ministry's own model up to date in the database at `url`. Idempotent: a second run
 * applies nothing. Refuses a database that is recorded as belonging to the other ministry.
 */
export async function migrate(url: string, ministry: Ministry): Promise<MigrateResult> {
  const db = databaseLabel(url);
  const ds = createDataSource(url, ministry);
  try {
    await ds.initialize();
  } catch (err) {
    throw new MigrationError(ministry, db, `cannot connect: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await checkOwner(runner.query.bind(runner), ministry, db);
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${META_SCHEMA}`);
      const applied = await ds.runMigrations({ transaction: 'all' });
      await recordOwner(runner.query.bind(runner), ministry, db);
      return { applied: applied.map((m) => m.name) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (err) {
    if (err instanceof MinistryMismatchError || err instanceof MigrationError) throw err;
    throw new MigrationError(ministry, db, err instanceof Error ? err.message : String(err), err);
  } finally {
    await runner.release();
    await ds.destroy();
  }
}

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

async function checkOwner(query: Query, ministry: Ministry, db: string): Promise<void> {
  const exists = (await query(`SELECT to_regclass('${META_SCHEMA}.database_ministry') IS NOT NULL AS present`)) as { present: boolean }[];
  if (!exists[0]?.present) return;
  const rows = (await query(`SELECT ministry FROM ${META_SCHEMA}.database_ministry`)) as { ministry: MinistryCode }[];
  const found = rows[0]?.ministry;
  if (found !== undefined && found !== ministryCode(ministry)) throw new MinistryMismatchError(ministry, ministryOfCode(found), db);
}

async function recordOwner(query: Query, ministry: Ministry, db: string): Promise<void> {
  await query(`INSERT INTO ${META_SCHEMA}.database_ministry (ministry) VALUES ($1) ON CONFLICT (singleton) DO NOTHING`, [ministryCode(ministry)]);
  await checkOwner(query, ministry, db);
}

/**
 * Throws unless the database at `url` is migrated and belongs to `ministry`. Writers (seed,
 * workload) call it before touching the database.
 */
export async function assertDatabaseMinistry(query: Query, ministry: Ministry, url: string): Promise<void> {
  const db = databaseLabel(url);
  const exists = (await query(`SELECT to_regclass('${META_SCHEMA}.database_ministry') IS NOT NULL AS present`)) as { present: boolean }[];
  if (!exists[0]?.present) throw new MigrationError(ministry, db, 'the model is not migrated here; run `thahs seed` (which migrates) or migrate() first');
  await checkOwner(query, ministry, db);
}
