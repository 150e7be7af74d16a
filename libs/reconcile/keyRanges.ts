/**
 * Ranges of primary keys (uuids), cut at the same boundaries on both sides. A list of n ascending
 * boundaries cuts the key space into n + 1 ranges: range 0 below the first boundary, range i from
 * boundary i − 1 (inclusive) to boundary i (exclusive), range n from the last boundary up. That is
 * PostgreSQL's `width_bucket(id, boundaries)`, whose bucket number is the range index.
 *
 * Keys are compared as their canonical lower-case text: with the hyphens at fixed places, text order
 * is the byte order PostgreSQL's uuid comparison and its index use.
 */
export interface KeyRange {
  /** Inclusive lower bound; null: unbounded. */
  lo: string | null;
  /** Exclusive upper bound; null: unbounded. */
  hi: string | null;
}

export const WHOLE_KEY_SPACE: KeyRange = { lo: null, hi: null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isCanonicalUuid(s: string): boolean {
  return UUID.test(s);
}

/** Sorted, without repeats, every entry a canonical uuid; throws on anything else. */
export function normaliseBoundaries(bounds: readonly string[]): string[] {
  const out: string[] = [];
  for (const b of [...bounds].sort()) {
    if (!isCanonicalUuid(b)) throw new RangeError(`boundary ${JSON.stringify(b)} is not a canonical uuid`);
    if (out[out.length - 1] !== b) out.push(b);
  }
  return out;
}

/** The n + 1 ranges cut by `bounds` inside `outer` (every boundary must lie inside it). */
export function rangesOf(bounds: readonly string[], outer: KeyRange = WHOLE_KEY_SPACE): KeyRange[] {
  const out: KeyRange[] = [];
  let lo = outer.lo;
  for (const b of bounds) {
    if (!contains(outer, b) || (lo !== null && b <= lo)) throw new RangeError(`boundary ${b} is not inside the range or not ascending`);
    out.push({ lo, hi: b });
    lo = b;
  }
  out.push({ lo, hi: outer.hi });
  return out;
}

export function contains(r: KeyRange, key: string): boolean {
  return (r.lo === null || key >= r.lo) && (r.hi === null || key < r.hi);
}

/** Index of the range of `key` among those cut by `bounds` (what width_bucket answers). */
export function rangeIndex(bounds: readonly string[], key: string): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `parts − 1` fractions for percentile_disc that cut a sorted population into `parts` parts of about
 * equal size (empty when parts ≤ 1).
 */
export function cutFractions(parts: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < parts; i++) out.push(i / parts);
  return out;
}

/** How many ranges of about `rowsPerRange` rows `rows` rows make (at least one). */
export function rangeCount(rows: number, rowsPerRange: number): number {
  if (!(rowsPerRange >= 1)) throw new RangeError(`rowsPerRange must be ≥ 1, got ${rowsPerRange}`);
  return Math.max(1, Math.ceil(rows / rowsPerRange));
}

/** Text of a range for logs and errors (keys are opaque ids, never personal data). */
export function describeRange(r: KeyRange): string {
  return `[${r.lo ?? '-∞'}, ${r.hi ?? '+∞'})`;
}

const SPACE = 1n << 128n;

function uuidToBigInt(u: string): bigint {
  return BigInt(`0x${u.replace(/-/g, '')}`);
}

function bigIntToUuid(n: bigint): string {
  const h = n.toString(16).padStart(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * `parts − 1` keys cutting a range into parts of equal width in the 128-bit key space (fewer when the
 * range is too narrow). Needs no look at the data, so every differing range of a bisection step is cut
 * without a query; a cut that lands where the keys cluster is cut again at the next step.
 */
export function evenCuts(r: KeyRange, parts: number): string[] {
  const lo = r.lo === null ? 0n : uuidToBigInt(r.lo);
  const hi = r.hi === null ? SPACE : uuidToBigInt(r.hi);
  const out: string[] = [];
  for (let k = 1n; k < BigInt(parts); k++) {
    const cut = lo + ((hi - lo) * k) / BigInt(parts);
    if (cut > lo && cut < hi && (out.length === 0 || cut > uuidToBigInt(out[out.length - 1]))) out.push(bigIntToUuid(cut));
  }
  return out;
}

/**
 * One boundary list for several disjoint ranges: the sorted endpoints of all of them. Returns the list
 * and, for each range, the index of the bucket (width_bucket) that is exactly that range.
 */
export function boundsOfRanges(ranges: readonly KeyRange[]): { bounds: string[]; buckets: number[] } {
  const ends = new Set<string>();
  for (const r of ranges) {
    if (r.lo !== null) ends.add(r.lo);
    if (r.hi !== null) ends.add(r.hi);
  }
  const bounds = [...ends].sort();
  const buckets = ranges.map((r) => (r.lo === null ? 0 : rangeIndex(bounds, r.lo)));
  ranges.forEach((r, i) => {
    const hiIndex = r.hi === null ? bounds.length : bounds.indexOf(r.hi);
    if (hiIndex !== buckets[i]) throw new RangeError(`ranges overlap at ${describeRange(r)}`);
  });
  return { bounds, buckets };
}
