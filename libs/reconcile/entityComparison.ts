import { chunkBucketKeyHashes, chunkChanges, changeThreshold, emptyChangeScan, keyStates, type ChangeScan, type KeyState } from './changeQueries';
import { KeyBuckets } from './keyBuckets';
import { DifferenceLog, type RecordedDifference } from './differenceLog';
import { boundsOfRanges, evenCuts, rangesOf, type KeyRange } from './keyRanges';
import { addTotals, differingRanges, emptyTotals, groupTotals, sameTotals, totalCount, type RangeTotals } from './rangeTotals';
import { ReconcileError } from './reconcileError';
import { classifyKey, compareKeyHashes, differingFields, entityFigures, type EntityFigures } from './rowComparison';
import {
  chunkBucketRows,
  chunkSplitTotals,
  chunkTotals,
  keyFieldHashes,
  rangeKeyHashes,
  keyHashes,
  partnerPositions,
  providerUnits,
  rangeKeys,
  sampleBoundaries,
  type BucketRow,
  type UnitCounts,
} from './sideQueries';
import type { SideSession } from './sideSession';
import { pageChunks, type SideTable } from './sideTable';

export interface CompareOptions {
  /** Rows per block (pgEdge ACE's default block size): what the run reports as blocks compared and differing. */
  blockRows: number;
  /**
   * Rows per segment: the first pass totals every segment, so a difference is first placed in a range of
   * this size; a block is blockRows / segmentRows segments. Small segments make one fetch pass enough
   * for many scattered differences (100 differences ≈ 100,000 rows to fetch).
   */
  segmentRows: number;
  /** Parts a differing range is cut into when it holds too many rows to fetch (data-diff's bisection factor). */
  splitFactor: number;
  /**
   * Rows a bisection pass fetches per side (key and hash each): differing ranges holding more are cut
   * further first, or fetched in several passes when the differences are dense.
   */
  fetchRows: number;
  /** Keys looked up one by one (by the primary key) before one pass over the pages is cheaper. */
  lookupKeys: number;
  /** Rows (both sides) of differing ranges that may be fetched through the primary key instead of by a pass, if measured cheaper. */
  keyFetchRows: number;
  /** Chunks of pages each table's pass is cut into (progress, and parallel work with several workers). */
  chunksPerTable: number;
  /**
   * Pages per chunk of the incremental change pass, which is cut into as few chunks as there are
   * connections per side (or more, for tables beyond this many pages, so progress still moves): each
   * chunk aggregates every key bucket and allocates its hash table, so its cost grows with chunks ×
   * buckets while its rows cost the same however cut. One query per side is a sequential scan; four
   * chunks on one connection cost ~5 % more CPU at 10M rows.
   */
  changeChunkPages: number;
  /** Rows sampled to place the boundaries. */
  sampleRows: number;
  /** Keys of differences recorded per entity; beyond it only counts. */
  maxRecordedKeys: number;
  /** Changed keys an incremental run collects; beyond it a full comparison is cheaper. */
  maxChangedKeys: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = {
  blockRows: 100_000,
  segmentRows: 1_000,
  splitFactor: 32,
  fetchRows: 200_000,
  lookupKeys: 1_000,
  keyFetchRows: 400_000,
  chunksPerTable: 32,
  changeChunkPages: 1_000_000,
  sampleRows: 100_000,
  maxRecordedKeys: 100_000,
  maxChangedKeys: 200_000,
};

export type ComparePhase = 'sample' | 'scan' | 'bisect' | 'changes' | 'keys' | 'fields';

export interface CompareProgress {
  entity: string;
  phase: ComparePhase;
  /** Work done and to do in this phase (pages for scans, ranges or keys otherwise). */
  done: number;
  total: number;
}

/** Rows per reporting unit on each side (Art. 18). */
export interface UnitFigures {
  unit: string | null;
  sourceRows: number;
  partnerRows: number;
}

/** What an incremental run needs of the last clean run of the same entity, share and hash. */
export interface Baseline {
  runId: string;
  providerSnapshot: string;
  partnerSnapshot: string;
  /** Segment boundaries of the baseline; an incremental run cuts the same segments. */
  boundaries: readonly string[];
  segmentsPerBlock: number;
}

export interface EntityOutcome {
  entity: string;
  mode: 'full' | 'incremental' | 'recheck';
  baselineRunId: string | null;
  /** Why an incremental run compared in full (null when it did not). */
  fallbackReason: string | null;
  fields: string[];
  figures: EntityFigures;
  differences: RecordedDifference[];
  keysTruncated: boolean;
  fieldCounts: Record<string, number>;
  boundaries: string[];
  segmentsPerBlock: number;
  blocks: number;
  blocksDiffering: number;
  segmentsDiffering: number;
  rowsHashed: { provider: number; partner: number };
  /** Rows examined for changes without hashing (incremental runs). */
  rowsScanned: { provider: number; partner: number };
  changedKeys: number | null;
  units: UnitFigures[] | null;
  providerTableOid: number | null;
  partnerTableOid: number | null;
  timingsMs: Record<string, number>;
}

export interface EntityComparisonContext {
  provider: SideSession;
  partner: SideSession;
  providerTable: SideTable;
  partnerTable: SideTable;
  options: CompareOptions;
  onProgress?: (p: CompareProgress) => void;
}

/** A range whose totals differ, with the rows each side holds in it. */
interface PendingRange {
  range: KeyRange;
  nP: number;
  nR: number;
}

/** xid distance beyond which `age()` could wrap: an incremental run then compares in full. */
const MAX_XID_DISTANCE = 2 ** 31 - 100_000_000;

/**
 * The comparison of one entity between the provider's shared rows and the partner store, inside the
 * run's two snapshots: in full (block hashes, bisection of differing ranges), incrementally (only what
 * changed since a clean baseline), or for given keys (a re-check of a stored run's differences).
 */
export class EntityComparison {
  private readonly log: DifferenceLog;
  private readonly hashed = { provider: 0, partner: 0 };
  private readonly timings: Record<string, number> = {};
  private segmentsDiffering = 0;
  /** How long the last pass over both tables took: what fetching rows by key must beat. */
  private passMs = 0;

