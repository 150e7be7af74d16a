import type { Pool } from 'pg';
import type { ReconcileView } from './statusModel';

/** Errors that mean "no such schema, table or column": the reconciler's store is absent or older. */
const ABSENT = new Set(['3F000', '42P01', '42703']);

/**
 * The last reconciliation run of an agreement, from `thahs_reconcile` in the receiver's database
 * (libs/reconcile owns that schema). Read defensively: an absent schema means no run yet, and a
 * schema of another shape is reported as unreadable rather than breaking the status screen.
 */
export async function readReconciliation(pool: Pool, agreementId: string): Promise<ReconcileView> {
  const present = await pool.query<{ ok: boolean }>(`SELECT to_regclass('thahs_reconcile.run') IS NOT NULL AS ok`);
  if (!present.rows[0]?.ok) return { present: false, note: 'no reconciliation run yet (no thahs_reconcile schema)' };
  try {
    const run = await pool.query<{ id: string; status: string; mode: string; started_at: Date; finished_at: Date | null }>(
      `SELECT id::text AS id, status, mode, started_at, finished_at FROM thahs_reconcile.run WHERE agreement_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1`,
      [agreementId],
    );
    const r = run.rows[0];
    if (!r) return { present: false, note: 'no reconciliation run of this agreement yet' };
    const totals = await pool.query<{ checked: string | null; matched: string | null; missing: string | null; extra: string | null; different: string | null }>(
      `SELECT sum(checked)::text AS checked, sum(matched)::text AS matched, sum(missing)::text AS missing, sum(extra)::text AS extra, sum(different)::text AS different
         FROM thahs_reconcile.entity_result WHERE run_id = $1`,
      [r.id],
    );
    const t = totals.rows[0];
    const n = (v: string | null | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));
    return {
      present: true,
      runId: r.id,
      status: r.status,
      mode: r.mode,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
      checked: n(t?.checked),
      matched: n(t?.matched),
      missing: n(t?.missing),
      extra: n(t?.extra),
      different: n(t?.different),
    };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code && ABSENT.has(code)) return { present: false, note: `the reconciliation store has another shape than expected: ${(err as Error).message}` };
    throw err;
  }
}
