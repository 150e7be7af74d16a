import { quoteIdent, TOMBSTONE_TABLE } from '../partner-store';
import { cutFractions, normaliseBoundaries, type KeyRange } from './keyRanges';
import { addTotals, emptyTotals, type RangeTotals, type TotalsRow } from './rangeTotals';
import type { KeyHash } from './rowComparison';
import type { SideSession } from './sideSession';
import { ALIAS, chunkCondition, Params, type PageChunk, type SideTable } from './sideTable';

/**
 * The queries one side answers, each over one table of one snapshot. Every hash stays in PostgreSQL
 * except as a 64-bit number; no row value ever reaches the reconciler.
 */
const ID = `${ALIAS}."id"`;
const UNIT = `${ALIAS}."reporting_unit_id"`;

/** Rows per reporting unit (Art. 18), keyed by the unit's id ('' for rows without one). */
export type UnitCounts = Map<string, number>;

export interface ChunkTotals {
  totals: RangeTotals[];
  units: UnitCounts;
}

function addUnits(into: UnitCounts, rows: readonly { u: string | null; n: string | number }[]): void {
  for (const r of rows) into.set(r.u ?? '', (into.get(r.u ?? '') ?? 0) + Number(r.n));
}

/**
 * Totals of every range cut by `bounds`, for one chunk of pages (a TID range scan: the heap is read in
 * order, whatever order the keys have), and the rows per reporting unit when the side shares that
 * field. Both come from one pass: GROUPING SETS aggregates the ranges and the units together.
 */
export async function chunkTotals(s: SideSession, t: SideTable, bounds: readonly string[], chunk: PageChunk): Promise<ChunkTotals> {
  const p = new Params();
  const b = p.add(bounds, 'uuid[]');
  const where = `${chunkCondition(p, chunk)} AND ${t.where(p)}`;
  const totals = emptyTotals(bounds.length + 1);
  const units: UnitCounts = new Map();
  if (!t.hasReportingUnit) {
    addTotals(
      totals,
      await s.query<TotalsRow>(`SELECT width_bucket(${ID}, ${b}) AS b, count(*) AS n, sum(${t.rowHash})::text AS s FROM ${t.table} WHERE ${where} GROUP BY 1`, p.values),
    );
    return { totals, units };
  }
  const rows = await s.query<TotalsRow & { g: number; u: string | null }>(
    `SELECT GROUPING(${UNIT}) AS g, width_bucket(${ID}, ${b}) AS b, ${UNIT}::text AS u, count(*) AS n, sum(${t.rowHash})::text AS s
       FROM ${t.table} WHERE ${where} GROUP BY GROUPING SETS ((width_bucket(${ID}, ${b})), (${UNIT}))`,
    p.values,
  );
  addTotals(
    totals,
    rows.filter((r) => r.g === 1),
  );
  addUnits(
    units,
    rows.filter((r) => r.g === 0),
  );
  return { totals, units };
}

/** A row of a bisection pass: its bucket among the pass's boundaries, key and row hash. */
export interface BucketRow {
  b: number;
  id: string;
  hash: string;
}

/**
 * One chunk of a bisection pass that fetches rows: key and row hash of the rows in the wanted buckets
 * of `bounds` only (the others are read but not hashed). The heap is read in page order, so a pass
 * costs a sequential read of the table whatever the keys' order, where fetching ranges by key would
 * read a random heap page per row.
 */
export async function chunkBucketRows(s: SideSession, t: SideTable, bounds: readonly string[], wanted: readonly number[], chunk: PageChunk): Promise<BucketRow[]> {
  const p = new Params();
  const b = p.add(bounds, 'uuid[]');
  const w = p.add(wanted, 'int4[]');
  return s.query<BucketRow>(
    `SELECT width_bucket(${ID}, ${b}) AS b, ${ID}::text AS id, (${t.rowHash})::text AS hash
       FROM ${t.table} WHERE ${chunkCondition(p, chunk)} AND width_bucket(${ID}, ${b}) = ANY(${w}) AND ${t.where(p)}`,
    p.values,
  );
}