  constructor(private readonly c: EntityComparisonContext) {
    this.log = new DifferenceLog(c.options.maxRecordedKeys);
  }

  private get entity(): string {
    return this.c.providerTable.entity;
  }

  private get segmentsPerBlock(): number {
    return Math.max(1, Math.round(this.c.options.blockRows / this.c.options.segmentRows));
  }

  private progress(phase: ComparePhase, done: number, total: number): void {
    this.c.onProgress?.({ entity: this.entity, phase, done, total });
  }

  private async timed<T>(name: string, f: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      this.timings[name] = (this.timings[name] ?? 0) + Date.now() - t0;
    }
  }

  /** Every shared row against every partner row. */
  async full(fallbackReason: string | null = null, baselineRunId: string | null = null): Promise<EntityOutcome> {
    const t0 = Date.now();
    const pt = this.c.providerTable;
    this.progress('sample', 0, 1);
    const { bounds } = await this.timed('sampleMs', () => sampleBoundaries(this.c.provider, pt, this.c.options.segmentRows, this.c.options.sampleRows));
    this.progress('sample', 1, 1);
    const [p, r] = await this.pass(() => this.timed('scanMs', () => this.scanBoth(bounds)));
    const differing = differingRanges(p.totals, r.totals);
    const factor = this.segmentsPerBlock;
    const blocksDiffering = new Set(differing.map((i) => Math.floor(i / factor))).size;
    const ranges = rangesOf(bounds);
    await this.timed('bisectMs', () => this.resolveRanges(differing.map((i) => ({ range: ranges[i], nP: p.totals[i].count, nR: r.totals[i].count }))));
    await this.timed('fieldsMs', () => this.describeDifferences());
    return this.outcome({
      mode: 'full',
      baselineRunId,
      fallbackReason,
      bounds,
      blocks: groupTotals(p.totals, factor).length,
      blocksDiffering,
      sourceRows: totalCount(p.totals),
      partnerRows: totalCount(r.totals),
      units: mergeUnits(p.units, r.units, pt.hasReportingUnit),
      changedKeys: null,
      scanned: { provider: 0, partner: 0 },
      t0,
    });
  }

