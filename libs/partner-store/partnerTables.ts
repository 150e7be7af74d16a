import type { ContractField, EntityContract } from '../contracts/contractTypes';
import { auditorGrantDdl } from './auditorGrant';
import { columnType } from './columnKinds';
import { PartnerStoreError } from './partnerStoreError';
import { quoteIdent, TOMBSTONE_TABLE } from './sqlNames';
import type { Queryable } from './stateSchema';

/** Columns every partner table carries besides the agreed fields: where each row came from and under what. */
export const METADATA_COLUMNS = ['_source_lsn', '_source_index', '_commit_ts', '_agreement_id', '_agreement_version', '_applied_at'] as const;

/**
 * DDL of a partner schema and its tombstone table. Every table of the schema is (again) granted to the
 * audit role, which also covers tables made before reads were audited.
 */
export function partnerSchemaDdl(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.${quoteIdent(TOMBSTONE_TABLE)} (
      entity text NOT NULL,
      id uuid NOT NULL,
      lsn pg_lsn NOT NULL,
      idx integer NOT NULL,
      commit_ts timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      PRIMARY KEY (entity, id)
    )`,
    auditorGrantDdl(`ALL TABLES IN SCHEMA ${s}`),
  ];
}

/** The contract fields a table for `fields` holds, in contract order, the key id first. */
export function tableFields(contract: EntityContract, fields: Iterable<string>): ContractField[] {
  if (contract.keyFields.length !== 1 || contract.keyFields[0] !== 'id') {
    throw new PartnerStoreError(`the key must be the single field id, not ${contract.keyFields.join(', ')}`, undefined, contract.entity);
  }
  const wanted = new Set(fields);
  wanted.add('id');
  const byName = new Map(contract.fields.map((f) => [f.name, f]));
  for (const f of wanted) if (!byName.has(f)) throw new PartnerStoreError(`field ${f} is not in the contract`, undefined, contract.entity);
  if (byName.get('id')!.kind !== 'uuid') throw new PartnerStoreError('the key field id must be a uuid', undefined, contract.entity);
  return contract.fields.filter((f) => wanted.has(f.name));
}

/**
 * DDL creating the table of an entity with only the agreed fields (plus the metadata columns), or
 * adding the fields an amendment newly shares. Every agreed column but id is nullable: a later
 * version may stop sharing a field, and rows it governs then carry null there.
 */
export function entityTableDdl(schema: string, contract: EntityContract, fields: readonly ContractField[]): string[] {
  const table = `${quoteIdent(schema)}.${quoteIdent(contract.entity)}`;
  const out = [
    `CREATE TABLE IF NOT EXISTS ${table} (
      "id" uuid PRIMARY KEY,
      _source_lsn pg_lsn NOT NULL,
      _source_index integer NOT NULL,
      _commit_ts timestamptz NOT NULL,
      _agreement_id text NOT NULL,
      _agreement_version integer NOT NULL,
      _applied_at timestamptz NOT NULL
    )`,
  ];
  for (const f of fields) if (f.name !== 'id') out.push(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${quoteIdent(f.name)} ${columnType(f)}`);
  // From its creation on, every read of the table is audited (see auditorGrant.ts).
  out.push(auditorGrantDdl(`TABLE ${table}`));
  return out;
}

/** Names of the columns a partner table has now (empty when it does not exist). */
export async function existingColumns(db: Queryable, schema: string, entity: string): Promise<Set<string>> {
  const r = await db.query('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [schema, entity]);
  return new Set((r.rows as { column_name: string }[]).map((x) => x.column_name));
}