/** One chunk of a bisection pass that cuts further: totals of the buckets of `split`, over the rows in the wanted buckets of `bounds`. */
export async function chunkSplitTotals(
  s: SideSession,
  t: SideTable,
  bounds: readonly string[],
  wanted: readonly number[],
  split: readonly string[],
  chunk: PageChunk,
): Promise<TotalsRow[]> {
  const p = new Params();
  const b = p.add(bounds, 'uuid[]');
  const w = p.add(wanted, 'int4[]');
  const sp = p.add(split, 'uuid[]');
  return s.query<TotalsRow>(
    `SELECT width_bucket(${ID}, ${sp}) AS b, count(*) AS n, sum(${t.rowHash})::text AS s
       FROM ${t.table} WHERE ${chunkCondition(p, chunk)} AND width_bucket(${ID}, ${b}) = ANY(${w}) AND ${t.where(p)} GROUP BY 1`,
    p.values,
  );
}

/** Keys and row hashes of a range, ascending by key (an index range scan: one heap page per row). */
export async function rangeKeyHashes(s: SideSession, t: SideTable, range: KeyRange): Promise<KeyHash[]> {
  const p = new Params();
  return s.query<KeyHash>(`SELECT ${ID}::text AS id, (${t.rowHash})::text AS hash FROM ${t.table} WHERE ${t.range(p, range)} AND ${t.where(p)} ORDER BY ${ID}`, p.values);
}

/** Keys of a range only (for a range one side lacks entirely: every key there is missing or extra). */
export async function rangeKeys(s: SideSession, t: SideTable, range: KeyRange, limit: number): Promise<string[]> {
  const p = new Params();
  const rows = await s.query<{ id: string }>(
    `SELECT ${ID}::text AS id FROM ${t.table} WHERE ${t.range(p, range)} AND ${t.where(p)} ORDER BY ${ID} LIMIT ${p.add(limit, 'int8')}`,
    p.values,
  );
  return rows.map((r) => r.id);
}

/**
 * Boundaries cutting the side's shared rows into about `rowsPerRange` rows each, from a sample of its
 * pages (TABLESAMPLE SYSTEM, repeatable): the boundaries only decide how the work is split, never what
 * is compared, so an estimate is enough. Small tables are read whole.
 */