  /**
   * Only what may have changed since the baseline: the rows either side wrote since (by xmin), hashed
   * in the same pass and compared key by key; and, per bucket of keys (the low bits of
   * uuid_hash_extended(id)), the ids of the rows neither side changed, compared as one sum per side — a
   * bucket where they differ lost a row on one side only (a delete that leaves no row behind to be
   * found), and its rows are fetched on both sides and compared key by key. Returns the reason instead
   * when a full comparison is needed.
   */
  async incremental(baseline: Baseline): Promise<EntityOutcome | { fallback: string }> {
    const t0 = Date.now();
    const { provider, partner, providerTable: pt, partnerTable: rt, options } = this.c;
    const [tp, tr] = await Promise.all([changeThreshold(provider, baseline.providerSnapshot), changeThreshold(partner, baseline.partnerSnapshot)]);
    if (tp.distance > MAX_XID_DISTANCE || tr.distance > MAX_XID_DISTANCE) return { fallback: 'more than 2^31 transactions since the baseline' };
    const bounds = [...baseline.boundaries];
    const buckets = KeyBuckets.choose(bounds, (bounds.length + 1) * options.segmentRows, options.fetchRows);
    const cap = options.maxChangedKeys;
    const [cp, cr] = await this.pass(() =>
      this.timed('changesMs', () =>
        Promise.all([this.scanChanges(provider, pt, buckets, tp.age, cap), rt.exists ? this.scanChanges(partner, rt, buckets, tr.age, cap) : emptyChangeScan(buckets.count)]),
      ),
    );
    if (cp.overflow || cr.overflow || cp.changedCount + cr.changedCount > cap) {
      return { fallback: `${cp.changedCount + cr.changedCount} rows changed since the baseline (more than ${cap}): a full comparison is cheaper` };
    }
    this.hashed.provider += cp.changed.size;
    this.hashed.partner += cr.changed.size;
    // A key changed on one side only is looked up on the other, where it is unchanged, gone or (on the
    // provider) no longer shared; its unchanged row there leaves that side's sums, so the sums compare
    // exactly the rows neither side touched.
    const onlyP = [...cp.changed.keys()].filter((k) => !cr.changed.has(k)).sort();
    const onlyR = [...cr.changed.keys()].filter((k) => !cp.changed.has(k)).sort();
    this.progress('keys', 0, onlyP.length + onlyR.length);
    const [sr, sp] = await this.timed('keysMs', () =>
      Promise.all([keyStates(partner, rt, onlyP, tr.age, this.lookupChunks(rt, onlyP.length)), keyStates(provider, pt, onlyR, tp.age, this.lookupChunks(pt, onlyR.length))]),
    );
    this.hashed.provider += sp.size;
    this.hashed.partner += sr.size;
    subtractKeys(cr.unchanged, sr, onlyP, buckets);
    subtractKeys(cp.unchanged, sp, onlyR, buckets);
    const dirty = differingRanges(cp.unchanged, cr.unchanged);
    const dirtySet = new Set(dirty);
    const dirtyRows = dirty.reduce((n, b) => n + cp.current[b].count + cr.current[b].count, 0);
    if (dirtyRows > 2 * options.fetchRows) {
      return { fallback: `${dirty.length} key buckets lost rows on one side only (${dirtyRows} rows to re-compare): a full comparison is cheaper` };
    }
    const hashOf = (own: Map<string, string>, other: ReadonlyMap<string, KeyState>, key: string): string | null => {
      const h = own.get(key);
      if (h !== undefined) return h;
      const st = other.get(key);
      return st && st.shared ? st.rowHash : null;
    };
    for (const key of [...new Set([...cp.changed.keys(), ...cr.changed.keys()])].sort()) {
      // Keys of a dirty bucket are compared with the rest of their bucket below.
      if (dirtySet.has(cp.changedBucket.get(key) ?? cr.changedBucket.get(key)!)) continue;
      const cls = classifyKey(hashOf(cp.changed, sp, key), hashOf(cr.changed, sr, key));
      if (cls) this.log.add(cls, 1, [key]);
    }
    this.progress('keys', onlyP.length + onlyR.length, onlyP.length + onlyR.length);
    if (dirty.length > 0 && buckets.kind === 'prefix') {
      // Key ranges: fetched through the primary key (or by a pass) and bisected as a full run's blocks
      // are (resolveRanges counts them as differing segments).
      const ranges = dirty.map((b) => ({ range: buckets.range(b), nP: cp.current[b].count, nR: cr.current[b].count }));
      await this.timed('bisectMs', () => this.resolveRanges(ranges));
    } else if (dirty.length > 0) {
      this.segmentsDiffering += dirty.length;
      await this.timed('bisectMs', () => this.compareBuckets(buckets, dirty));
    }
    await this.timed('fieldsMs', () => this.describeDifferences());
    const factor = baseline.segmentsPerBlock;
    return this.outcome({
      mode: 'incremental',
      baselineRunId: baseline.runId,
      fallbackReason: null,
      bounds,
      blocks: Math.ceil((bounds.length + 1) / factor),
      // Key buckets compared in full (they are not blocks of key ranges, but what was re-compared).
      blocksDiffering: dirty.length,
      sourceRows: totalCount(cp.current),
      partnerRows: totalCount(cr.current),
      // Rows per reporting unit come from full runs: this pass counts changes, not units.
      units: null,
      changedKeys: new Set([...cp.changed.keys(), ...cr.changed.keys()]).size,
      scanned: { provider: totalCount(cp.current), partner: totalCount(cr.current) },
      segmentsPerBlock: factor,
      t0,
    });
  }

