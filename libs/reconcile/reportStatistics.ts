import type { Queryable } from '../partner-store';
import { RECONCILE_SCHEMA } from './reconcileSchema';

/**
 * The operation figures of one agreement over a period, from the receiver's own logs (Art. 5.4 and
 * 16–18): replication lag and throughput per day from the update log (source commit time against the
 * moment the row was applied), the update log and the dead letters summarised, the access log summarised
 * by reader, table and purpose (declared reads of the project's tools against undeclared direct reads),
 * and differences per reporting unit. Counts and timings only: no row value, no key.
 */
export interface Period {
  from: string;
  to: string;
}

export interface LagDay {
  /** Calendar day in Vietnam (UTC+7). */
  day: string;
  applied: number;
  p50Seconds: number;
  p95Seconds: number;
  maxSeconds: number;
}

export interface UpdateLogSummary {
  available: boolean;
  days: LagDay[];
  /** Over the whole period (snapshot rows excluded from the lag: their commit time is the snapshot's). */
  applied: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  maxSeconds: number | null;
  byEntity: { entity: string; op: string; action: string; count: number }[];
}

export interface DeadLetterSummary {
  available: boolean;
  total: number;
  byReason: { reason: string; count: number }[];
  days: { day: string; count: number }[];
}

export interface AccessSummary {
  available: boolean;
  total: number;
  declared: number;
  undeclared: number;
  byReader: { who: string; table: string; purpose: string; source: string; count: number; first: string; last: string }[];
  days: { day: string; declared: number; undeclared: number }[];
}

export interface UnitDifferences {
  entity: string;
  unit: string | null;
  missing: number;
  extra: number;
  different: number;
}

export interface OperationStatistics {
  period: Period;
  updates: UpdateLogSummary;
  deadLetters: DeadLetterSummary;
  access: AccessSummary;
  unitDifferences: UnitDifferences[];
}

const DAY = `to_char(%s AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')`;
const day = (column: string): string => DAY.replace('%s', column);
const UNDECLARED = 'UNDECLARED_DIRECT_READ';

async function present(db: Queryable, table: string): Promise<boolean> {
  const r = (await db.query('SELECT to_regclass($1)::text AS t', [table])).rows as { t: string | null }[];
  return r[0]?.t !== null && r[0]?.t !== undefined;
}

async function rows<T>(db: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

async function updateLog(db: Queryable, agreementId: string, p: Period): Promise<UpdateLogSummary> {
  const empty: UpdateLogSummary = { available: false, days: [], applied: 0, p50Seconds: null, p95Seconds: null, maxSeconds: null, byEntity: [] };
  if (!(await present(db, 'partner_state.update_log'))) return empty;
  const where = `agreement_id = $1 AND applied_at >= $2::timestamptz AND applied_at < $3::timestamptz`;
  const lag = `extract(epoch FROM applied_at - commit_ts)::float8`;
  const params = [agreementId, p.from, p.to];
  const days = await rows<{ day: string; n: string; p50: number | null; p95: number | null; max: number | null }>(
    db,
    `SELECT ${day('applied_at')} AS day, count(*)::text AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ${lag}) FILTER (WHERE op <> 'r') AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ${lag}) FILTER (WHERE op <> 'r') AS p95,
            max(${lag}) FILTER (WHERE op <> 'r') AS max
       FROM partner_state.update_log WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params,
  );
  const all = await rows<{ n: string; p50: number | null; p95: number | null; max: number | null }>(
    db,
    `SELECT count(*)::text AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ${lag}) FILTER (WHERE op <> 'r') AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ${lag}) FILTER (WHERE op <> 'r') AS p95, max(${lag}) FILTER (WHERE op <> 'r') AS max
       FROM partner_state.update_log WHERE ${where}`,
    params,
  );
  const byEntity = await rows<{ entity: string; op: string; action: string; n: string }>(
    db,
    `SELECT entity, op, action, count(*)::text AS n FROM partner_state.update_log WHERE ${where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    params,
  );
  return {
    available: true,
    days: days.map((d) => ({ day: d.day, applied: Number(d.n), p50Seconds: d.p50 ?? NaN, p95Seconds: d.p95 ?? NaN, maxSeconds: d.max ?? NaN })),
    applied: Number(all[0]?.n ?? 0),
    p50Seconds: num(all[0]?.p50 ?? null),
    p95Seconds: num(all[0]?.p95 ?? null),
    maxSeconds: num(all[0]?.max ?? null),
    byEntity: byEntity.map((r) => ({ entity: r.entity, op: r.op, action: r.action, count: Number(r.n) })),
  };
}

