import type { ClientBase } from 'pg';
import type { CompiledEntityShare } from '../../libs/agreements';

/**
 * Both sides of the comparison the apply tests make, as JSON text per row ordered by id: what the
 * provider shares (its own rows, projected and filtered by the agreement's SQL) and what the receiver's
 * partner store holds. Both connections must use the same TimeZone so timestamps print alike.
 */
export async function sharedRows(provider: ClientBase, share: CompiledEntityShare): Promise<string[]> {
  const where = share.whereSql(1);
  const cols = share.fields.map((f) => `"${f}"`).join(', ');
  const r = await provider.query<{ j: string }>(
    `SELECT row_to_json(t)::text AS j FROM (SELECT ${cols} FROM thahs."${share.entity}" WHERE ${where.sql}) t ORDER BY t.id`,
    where.params as unknown[],
  );
  return r.rows.map((x) => x.j);
}

export async function heldRows(receiver: ClientBase, schema: string, entity: string, fields: readonly string[]): Promise<string[]> {
  const exists = await receiver.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`"${schema}"."${entity}"`]);
  if (!exists.rows[0].t) return [];
  // Removals alone create the table without the agreed columns; rows only ever arrive with all of them.
  const present = await receiver.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [schema, entity]);
  const names = new Set(present.rows.map((c) => c.column_name));
  if (fields.some((f) => !names.has(f))) {
    const n = await receiver.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schema}"."${entity}"`);
    if (n.rows[0].n === '0') return [];
    throw new Error(`${schema}.${entity} holds ${n.rows[0].n} rows but lacks agreed columns ${fields.filter((f) => !names.has(f)).join(', ')}`);
  }
  const cols = fields.map((f) => `"${f}"`).join(', ');
  const r = await receiver.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM (SELECT ${cols} FROM "${schema}"."${entity}") t ORDER BY t.id`);
  return r.rows.map((x) => x.j);
}

/**
 * Keys whose update log shows a change not newer than the one logged before it: a change applied twice
 * (duplicate effect) or an older state applied after a newer one (regression). Empty when exactly once.
 * `afterId` looks only at lines after that update-log id (a rebuild re-applies what was there before it).
 */
export async function updateLogViolations(receiver: ClientBase, afterId = '0'): Promise<{ entity: string; key_id: string; source_lsn: string; source_index: number }[]> {
  const r = await receiver.query<{ entity: string; key_id: string; source_lsn: string; source_index: number }>(
    `
    SELECT entity, key_id::text, source_lsn::text, source_index FROM (
      SELECT entity, key_id, source_lsn, source_index,
             lag(source_lsn) OVER w AS prev_lsn, lag(source_index) OVER w AS prev_index
        FROM partner_state.update_log WHERE id > $1::bigint WINDOW w AS (PARTITION BY provider, entity, key_id ORDER BY id)) x
     WHERE prev_lsn IS NOT NULL AND (source_lsn, source_index) <= (prev_lsn, prev_index)`,
    [afterId],
  );
  return r.rows;
}