  /** Every row of the given key buckets, fetched (key and row hash) on both sides in one pass each and compared key by key. */
  private async compareBuckets(buckets: KeyBuckets, wanted: readonly number[]): Promise<void> {
    const { provider, partner, providerTable: pt, partnerTable: rt, options } = this.c;
    const side = async (s: SideSession, t: SideTable): Promise<Map<number, { id: string; hash: string }[]>> => {
      const byBucket = new Map<number, { id: string; hash: string }[]>(wanted.map((b) => [b, []]));
      if (!t.exists) return byBucket;
      await Promise.all(
        pageChunks(t.pages, options.chunksPerTable).map(async (chunk) => {
          for (const row of await chunkBucketKeyHashes(s, t, buckets, wanted, chunk)) byBucket.get(row.b)!.push(row);
        }),
      );
      return byBucket;
    };
    const [fp, fr] = await this.pass(() => Promise.all([side(provider, pt), side(partner, rt)]));
    const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    for (const b of wanted) {
      const kp = fp.get(b)!.sort(byId);
      const kr = fr.get(b)!.sort(byId);
      this.hashed.provider += kp.length;
      this.hashed.partner += kr.length;
      for (const d of compareKeyHashes(kp, kr)) this.log.add(d.class, 1, [d.id]);
    }
  }

