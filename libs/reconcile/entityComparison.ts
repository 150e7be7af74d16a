import { chunkChanges, changeThreshold, emptyChangeScan, keyStates, type ChangeScan, type KeyState } from './changeQueries';
import { DifferenceLog, type RecordedDifference } from './differenceLog';
import { rangeIndex, rangesOf, type KeyRange } from './keyRanges';
import { differingRanges, emptyTotals, groupTotals, totalCount, type RangeTotals } from './rangeTotals';
import { ReconcileError } from './reconcileError';
import { classifyKey, compareKeyHashes, differingFields, entityFigures, type EntityFigures } from './rowComparison';
import {
  chunkTotals,
  keyFieldHashes,
  keyHashes,
  partnerPositions,
  providerUnits,
  rangeKeyHashes,
  rangeKeys,
  rangeQuantiles,
  rangeTotals,
  sampleBoundaries,
  type UnitCounts,
} from './sideQueries';
import type { SideSession } from './sideSession';
import { pageChunks, type SideTable } from './sideTable';

export interface CompareOptions {
  /** Rows per block (pgEdge ACE's default block size). */
  blockRows: number;
  /** Parts a differing range is cut into (data-diff's bisection factor); also the segments per block of the first pass. */
  splitFactor: number;
  /** A range with at most this many rows on each side is compared key by key. */
  rowCompareLimit: number;
  /** Chunks of pages each table's pass is cut into (progress, and parallel work with several workers). */
  chunksPerTable: number;
  /** Rows sampled to place the boundaries. */
  sampleRows: number;
  /** Keys of differences recorded per entity; beyond it only counts. */
  maxRecordedKeys: number;
  /** Changed keys an incremental run collects; beyond it a full comparison is cheaper. */
  maxChangedKeys: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = {
  blockRows: 100_000,
  splitFactor: 32,
  rowCompareLimit: 4_096,
  chunksPerTable: 64,
  sampleRows: 100_000,
  maxRecordedKeys: 100_000,
  maxChangedKeys: 500_000,
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
  /** Segment boundaries of the baseline; an incremental run cuts the same blocks. */
  boundaries: readonly string[];
  splitFactor: number;
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
  splitFactor: number;
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

  constructor(private readonly c: EntityComparisonContext) {
    this.log = new DifferenceLog(c.options.maxRecordedKeys);
  }

  private get entity(): string {
    return this.c.providerTable.entity;
  }

  private get segmentRows(): number {
    return Math.max(1, Math.floor(this.c.options.blockRows / this.c.options.splitFactor));
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
    const { bounds } = await this.timed('sampleMs', () => sampleBoundaries(this.c.provider, pt, this.segmentRows, this.c.options.sampleRows));
    this.progress('sample', 1, 1);
    const [p, r] = await this.timed('scanMs', () => this.scanBoth(bounds));
    const differing = differingRanges(p.totals, r.totals);
    const factor = this.c.options.splitFactor;
    const blocksDiffering = new Set(differing.map((i) => Math.floor(i / factor))).size;
    await this.timed('bisectMs', () => this.resolveAll(rangesOf(bounds), differing, p.totals, r.totals));
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
   * Only what may have changed since the baseline: the keys of rows either side wrote since (by xmin),
   * compared key by key; and, per segment of the baseline's boundaries, the ids of the rows neither
   * side changed, compared as one sum per side — a segment where they differ lost a row on one side
   * only (a delete that leaves no row behind to be found) and is compared in full. Returns the reason
   * instead when a full comparison is needed.
   */
  async incremental(baseline: Baseline): Promise<EntityOutcome | { fallback: string }> {
    const t0 = Date.now();
    const { provider, partner, providerTable: pt, partnerTable: rt } = this.c;
    const [tp, tr] = await Promise.all([changeThreshold(provider, baseline.providerSnapshot), changeThreshold(partner, baseline.partnerSnapshot)]);
    if (tp.distance > MAX_XID_DISTANCE || tr.distance > MAX_XID_DISTANCE) return { fallback: 'more than 2^31 transactions since the baseline' };
    const bounds = [...baseline.boundaries];
    const cap = this.c.options.maxChangedKeys;
    const [cp, cr] = await this.timed('changesMs', () =>
      Promise.all([this.scanChanges(provider, pt, bounds, tp.age, cap), rt.exists ? this.scanChanges(partner, rt, bounds, tr.age, cap) : emptyChangeScan(bounds.length + 1)]),
    );
    if (cp.overflow || cr.overflow || cp.changedCount + cr.changedCount > cap) {
      return { fallback: `${cp.changedCount + cr.changedCount} rows changed since the baseline (more than ${cap}): a full comparison is cheaper` };
    }
    const keys = [...new Set([...cp.changed, ...cr.changed])].sort();
    this.progress('keys', 0, keys.length);
    const [sp, sr] = await this.timed('keysMs', () => Promise.all([keyStates(provider, pt, keys, tp.age), keyStates(partner, rt, keys, tr.age)]));
    this.hashed.provider += sp.size;
    this.hashed.partner += sr.size;
    // The rows either side changed are compared key by key below: take them out of the other side's
    // unchanged sums too, so the sums compare exactly the rows neither side touched.
    subtractKeys(cp.unchanged, sp, keys, bounds);
    subtractKeys(cr.unchanged, sr, keys, bounds);
    const dirty = differingRanges(cp.unchanged, cr.unchanged);
    const dirtySet = new Set(dirty);
    for (const key of keys) {
      if (dirtySet.has(rangeIndex(bounds, key))) continue;
      const p = sp.get(key);
      const r = sr.get(key);
      const cls = classifyKey(p?.shared ? p.rowHash : null, r ? r.rowHash : null);
      if (cls) this.log.add(cls, 1, [key]);
    }
    this.progress('keys', keys.length, keys.length);
    const factor = baseline.splitFactor;
    await this.timed('bisectMs', () => this.resolveAll(rangesOf(bounds), dirty, cp.current, cr.current));
    await this.timed('fieldsMs', () => this.describeDifferences());
    return this.outcome({
      mode: 'incremental',
      baselineRunId: baseline.runId,
      fallbackReason: null,
      bounds,
      blocks: Math.ceil((bounds.length + 1) / factor),
      blocksDiffering: new Set(dirty.map((i) => Math.floor(i / factor))).size,
      sourceRows: totalCount(cp.current),
      partnerRows: totalCount(cr.current),
      // Rows per reporting unit come from full runs: this pass counts changes, not units.
      units: null,
      changedKeys: keys.length,
      scanned: { provider: totalCount(cp.current), partner: totalCount(cr.current) },
      t0,
    });
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
    const [p, r] = await Promise.all([side(provider, pt, pc, pt.pages), rt.exists ? side(partner, rt, rc, rt.pages) : { totals: emptyTotals(bounds.length + 1), units: new Map() }]);
    this.hashed.provider += totalCount(p.totals);
    this.hashed.partner += totalCount(r.totals);
    return [p, r];
  }

  private async scanChanges(s: SideSession, t: SideTable, bounds: readonly string[], threshold: number, cap: number): Promise<ChangeScan> {
    const into = emptyChangeScan(bounds.length + 1);
    const chunks = pageChunks(t.pages, this.c.options.chunksPerTable);
    let done = 0;
    await Promise.all(
      chunks.map(async (chunk) => {
        if (!into.overflow) await chunkChanges(s, t, bounds, threshold, chunk, cap, into);
        done += chunkPages(chunk, t.pages);
        this.progress('changes', done, t.pages);
      }),
    );
    return into;
  }

  private async resolveAll(ranges: readonly KeyRange[], indexes: readonly number[], p: readonly RangeTotals[], r: readonly RangeTotals[]): Promise<void> {
    this.segmentsDiffering += indexes.length;
    let done = 0;
    this.progress('bisect', 0, indexes.length);
    await Promise.all(
      indexes.map(async (i) => {
        await this.resolve(ranges[i], p[i].count, r[i].count);
        this.progress('bisect', ++done, indexes.length);
      }),
    );
  }

  /**
   * Finds the differing keys of a range whose totals differ: a side with no row there makes every key
   * of the other side missing or extra; a small range is compared key by key; a larger one is cut into
   * `splitFactor` parts at quantiles of its keys, whose totals are compared in turn.
   */
  private async resolve(range: KeyRange, nProvider: number, nPartner: number): Promise<void> {
    const { provider, partner, providerTable: pt, partnerTable: rt, options } = this.c;
    if (nPartner === 0 || !rt.exists) {
      if (nProvider > 0) this.log.add('missing', nProvider, this.log.room > 0 ? await rangeKeys(provider, pt, range, this.log.room) : []);
      return;
    }
    if (nProvider === 0) {
      this.log.add('extra', nPartner, this.log.room > 0 ? await rangeKeys(partner, rt, range, this.log.room) : []);
      return;
    }
    if (Math.max(nProvider, nPartner) > options.rowCompareLimit) {
      const cuts = nPartner > nProvider ? await rangeQuantiles(partner, rt, range, options.splitFactor) : await rangeQuantiles(provider, pt, range, options.splitFactor);
      if (cuts.length > 0) {
        const [tp, tr] = await Promise.all([rangeTotals(provider, pt, range, cuts), rangeTotals(partner, rt, range, cuts)]);
        this.hashed.provider += nProvider;
        this.hashed.partner += nPartner;
        const sub = rangesOf(cuts, range);
        const differing = differingRanges(tp, tr);
        await Promise.all(differing.map((i) => this.resolve(sub[i], tp[i].count, tr[i].count)));
        return;
      }
    }
    const [kp, kr] = await Promise.all([rangeKeyHashes(provider, pt, range), rangeKeyHashes(partner, rt, range)]);
    this.hashed.provider += kp.length;
    this.hashed.partner += kr.length;
    for (const d of compareKeyHashes(kp, kr)) this.log.add(d.class, 1, [d.id]);
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
      splitFactor: this.c.options.splitFactor,
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

/** Takes the rows of `keys` that a side counted as unchanged out of that side's block sums. */
function subtractKeys(unchanged: RangeTotals[], states: ReadonlyMap<string, KeyState>, keys: readonly string[], bounds: readonly string[]): void {
  for (const key of keys) {
    const s = states.get(key);
    if (!s || !s.shared || s.changed) continue;
    const t = unchanged[rangeIndex(bounds, key)];
    t.count -= 1;
    t.sum -= BigInt(s.idHash);
  }
}

function mergeUnits(p: UnitCounts, r: UnitCounts, shared: boolean): UnitFigures[] | null {
  if (!shared) return null;
  const units = [...new Set([...p.keys(), ...r.keys()])].sort();
  return units.map((u) => ({ unit: u === '' ? null : u, sourceRows: p.get(u) ?? 0, partnerRows: r.get(u) ?? 0 }));
}