async function deadLetters(db: Queryable, agreementId: string, p: Period): Promise<DeadLetterSummary> {
  if (!(await present(db, 'partner_state.dead_letter'))) return { available: false, total: 0, byReason: [], days: [] };
  const where = `agreement_id = $1 AND at >= $2::timestamptz AND at < $3::timestamptz`;
  const params = [agreementId, p.from, p.to];
  const byReason = await rows<{ reason: string; n: string }>(
    db,
    `SELECT reason, count(*)::text AS n FROM partner_state.dead_letter WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, 1`,
    params,
  );
  const days = await rows<{ day: string; n: string }>(
    db,
    `SELECT ${day('at')} AS day, count(*)::text AS n FROM partner_state.dead_letter WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params,
  );
  const reasons = byReason.map((r) => ({ reason: r.reason, count: Number(r.n) }));
  return { available: true, total: reasons.reduce((n, r) => n + r.count, 0), byReason: reasons, days: days.map((d) => ({ day: d.day, count: Number(d.n) })) };
}

async function accessLog(db: Queryable, partnerSchema: string, p: Period): Promise<AccessSummary> {
  const empty: AccessSummary = { available: false, total: 0, declared: 0, undeclared: 0, byReader: [], days: [] };
  if (!(await present(db, 'partner_state.access_log'))) return empty;
  // `what` is `<schema>.<table>` (tools) or `<schema>.<table> <command>` (pgaudit): the table is its first word.
  const where = `split_part(what, '.', 1) = $1 AND at >= $2::timestamptz AND at < $3::timestamptz`;
  const params = [partnerSchema, p.from, p.to];
  const readers = await rows<{ who: string; tbl: string; purpose: string; source: string; n: string; first: Date; last: Date }>(
    db,
    `SELECT who, split_part(what, ' ', 1) AS tbl, purpose, source, count(*)::text AS n, min(at) AS first, max(at) AS last
       FROM partner_state.access_log WHERE ${where} GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1, 2, 3`,
    params,
  );
  const days = await rows<{ day: string; declared: string; undeclared: string }>(
    db,
    `SELECT ${day('at')} AS day, count(*) FILTER (WHERE purpose <> '${UNDECLARED}')::text AS declared, count(*) FILTER (WHERE purpose = '${UNDECLARED}')::text AS undeclared
       FROM partner_state.access_log WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params,
  );
  const byReader = readers.map((r) => ({
    who: r.who,
    table: r.tbl,
    purpose: r.purpose,
    source: r.source,
    count: Number(r.n),
    first: r.first.toISOString(),
    last: r.last.toISOString(),
  }));
  const undeclared = byReader.filter((r) => r.purpose === UNDECLARED).reduce((n, r) => n + r.count, 0);
  const total = byReader.reduce((n, r) => n + r.count, 0);
  return {
    available: true,
    total,
    declared: total - undeclared,
    undeclared,
    byReader,
    days: days.map((d) => ({ day: d.day, declared: Number(d.declared), undeclared: Number(d.undeclared) })),
  };
}

async function unitDifferences(db: Queryable, runId: string): Promise<UnitDifferences[]> {
  const r = await rows<{ entity: string; unit: string | null; missing: string; extra: string; different: string }>(
    db,
    `SELECT entity, reporting_unit_id::text AS unit, count(*) FILTER (WHERE class = 'missing')::text AS missing,
            count(*) FILTER (WHERE class = 'extra')::text AS extra, count(*) FILTER (WHERE class = 'different')::text AS different
       FROM ${RECONCILE_SCHEMA}.difference WHERE run_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [runId],
  );
  return r.map((x) => ({ entity: x.entity, unit: x.unit, missing: Number(x.missing), extra: Number(x.extra), different: Number(x.different) }));
}

/** Everything the evaluation report shows besides the run itself, from the receiver's database. */
export async function operationStatistics(db: Queryable, o: { agreementId: string; partnerSchema: string; runId: string; period: Period }): Promise<OperationStatistics> {
  return {
    period: o.period,
    updates: await updateLog(db, o.agreementId, o.period),
    deadLetters: await deadLetters(db, o.agreementId, o.period),
    access: await accessLog(db, o.partnerSchema, o.period),
    unitDifferences: await unitDifferences(db, o.runId),
  };
}