  /** The given keys only (ACE's table-rerun): what a repair step re-checks once it has acted. */
  async keys(keys: readonly string[], fromRunId: string): Promise<EntityOutcome> {
    const t0 = Date.now();
    const { provider, partner, providerTable: pt, partnerTable: rt } = this.c;
    const sorted = [...new Set(keys)].sort();
    this.progress('keys', 0, sorted.length);
    const [hp, hr] = await this.timed('keysMs', () => Promise.all([keyHashes(provider, pt, sorted), keyHashes(partner, rt, sorted)]));
    this.hashed.provider += hp.size;
    this.hashed.partner += hr.size;
    for (const key of sorted) {
      const cls = classifyKey(hp.get(key) ?? null, hr.get(key) ?? null);
      if (cls) this.log.add(cls, 1, [key]);
    }
    this.progress('keys', sorted.length, sorted.length);
    await this.timed('fieldsMs', () => this.describeDifferences());
    return this.outcome({
      mode: 'recheck',
      baselineRunId: fromRunId,
      fallbackReason: null,
      bounds: [],
      blocks: 0,
      blocksDiffering: 0,
      sourceRows: hp.size,
      partnerRows: hr.size,
      units: null,
      changedKeys: null,
      scanned: { provider: 0, partner: 0 },
      t0,
    });
  }

  private async scanBoth(bounds: readonly string[]): Promise<[{ totals: RangeTotals[]; units: UnitCounts }, { totals: RangeTotals[]; units: UnitCounts }]> {
    const { provider, partner, providerTable: pt, partnerTable: rt, options } = this.c;
    const pc = pageChunks(pt.pages, options.chunksPerTable);
    const rc = rt.exists ? pageChunks(rt.pages, options.chunksPerTable) : [];
    const total = pt.pages + (rt.exists ? rt.pages : 0);
    let done = 0;
    this.progress('scan', 0, total);
    const side = async (s: SideSession, t: SideTable, chunks: ReturnType<typeof pageChunks>, pages: number): Promise<{ totals: RangeTotals[]; units: UnitCounts }> => {
      const totals = emptyTotals(bounds.length + 1);
      const units: UnitCounts = new Map();
      await Promise.all(
        chunks.map(async (chunk) => {
          const r = await chunkTotals(s, t, bounds, chunk);
          r.totals.forEach((x, i) => {
            totals[i].count += x.count;
            totals[i].sum += x.sum;
          });
          for (const [u, n] of r.units) units.set(u, (units.get(u) ?? 0) + n);
          done += chunkPages(chunk, pages);
          this.progress('scan', done, total);
        }),
      );
      return { totals, units };
    };
    const [p, r] = await Promise.all([
      side(provider, pt, pc, pt.pages),
      rt.exists ? side(partner, rt, rc, rt.pages) : { totals: emptyTotals(bounds.length + 1), units: new Map() },
    ]);
    this.hashed.provider += totalCount(p.totals);
    this.hashed.partner += totalCount(r.totals);
    return [p, r];
  }

  private async scanChanges(s: SideSession, t: SideTable, buckets: KeyBuckets, threshold: number, cap: number): Promise<ChangeScan> {
    const into = emptyChangeScan(buckets.count);
    const chunks = pageChunks(t.pages, Math.max(s.workers, Math.ceil(t.pages / this.c.options.changeChunkPages)));
    let done = 0;
    await Promise.all(
      chunks.map(async (chunk) => {
        if (!into.overflow) await chunkChanges(s, t, buckets, threshold, chunk, cap, into);
        done += chunkPages(chunk, t.pages);
        this.progress('changes', done, t.pages);
      }),
    );
    return into;
  }

  /** Chunks for one pass over a table when looking keys up one by one would cost more (null: look them up). */
  private lookupChunks(t: SideTable, keys: number): ReturnType<typeof pageChunks> | null {
    return keys > this.c.options.lookupKeys ? pageChunks(t.pages, this.c.options.chunksPerTable) : null;
  }

