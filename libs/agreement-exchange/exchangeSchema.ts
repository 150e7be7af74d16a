import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ExchangeMigrationError } from './exchangeErrors';
import { CreateAgreementExchange1795824000000 } from './migrations/1795824000000-CreateAgreementExchange';
import { databaseLabel } from '../model/modelErrors';

export const EXCHANGE_SCHEMA = 'agreement';

/** NOTIFY channels the sync service signals on, in the transaction that stores an event (payload: the id). */
export const AGREEMENT_CHANGED_CHANNEL = 'thahs_agreement_changed';
export const REQUEST_CHANGED_CHANNEL = 'thahs_request_changed';

/** Shared by every caller so concurrent runs (two services starting together) queue instead of racing. */
const EXCHANGE_MIGRATION_LOCK_KEY = 741_950_101;

export const EXCHANGE_MIGRATIONS = [CreateAgreementExchange1795824000000];

// One way to name a database in messages without its credentials, shared with the model's migrations.
export { databaseLabel };

/**
 * Creates or updates schema `agreement` (TypeORM migrations, table `agreement.schema_migrations`).
 * Idempotent; returns the migrations it applied.
 */
export async function migrateExchangeSchema(url: string): Promise<string[]> {
  const ds = new DataSource({
    type: 'postgres',
    url,
    applicationName: 'thahs-agreement-exchange-migrate',
    migrations: EXCHANGE_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // Two: one holds the advisory lock, the other runs the migrations.
    extra: { max: 2 },
    schema: EXCHANGE_SCHEMA,
  });
  try {
    await ds.initialize();
  } catch (err) {
    throw new ExchangeMigrationError(databaseLabel(url), `cannot connect: ${(err as Error).message}`, err);
  }
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [EXCHANGE_MIGRATION_LOCK_KEY]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${EXCHANGE_SCHEMA}`);
      const applied = await ds.runMigrations({ transaction: 'all' });
      return applied.map((m) => m.name);
    } catch (err) {
      throw new ExchangeMigrationError(databaseLabel(url), (err as Error).message, err);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [EXCHANGE_MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}
