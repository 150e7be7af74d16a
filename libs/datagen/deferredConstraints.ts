import type { ClientBase } from 'pg';
import { OWN_SCHEMA } from '../model/exchangedTables';

/**
 * Bulk-load support: lift the foreign keys, unique constraints and secondary indexes of schema
 * `thahs` for the duration of one transaction and put them back, exactly as the migrations defined
 * them (definitions are read back from the catalog), before it commits. PostgreSQL then checks each
 * foreign key with one join and builds each index with one sort, instead of per row: the way
 * pg_restore loads data. The caller holds the whole load in the same transaction, so a failure
 * (including a constraint the loaded data breaks) rolls everything back and the schema is never
 * left without its constraints.
 */
export interface LiftedDefinition {
  table: string;
  name: string;
  kind: 'foreign key' | 'unique' | 'index';
  definition: string;
}

const KINDS = { f: 'foreign key', u: 'unique' } as const;

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export async function liftConstraints(client: ClientBase): Promise<LiftedDefinition[]> {
  // Primary keys stay: rows arrive in key order (OrderedIds), so keeping them costs little.
  const constraints = await client.query<{ tbl: string; name: string; contype: 'f' | 'u'; def: string }>(
    `SELECT cl.relname AS tbl, c.conname AS name, c.contype, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c
       JOIN pg_class cl ON cl.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
      WHERE n.nspname = $1 AND c.contype IN ('f', 'u')
      ORDER BY c.contype, cl.relname, c.conname`,
    [OWN_SCHEMA],
  );
  const indexes = await client.query<{ tbl: string; name: string; def: string }>(
    `SELECT t.relname AS tbl, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY t.relname, ic.relname`,
    [OWN_SCHEMA],
  );
  const lifted: LiftedDefinition[] = [
    ...constraints.rows.map((r) => ({ table: r.tbl, name: r.name, kind: KINDS[r.contype], definition: r.def })),
    ...indexes.rows.map((r) => ({ table: r.tbl, name: r.name, kind: 'index' as const, definition: r.def })),
  ];
  // Foreign keys first: a unique constraint or index can be dropped only once nothing depends on it.
  for (const l of lifted.filter((x) => x.kind === 'foreign key')) {
    await client.query(`ALTER TABLE ${OWN_SCHEMA}.${quoteIdent(l.table)} DROP CONSTRAINT ${quoteIdent(l.name)}`);
  }
  for (const l of lifted.filter((x) => x.kind === 'unique')) {
    await client.query(`ALTER TABLE ${OWN_SCHEMA}.${quoteIdent(l.table)} DROP CONSTRAINT ${quoteIdent(l.name)}`);
  }
  for (const l of lifted.filter((x) => x.kind === 'index')) {
    await client.query(`DROP INDEX ${OWN_SCHEMA}.${quoteIdent(l.name)}`);
  }
  return lifted;
}

/** Recreates what `liftConstraints` removed; keys and indexes before the foreign keys that need them. */
export async function restoreConstraints(client: ClientBase, lifted: readonly LiftedDefinition[], onStep?: (l: LiftedDefinition) => void): Promise<void> {
  for (const kind of ['unique', 'index', 'foreign key'] as const) {
    for (const l of lifted.filter((x) => x.kind === kind)) {
      onStep?.(l);
      if (l.kind === 'index') await client.query(l.definition);
      else await client.query(`ALTER TABLE ${OWN_SCHEMA}.${quoteIdent(l.table)} ADD CONSTRAINT ${quoteIdent(l.name)} ${l.definition}`);
    }
  }
}