  /**
   * Finds the differing keys of ranges whose totals differ, in passes over the pages of both tables at
   * once. A range one side has no row in makes every key of the other missing or extra. The others are
   * fetched (key and row hash) and compared key by key once they hold at most `fetchRows` rows; before
   * that, each pass cuts every range into `splitFactor` parts and keeps the parts whose totals differ
   * (data-diff's and ACE's bisection). When cutting no longer thins them out — dense differences — the
   * ranges are fetched in batches of `fetchRows`.
   */
  private async resolveRanges(initial: readonly PendingRange[]): Promise<void> {
    const { provider, partner, providerTable: pt, partnerTable: rt, options } = this.c;
    this.segmentsDiffering += initial.length;
    let pending = [...initial];
    let dense = false;
    let pass = 0;
    while (pending.length > 0) {
      const twoSided: PendingRange[] = [];
      const oneSided: PendingRange[] = [];
      for (const x of pending) (x.nP === 0 || x.nR === 0 || !rt.exists ? oneSided : twoSided).push(x);
      // Keys of one-sided ranges come with the next fetch when they fit; a huge one (a table the partner
      // store lacks) is counted whole and only `room` keys are read.
      const oneSidedRows = oneSided.reduce((n, x) => n + x.nP + (rt.exists ? x.nR : 0), 0);
      const fetchOneSided = oneSidedRows <= this.log.room;
      if (!fetchOneSided) {
        for (const x of oneSided) {
          if (x.nR === 0 || !rt.exists) this.log.add('missing', x.nP, this.log.room > 0 ? await rangeKeys(provider, pt, x.range, this.log.room) : []);
          else this.log.add('extra', x.nR, this.log.room > 0 ? await rangeKeys(partner, rt, x.range, this.log.room) : []);
        }
      }
      const rows = twoSided.reduce((n, x) => n + Math.max(x.nP, x.nR), 0);
      this.progress('bisect', pass, pass + 1);
      if (rows <= options.fetchRows || dense) {
        const batch: PendingRange[] = [];
        const rest: PendingRange[] = [];
        const big: PendingRange[] = [];
        let size = 0;
        for (const x of twoSided) {
          const n = Math.max(x.nP, x.nR);
          if (n > options.fetchRows) big.push(x);
          else if (size + n <= options.fetchRows) {
            batch.push(x);
            size += n;
          } else rest.push(x);
        }
        if (fetchOneSided) batch.push(...oneSided);
        if (batch.length > 0) await this.fetch(batch);
        // A range larger than one fetch (dense differences) is cut into parts that fit, then fetched.
        const parts = Math.min(1024, Math.max(2, ...big.map((x) => Math.ceil((2 * Math.max(x.nP, x.nR)) / options.fetchRows))));
        pending = [...rest, ...(big.length > 0 ? await this.splitPass(big, parts) : [])];
      } else {
        const next = await this.splitPass(twoSided, options.splitFactor);
        const kept = next.reduce((n, x) => n + Math.max(x.nP, x.nR), 0);
        dense = kept * 2 >= rows;
        pending = [...(fetchOneSided ? oneSided : []), ...next];
      }
      pass++;
    }
    this.progress('bisect', pass, pass);
  }

  /** One pass that cuts each range into `parts` parts of equal key width and returns the parts whose totals differ. */
  private async splitPass(ranges: readonly PendingRange[], parts: number): Promise<PendingRange[]> {
    const { provider, partner, providerTable: pt, partnerTable: rt, options } = this.c;
    const { bounds, buckets } = boundsOfRanges(ranges.map((x) => x.range));
    const sub = ranges.flatMap((x) => rangesOf(evenCuts(x.range, parts), x.range));
    const split = boundsOfRanges(sub);
    const side = async (s: SideSession, t: SideTable): Promise<RangeTotals[]> => {
      const totals = emptyTotals(split.bounds.length + 1);
      await Promise.all(pageChunks(t.pages, options.chunksPerTable).map(async (chunk) => addTotals(totals, await chunkSplitTotals(s, t, bounds, buckets, split.bounds, chunk))));
      return totals;
    };
    const [tp, tr] = await this.pass(() => Promise.all([side(provider, pt), side(partner, rt)]));
    this.hashed.provider += totalCount(tp);
    this.hashed.partner += totalCount(tr);
    return sub.flatMap((range, i) => {
      const b = split.buckets[i];
      return sameTotals(tp[b], tr[b]) ? [] : [{ range, nP: tp[b].count, nR: tr[b].count }];
    });
  }

