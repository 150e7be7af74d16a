import { PublicationError } from './errors';
import { checkIdentifier, quoteIdentifier } from './sqlIdentifiers';
import type { SqlRunner } from './sqlRunner';

export interface PublishedTable {
  schema: string;
  table: string;
}

export type PublishAction = 'insert' | 'update' | 'delete' | 'truncate';
const ALL_ACTIONS: readonly PublishAction[] = ['insert', 'update', 'delete', 'truncate'];

export interface PublicationResult {
  created: boolean;
  /** The table list, the publish actions, or both were changed to match. */
  altered: boolean;
  tables: PublishedTable[];
}

interface PublicationRow {
  puballtables: boolean;
  pubinsert: boolean;
  pubupdate: boolean;
  pubdelete: boolean;
  pubtruncate: boolean;
}

const key = (t: PublishedTable): string => `${t.schema}.${t.table}`;

/**
 * Makes publication `name` publish exactly `tables` (no row filters or column lists) with `actions`,
 * creating it or altering an existing one. Runs on a normal connection.
 *
 * Refuses tables that do not exist and, when updates or deletes are published, tables without a usable
 * replica identity: publishing those would make every UPDATE/DELETE on the source fail.
 * Create the publication before the slot: pgoutput reads it as of each decoded change, and a slot
 * created earlier fails on changes older than the publication.
 */
export async function ensurePublication(
  db: SqlRunner,
  name: string,
  tables: readonly PublishedTable[],
  actions: readonly PublishAction[] = ALL_ACTIONS,
): Promise<PublicationResult> {
  checkIdentifier('publication', name);
  if (tables.length === 0) throw new PublicationError(name, 'needs at least one table');
  const wanted = new Map<string, PublishedTable>();
  for (const t of tables) {
    checkIdentifier('schema', t.schema);
    checkIdentifier('table', t.table);
    wanted.set(key(t), { schema: t.schema, table: t.table });
  }
  const wantedActions = ALL_ACTIONS.filter((a) => actions.includes(a));
  const list = [...wanted.values()];
  await checkTables(db, name, list, wantedActions.includes('update') || wantedActions.includes('delete'));

  const tableSql = list.map((t) => `${quoteIdentifier('schema', t.schema)}.${quoteIdentifier('table', t.table)}`).join(', ');
  const publishSql = `publish = '${wantedActions.join(', ')}'`;
  const pubName = quoteIdentifier('publication', name);

  try {
    const existing = await db.query<PublicationRow>('SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = $1', [name]);
    if (existing.rows.length === 0) {
      await db.query(`CREATE PUBLICATION ${pubName} FOR TABLE ${tableSql} WITH (${publishSql})`);
      return { created: true, altered: false, tables: list };
    }
    const pub = existing.rows[0];
    if (pub.puballtables) throw new PublicationError(name, 'exists as FOR ALL TABLES; it cannot be narrowed to a table list');

    let altered = false;
    const current = await db.query<{ schema: string; table: string; filtered: boolean }>(
      // The row filter and column list columns exist only from PostgreSQL 15; to_jsonb reads them when present.
      `SELECT t.schemaname AS schema, t.tablename AS table,
              coalesce((SELECT (to_jsonb(pr) ->> 'prqual') IS NOT NULL OR (to_jsonb(pr) ->> 'prattrs') IS NOT NULL
                          FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                         WHERE p.pubname = t.pubname AND pr.prrelid = format('%I.%I', t.schemaname, t.tablename)::regclass), false) AS filtered
         FROM pg_publication_tables t WHERE t.pubname = $1`,
      [name],
    );
    const same = current.rows.length === wanted.size && current.rows.every((r) => !r.filtered && wanted.has(key({ schema: r.schema, table: r.table })));
    if (!same) {
      await db.query(`ALTER PUBLICATION ${pubName} SET TABLE ${tableSql}`);
      altered = true;
    }
    const has: Record<PublishAction, boolean> = { insert: pub.pubinsert, update: pub.pubupdate, delete: pub.pubdelete, truncate: pub.pubtruncate };
    if (ALL_ACTIONS.some((a) => has[a] !== wantedActions.includes(a))) {
      await db.query(`ALTER PUBLICATION ${pubName} SET (${publishSql})`);
      altered = true;
    }
    return { created: false, altered, tables: list };
  } catch (err) {
    if (err instanceof PublicationError) throw err;
    throw new PublicationError(name, err instanceof Error ? err.message : String(err), err);
  }
}

async function checkTables(db: SqlRunner, name: string, tables: readonly PublishedTable[], needIdentity: boolean): Promise<void> {
  const r = await db.query<{ schema: string; table: string; found: boolean; relreplident: string | null; has_pk: boolean; has_ident_index: boolean }>(
    `SELECT w.schema, w.table, c.oid IS NOT NULL AS found, c.relreplident::text AS relreplident,
            coalesce(bool_or(i.indisprimary), false) AS has_pk, coalesce(bool_or(i.indisreplident), false) AS has_ident_index
       FROM unnest($1::text[], $2::text[]) AS w(schema, "table")
       LEFT JOIN pg_namespace n ON n.nspname = w.schema
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.table AND c.relkind IN ('r', 'p')
       LEFT JOIN pg_index i ON i.indrelid = c.oid
      GROUP BY w.schema, w.table, c.oid, c.relreplident`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  const missing = r.rows.filter((x) => !x.found).map((x) => `${x.schema}.${x.table}`);
  if (missing.length > 0) throw new PublicationError(name, `tables not found: ${missing.join(', ')}`);
  if (!needIdentity) return;
  const noIdentity = r.rows
    .filter((x) => x.relreplident === 'n' || (x.relreplident === 'd' && !x.has_pk) || (x.relreplident === 'i' && !x.has_ident_index))
    .map((x) => `${x.schema}.${x.table}`);
  if (noIdentity.length > 0) {
    throw new PublicationError(name, `tables without a replica identity (add a primary key or REPLICA IDENTITY FULL/USING INDEX): ${noIdentity.join(', ')}`);
  }
}

/** Drops the publication if it exists. */
export async function dropPublication(db: SqlRunner, name: string): Promise<void> {
  await db.query(`DROP PUBLICATION IF EXISTS ${quoteIdentifier('publication', name)}`);
}