export async function sampleBoundaries(s: SideSession, t: SideTable, rowsPerRange: number, sampleRows: number): Promise<{ bounds: string[]; estimatedRows: number }> {
  const stats = await s.query<{ n: string }>(`SELECT greatest(reltuples, 0)::int8::text AS n FROM pg_class WHERE oid = $1`, [t.oid]);
  const tuples = Math.max(Number(stats[0]?.n ?? 0), t.pages);
  let percent = tuples <= sampleRows ? 100 : Math.max(0.01, Math.min(100, (100 * sampleRows) / tuples));
  for (;;) {
    const p = new Params();
    const pct = p.add(percent, 'float8');
    const sample = `${t.table} TABLESAMPLE SYSTEM (${pct}) REPEATABLE (4242) WHERE ${t.where(p)}`;
    const counted = await s.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${sample}`, p.values);
    const sampled = Number(counted[0].n);
    // Too few rows to place the boundaries (a selective filter): sample more, up to the whole table.
    if (sampled < Math.min(sampleRows, 1000) && percent < 100) {
      percent = Math.min(100, percent * 10);
      continue;
    }
    const estimatedRows = Math.round((sampled * 100) / percent);
    const parts = Math.max(1, Math.min(Math.ceil(estimatedRows / rowsPerRange), sampled));
    if (parts <= 1) return { bounds: [], estimatedRows };
    const q = new Params();
    const f = q.add(cutFractions(parts), 'float8[]');
    const qpct = q.add(percent, 'float8');
    const rows = await s.query<{ b: string[] | null }>(
      `SELECT (percentile_disc(${f}) WITHIN GROUP (ORDER BY ${ID}))::text[] AS b FROM ${t.table} TABLESAMPLE SYSTEM (${qpct}) REPEATABLE (4242) WHERE ${t.where(q)}`,
      q.values,
    );
    return { bounds: normaliseBoundaries(rows[0]?.b ?? []), estimatedRows };
  }
}

/** What one side holds for given keys: the row hash of each shared row (keys it lacks are absent). */
export async function keyHashes(s: SideSession, t: SideTable, keys: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!t.exists) return out;
  for (const batch of batches(keys)) {
    const p = new Params();
    const k = p.add(batch, 'uuid[]');
    const rows = await s.query<KeyHash>(`SELECT ${ID}::text AS id, (${t.rowHash})::text AS hash FROM ${t.table} WHERE ${ID} = ANY(${k}) AND ${t.where(p)}`, p.values);
    for (const r of rows) out.set(r.id, r.hash);
  }
  return out;
}

/** The per-field hashes of given keys' shared rows, in field order. */
export async function keyFieldHashes(s: SideSession, t: SideTable, keys: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!t.exists) return out;
  for (const batch of batches(keys)) {
    const p = new Params();
    const k = p.add(batch, 'uuid[]');
    const rows = await s.query<{ id: string; h: string[] }>(
      `SELECT ${ID}::text AS id, ARRAY[${t.fieldHashes.join(', ')}]::text[] AS h FROM ${t.table} WHERE ${ID} = ANY(${k}) AND ${t.where(p)}`,
      p.values,
    );
    for (const r of rows) out.set(r.id, r.h);
  }
  return out;
}

/** Where a key's row came from in the partner store: its source position, or its tombstone's. */
export interface PartnerPosition {
  lsn: string | null;
  reportingUnit: string | null;
}

/**
 * Positions of given keys in the partner store (the row's `_source_lsn`, else the tombstone's `lsn`) and
 * the reporting unit of the row, where the store holds one: what a later re-check needs to tell a
 * change still in flight from a real difference, and what Art. 18 statistics count.
 */
export async function partnerPositions(s: SideSession, t: SideTable, keys: readonly string[]): Promise<Map<string, PartnerPosition>> {
  const out = new Map<string, PartnerPosition>();
  if (!t.exists || keys.length === 0) return out;
  const tomb = `${quoteIdent(t.schema)}.${quoteIdent(TOMBSTONE_TABLE)}`;
  const hasTomb = (await s.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [tomb]))[0]?.t !== null;
  const unit = t.hasReportingUnit ? `${UNIT}::text` : 'NULL::text';
  for (const batch of batches(keys)) {
    const rows = await s.query<{ id: string; lsn: string | null; u: string | null }>(
      `SELECT ${ID}::text AS id, ${ALIAS}._source_lsn::text AS lsn, ${unit} AS u FROM ${t.table} WHERE ${ID} = ANY($1::uuid[])`,
      [batch],
    );
    for (const r of rows) out.set(r.id, { lsn: r.lsn, reportingUnit: r.u });
    if (!hasTomb) continue;
    const gone = await s.query<{ id: string; lsn: string }>(`SELECT id::text AS id, lsn::text AS lsn FROM ${tomb} WHERE entity = $1 AND id = ANY($2::uuid[])`, [t.entity, batch]);
    for (const r of gone) if (!out.has(r.id)) out.set(r.id, { lsn: r.lsn, reportingUnit: null });
  }
  return out;
}

/** Reporting units of given keys' rows on the provider (whatever the filter says: a key may have left it). */
export async function providerUnits(s: SideSession, t: SideTable, keys: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (!t.hasReportingUnit) return out;
  for (const batch of batches(keys)) {
    const rows = await s.query<{ id: string; u: string | null }>(`SELECT ${ID}::text AS id, ${UNIT}::text AS u FROM ${t.table} WHERE ${ID} = ANY($1::uuid[])`, [batch]);
    for (const r of rows) out.set(r.id, r.u);
  }
  return out;
}

function* batches<T>(items: readonly T[], size = 5000): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