  private async pass<T>(f: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    const r = await f();
    this.passMs = Date.now() - t0;
    return r;
  }

  /**
   * Fetches the rows of the ranges and compares them key by key: through the primary key when that is
   * cheaper than one more pass over both tables, else by a pass. Which is cheaper depends on whether the
   * heap pages are still cached — a key-ordered fetch reads a random page per row, a few microseconds
   * when cached and up to milliseconds from a busy disk — so the smallest range is fetched by key first
   * and its cost per row, measured, decides for the rest.
   */
  private async fetch(ranges: readonly PendingRange[]): Promise<void> {
    const rowsOf = (x: PendingRange): number => x.nP + x.nR;
    const sorted = [...ranges].sort((a, b) => rowsOf(a) - rowsOf(b));
    const total = sorted.reduce((n, x) => n + rowsOf(x), 0);
    if (total > this.c.options.keyFetchRows || this.passMs === 0) return this.fetchAndCompare(sorted);
    const t0 = Date.now();
    await this.compareByKey(sorted[0]);
    const msPerRow = (Date.now() - t0) / Math.max(1, rowsOf(sorted[0]));
    const rest = sorted.slice(1);
    const restRows = total - rowsOf(sorted[0]);
    if (rest.length === 0) return;
    // The sides fetch at once, so rows of both sides at the probe's cost per row over-estimate the
    // fetch; by key it must still beat half a pass, to be worth the risk of a slow disk.
    if (msPerRow * restRows < this.passMs / 2) {
      await Promise.all(rest.map((x) => this.compareByKey(x)));
    } else {
      await this.fetchAndCompare(rest);
    }
  }

  private async compareByKey(x: PendingRange): Promise<void> {
    const { provider, partner, providerTable: pt, partnerTable: rt } = this.c;
    const [kp, kr] = await Promise.all([rangeKeyHashes(provider, pt, x.range), rt.exists ? rangeKeyHashes(partner, rt, x.range) : []]);
    this.hashed.provider += kp.length;
    this.hashed.partner += kr.length;
    for (const d of compareKeyHashes(kp, kr)) this.log.add(d.class, 1, [d.id]);
  }

  /** One pass fetching key and row hash of every row in the ranges on both sides, then compared key by key. */
  private async fetchAndCompare(ranges: readonly PendingRange[]): Promise<void> {
    const { provider, partner, providerTable: pt, partnerTable: rt, options } = this.c;
    const { bounds, buckets } = boundsOfRanges(ranges.map((x) => x.range));
    const side = async (s: SideSession, t: SideTable): Promise<Map<number, BucketRow[]>> => {
      const byBucket = new Map<number, BucketRow[]>(buckets.map((b) => [b, []]));
      if (!t.exists) return byBucket;
      await Promise.all(
        pageChunks(t.pages, options.chunksPerTable).map(async (chunk) => {
          for (const row of await chunkBucketRows(s, t, bounds, buckets, chunk)) byBucket.get(row.b)!.push(row);
        }),
      );
      return byBucket;
    };
    const [fp, fr] = await this.pass(() => Promise.all([side(provider, pt), side(partner, rt)]));
    const byId = (a: BucketRow, b: BucketRow): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    for (const b of buckets) {
      const kp = fp.get(b)!.sort(byId);
      const kr = fr.get(b)!.sort(byId);
      this.hashed.provider += kp.length;
      this.hashed.partner += kr.length;
      for (const d of compareKeyHashes(kp, kr)) this.log.add(d.class, 1, [d.id]);
    }
  }

