import { addTotals, emptyTotals, type RangeTotals, type TotalsRow } from './rangeTotals';
import type { SideSession } from './sideSession';
import type { KeyBuckets } from './keyBuckets';
import { ALIAS, chunkCondition, Params, type PageChunk, type SideTable } from './sideTable';

/**
 * What an incremental run asks each side. A row version is "changed since the baseline" when the
 * transaction that wrote it (its xmin) is not older than the oldest transaction still running when the
 * baseline run took its snapshot: `age(xmin) <= age(baseline xmin)`. That is conservative — a
 * transaction that committed between the baseline's xmin and its snapshot counts as changed — and it
 * cannot miss a write: every INSERT, UPDATE (with or without triggers, whatever updated_at says), COPY
 * and rewrite by a restore gives the new row version a new xmin. Deletions leave no row; they are found
 * by comparing, bucket by bucket, the ids of the rows both sides left unchanged (see
 * EntityComparison.incremental).
 *
 * Deleted rows and rows lost on one side are found per key bucket (keyBuckets.ts).
 */
const ID = `${ALIAS}."id"`;

export interface ChangeScan {
  /** Per bucket: shared rows now (count only, sum unused). */
  current: RangeTotals[];
  /** Per bucket: shared rows unchanged since the baseline, with the sum of their id hashes. */
  unchanged: RangeTotals[];
  /** Row hash of each shared row changed since the baseline, by key (complete only when `overflow` is false). */
  changed: Map<string, string>;
  /** The bucket of each key of `changed`. */
  changedBucket: Map<string, number>;
  changedCount: number;
  /** More changed rows than the caller would collect: compare in full instead. */
  overflow: boolean;
}

export function emptyChangeScan(buckets: number): ChangeScan {
  return { current: emptyTotals(buckets), unchanged: emptyTotals(buckets), changed: new Map(), changedBucket: new Map(), changedCount: 0, overflow: false };
}

/** The age (in transactions) of the baseline snapshot's xmin, now: rows no older are changed. */
export async function changeThreshold(s: SideSession, baselineSnapshot: string): Promise<{ age: number; distance: number }> {
  const r = await s.query<{ age: number; distance: string }>(
    `SELECT age((pg_snapshot_xmin($1::pg_snapshot)::text::numeric % 4294967296)::text::xid) AS age,
            (pg_snapshot_xmax(pg_current_snapshot())::text::numeric - pg_snapshot_xmin($1::pg_snapshot)::text::numeric)::text AS distance`,
    [baselineSnapshot],
  );
  return { age: r[0].age, distance: Number(r[0].distance) };
}

/**
 * One chunk of pages: per bucket, the rows shared now, those unchanged (count and sum of
 * uuid_hash_extended(id)), and the key, bucket and row hash of each changed one — hashed only for those
 * rows, and collected only while there are at most `cap`. The rest of the pass costs a few times a count(*).
 *
 * Grouped by bucket and by "changed" itself: the change test (a call of age() on the system column) is
 * computed once per row as a grouping column and the aggregates are unfiltered, where FILTER clauses for
 * the changed and the unchanged rows evaluated it five times per row.
 */
