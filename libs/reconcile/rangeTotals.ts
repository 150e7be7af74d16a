/**
 * What one side says about one key range: how many rows, and the sum of their 64-bit hashes. Sums are
 * order-independent and additive, so totals of table chunks scanned separately (or in parallel) add up
 * to the totals of the whole range, and two sides agree on a range exactly when both numbers do
 * (barring a 2⁻⁶⁴ coincidence of sums).
 */
export interface RangeTotals {
  count: number;
  sum: bigint;
}

export const EMPTY_TOTALS: RangeTotals = Object.freeze({ count: 0, sum: 0n });

/** Row of an aggregate query: range (bucket) index, row count, hash sum as numeric text (null when no row). */
export interface TotalsRow {
  b: number;
  n: string | number;
  s: string | null;
}

/** A fresh array of `ranges` empty totals. */
export function emptyTotals(ranges: number): RangeTotals[] {
  return Array.from({ length: ranges }, () => ({ count: 0, sum: 0n }));
}

/** Adds the rows of one query (one chunk of a table) into `into`. */
export function addTotals(into: RangeTotals[], rows: readonly TotalsRow[]): void {
  for (const r of rows) {
    const t = into[r.b];
    if (t === undefined) throw new RangeError(`range ${r.b} is outside 0..${into.length - 1}`);
    t.count += Number(r.n);
    if (r.s !== null) t.sum += BigInt(r.s);
  }
}

export function sameTotals(a: RangeTotals, b: RangeTotals): boolean {
  return a.count === b.count && a.sum === b.sum;
}

/** Indexes of the ranges whose totals differ between the two sides. */
export function differingRanges(provider: readonly RangeTotals[], partner: readonly RangeTotals[]): number[] {
  if (provider.length !== partner.length) throw new RangeError(`the sides cut ${provider.length} and ${partner.length} ranges: boundaries must be the same`);
  const out: number[] = [];
  for (let i = 0; i < provider.length; i++) if (!sameTotals(provider[i], partner[i])) out.push(i);
  return out;
}

/** Totals of consecutive groups of `factor` ranges (block totals from segment totals). */
export function groupTotals(totals: readonly RangeTotals[], factor: number): RangeTotals[] {
  const out: RangeTotals[] = [];
  for (let i = 0; i < totals.length; i += factor) {
    const g = { count: 0, sum: 0n };
    for (const t of totals.slice(i, i + factor)) {
      g.count += t.count;
      g.sum += t.sum;
    }
    out.push(g);
  }
  return out;
}

export function totalCount(totals: readonly RangeTotals[]): number {
  return totals.reduce((n, t) => n + t.count, 0);
}