  /** Field names of the recorded 'different' keys, positions and reporting units of every recorded key. */
  private async describeDifferences(): Promise<void> {
    const { provider, partner, providerTable: pt, partnerTable: rt } = this.c;
    const different = this.log.keys('different');
    this.progress('fields', 0, different.length);
    const [fp, fr] = await Promise.all([keyFieldHashes(provider, pt, different), keyFieldHashes(partner, rt, different)]);
    const names = pt.fieldNames;
    for (const key of different) {
      const a = fp.get(key);
      const b = fr.get(key);
      if (!a || !b) throw new ReconcileError('a row found different is no longer on both sides within one snapshot', { entity: this.entity });
      this.log.get(key)!.fields = differingFields(names, a, b);
    }
    this.progress('fields', different.length, different.length);
    const all = this.log.keys();
    const [positions, units] = await Promise.all([partnerPositions(partner, rt, all), providerUnits(provider, pt, all)]);
    for (const key of all) {
      const d = this.log.get(key)!;
      const pos = positions.get(key);
      d.partnerLsn = pos?.lsn ?? null;
      d.reportingUnit = units.get(key) ?? pos?.reportingUnit ?? null;
    }
  }

  private outcome(o: {
    mode: EntityOutcome['mode'];
    baselineRunId: string | null;
    fallbackReason: string | null;
    bounds: readonly string[];
    blocks: number;
    blocksDiffering: number;
    sourceRows: number;
    partnerRows: number;
    units: UnitFigures[] | null;
    changedKeys: number | null;
    scanned: { provider: number; partner: number };
    /** The baseline's, for an incremental run (its segments are the baseline's). */
    segmentsPerBlock?: number;
    t0: number;
  }): EntityOutcome {
    const { providerTable: pt, partnerTable: rt } = this.c;
    let figures: EntityFigures;
    try {
      figures = entityFigures(o.sourceRows, o.partnerRows, this.log.counts);
    } catch (err) {
      // The counts of both sides and the differences found must add up; if not, the comparison is wrong.
      throw new ReconcileError(err instanceof Error ? err.message : String(err), { entity: this.entity }, { cause: err });
    }
    return {
      entity: this.entity,
      mode: o.mode,
      baselineRunId: o.baselineRunId,
      fallbackReason: o.fallbackReason,
      fields: pt.fieldNames,
      figures,
      differences: this.log.list(),
      keysTruncated: this.log.truncated,
      fieldCounts: this.log.fieldCounts(),
      boundaries: [...o.bounds],
      segmentsPerBlock: o.segmentsPerBlock ?? this.segmentsPerBlock,
      blocks: o.blocks,
      blocksDiffering: o.blocksDiffering,
      segmentsDiffering: this.segmentsDiffering,
      rowsHashed: { ...this.hashed },
      rowsScanned: o.scanned,
      changedKeys: o.changedKeys,
      units: o.units,
      providerTableOid: pt.oid,
      partnerTableOid: rt.oid,
      timingsMs: { ...this.timings, totalMs: Date.now() - o.t0 },
    };
  }
}

function chunkPages(chunk: { firstPage: number; endPage: number | null }, pages: number): number {
  return Math.max(0, (chunk.endPage ?? pages) - chunk.firstPage);
}

/** Takes the rows of `keys` that a side counted as unchanged out of that side's bucket sums. */
function subtractKeys(unchanged: RangeTotals[], states: ReadonlyMap<string, KeyState>, keys: readonly string[], buckets: KeyBuckets): void {
  for (const key of keys) {
    const s = states.get(key);
    if (!s || !s.shared || s.changed) continue;
    const t = unchanged[buckets.of(key, s.idHash)];
    t.count -= 1;
    t.sum -= BigInt(s.idHash);
  }
}

function mergeUnits(p: UnitCounts, r: UnitCounts, shared: boolean): UnitFigures[] | null {
  if (!shared) return null;
  const units = [...new Set([...p.keys(), ...r.keys()])].sort();
  return units.map((u) => ({ unit: u === '' ? null : u, sourceRows: p.get(u) ?? 0, partnerRows: r.get(u) ?? 0 }));
}
