import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { Ministry } from '../contracts/contractTypes';
import { ALL_ENTITIES } from './entities';
import { META_SCHEMA } from './exchangedTables';
import { CreateOwnModel1795737600000 } from './migrations/1795737600000-CreateOwnModel';
import { CreateModelMeta1795737600001 } from './migrations/1795737600001-CreateModelMeta';

/** Every migration of the own model, oldest first. */
export const MODEL_MIGRATIONS = [CreateOwnModel1795737600000, CreateModelMeta1795737600001];

export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * A TypeORM data source over one ministry's database (not yet initialised). Entities map to schema
 * `thahs`; the migrations table lives in `thahs_meta` so that `thahs` holds only exchanged tables.
 * Never synchronises: the schema changes only through migrations.
 */
export function createDataSource(url: string, ministry: Ministry): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    applicationName: `thahs-model-${ministry}`,
    entities: [...ALL_ENTITIES],
    migrations: MODEL_MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'all',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: 2 },
    // Entities name schema `thahs` themselves; the data source schema only places the migrations table.
    schema: META_SCHEMA,
  });
}