export async function chunkChanges(s: SideSession, t: SideTable, buckets: KeyBuckets, threshold: number, chunk: PageChunk, cap: number, into: ChangeScan): Promise<void> {
  const p = new Params();
  const th = p.add(threshold, 'int4');
  const changed = `age(${ALIAS}.xmin) <= ${th}`;
  const c = p.add(cap, 'int8');
  const rows = await s.query<{ b: number; ch: boolean; n: string; s: string | null; ids: string[] | null }>(
    `SELECT ${buckets.sql()} AS b, ${changed} AS ch, count(*) AS n, sum(uuid_hash_extended(${ID}, 0))::text AS s,
            CASE WHEN ${changed} AND count(*) <= ${c} THEN array_agg(${ID}::text || ' ' || (${t.rowHash})::text) FILTER (WHERE ${changed}) END AS ids
       FROM ${t.table} WHERE ${chunkCondition(p, chunk)} AND ${t.where(p)} GROUP BY 1, 2`,
    p.values,
  );
  addTotals(
    into.current,
    rows.map((r) => ({ b: r.b, n: r.n, s: null })),
  );
  addTotals(
    into.unchanged,
    rows.filter((r) => !r.ch).map((r): TotalsRow => ({ b: r.b, n: r.n, s: r.s })),
  );
  for (const r of rows) {
    if (!r.ch) continue;
    into.changedCount += Number(r.n);
    if (r.ids === null) {
      into.overflow = true;
    } else if (!into.overflow) {
      for (const x of r.ids) {
        const space = x.indexOf(' ');
        const key = x.slice(0, space);
        into.changed.set(key, x.slice(space + 1));
        into.changedBucket.set(key, r.b);
      }
    }
  }
  if (into.changedCount > cap) into.overflow = true;
  if (into.overflow) {
    into.changed.clear();
    into.changedBucket.clear();
  }
}

/** One chunk of pages: key and row hash of the shared rows in the given buckets (the others are read, not hashed). */
export async function chunkBucketKeyHashes(
  s: SideSession,
  t: SideTable,
  buckets: KeyBuckets,
  wanted: readonly number[],
  chunk: PageChunk,
): Promise<{ b: number; id: string; hash: string }[]> {
  const p = new Params();
  const w = p.add(wanted, 'int4[]');
  return s.query<{ b: number; id: string; hash: string }>(
    `SELECT ${buckets.sql()} AS b, ${ID}::text AS id, (${t.rowHash})::text AS hash
       FROM ${t.table} WHERE ${chunkCondition(p, chunk)} AND ${buckets.sql()} = ANY(${w}) AND ${t.where(p)}`,
    p.values,
  );
}

/** A key as one side holds it now: shared or not, changed since the baseline or not, its id hash and row hash. */
export interface KeyState {
  shared: boolean;
  changed: boolean;
  idHash: string;
  rowHash: string | null;
}

/**
 * The state of given keys on one side (keys without any row there are absent): by the primary key for a
 * few keys, by one pass over the pages for many (a lookup per key reads a random heap page each, which
 * a cold table pays in disk seeks).
 */
export async function keyStates(
  s: SideSession,
  t: SideTable,
  keys: readonly string[],
  threshold: number,
  chunks: readonly PageChunk[] | null = null,
): Promise<Map<string, KeyState>> {
  const out = new Map<string, KeyState>();
  if (!t.exists || keys.length === 0) return out;
  const read = async (batch: readonly string[], chunk: PageChunk | null): Promise<void> => {
    const p = new Params();
    const k = p.add(batch, 'uuid[]');
    const th = p.add(threshold, 'int4');
    const shared = t.where(p);
    const where = chunk === null ? `${ID} = ANY(${k})` : `${chunkCondition(p, chunk)} AND ${ID} = ANY(${k})`;
    const rows = await s.query<{ id: string; shared: boolean; changed: boolean; ih: string; h: string | null }>(
      `SELECT ${ID}::text AS id, (${shared}) AS shared, age(${ALIAS}.xmin) <= ${th} AS changed, uuid_hash_extended(${ID}, 0)::text AS ih,
              CASE WHEN ${shared} THEN (${t.rowHash})::text END AS h
         FROM ${t.table} WHERE ${where}`,
      p.values,
    );
    for (const r of rows) out.set(r.id, { shared: r.shared, changed: r.changed, idHash: r.ih, rowHash: r.h });
  };
  if (chunks === null) {
    for (let i = 0; i < keys.length; i += 5000) await read(keys.slice(i, i + 5000), null);
  } else {
    await Promise.all(chunks.map((c) => read(keys, c)));
  }
  return out;
}
