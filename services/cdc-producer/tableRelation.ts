import { Relation, ReplicaIdentity, type SqlRunner } from '../../libs/pgoutput';

const IDENTITY: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

/**
 * The table as the catalogue describes it, in the shape of a pgoutput Relation message, so the start-up
 * drift check and the snapshot use the same contract binding as the stream.
 */
export async function readRelation(db: SqlRunner, schema: string, table: string): Promise<Relation | undefined> {
  const rel = await db.query<{ oid: number; relreplident: string }>(
    `SELECT c.oid, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    [schema, table],
  );
  if (rel.rowCount === 0) return undefined;
  const cols = await db.query<{ attname: string; atttypid: number; atttypmod: number; is_key: boolean }>(
    `SELECT a.attname, a.atttypid::int AS atttypid, a.atttypmod,
            coalesce(a.attnum = ANY (i.indkey::int2[]), false) AS is_key
       FROM pg_attribute a
       LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [rel.rows[0].oid],
  );
  return {
    oid: rel.rows[0].oid,
    namespace: schema,
    name: table,
    replicaIdentity: IDENTITY[rel.rows[0].relreplident] ?? 'default',
    columns: cols.rows.map((c) => ({ name: c.attname, isKey: c.is_key, flags: c.is_key ? 1 : 0, typeOid: c.atttypid, typeMod: c.atttypmod })),
  };
}
