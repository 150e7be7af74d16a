import fc from 'fast-check';
import { boundsOfRanges, contains, cutFractions, evenCuts, normaliseBoundaries, rangeCount, rangeIndex, rangesOf } from './keyRanges';

const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const uuidArb = fc.uuid().map((u) => u.toLowerCase());

describe('key ranges', () => {
  it('cuts n + 1 ranges that cover the key space without overlap, as width_bucket numbers them', () => {
    fc.assert(
      fc.property(fc.uniqueArray(uuidArb, { maxLength: 40 }), fc.array(uuidArb, { maxLength: 40 }), (raw, keys) => {
        const bounds = normaliseBoundaries(raw);
        const ranges = rangesOf(bounds);
        expect(ranges).toHaveLength(bounds.length + 1);
        for (const k of keys) {
          const holding = ranges.map((r, i) => (contains(r, k) ? i : -1)).filter((i) => i >= 0);
          expect(holding).toEqual([rangeIndex(bounds, k)]);
          // width_bucket: the number of boundaries not above the key
          expect(rangeIndex(bounds, k)).toBe(bounds.filter((b) => b <= k).length);
        }
      }),
    );
  });

  it('puts a boundary key in the range it opens', () => {
    const bounds = [uuid(10), uuid(20)];
    expect(rangeIndex(bounds, uuid(9))).toBe(0);
    expect(rangeIndex(bounds, uuid(10))).toBe(1);
    expect(rangeIndex(bounds, uuid(19))).toBe(1);
    expect(rangeIndex(bounds, uuid(20))).toBe(2);
    expect(rangesOf(bounds)).toEqual([
      { lo: null, hi: uuid(10) },
      { lo: uuid(10), hi: uuid(20) },
      { lo: uuid(20), hi: null },
    ]);
  });

  it('cuts inside an outer range and refuses boundaries outside it or out of order', () => {
    const outer = { lo: uuid(10), hi: uuid(20) };
    expect(rangesOf([uuid(15)], outer)).toEqual([
      { lo: uuid(10), hi: uuid(15) },
      { lo: uuid(15), hi: uuid(20) },
    ]);
    expect(() => rangesOf([uuid(25)], outer)).toThrow(/not inside/);
    expect(() => rangesOf([uuid(10)], outer)).toThrow(/not inside|ascending/);
    expect(() => rangesOf([uuid(16), uuid(12)], outer)).toThrow(/ascending/);
  });

  it('sorts, deduplicates and checks boundaries', () => {
    expect(normaliseBoundaries([uuid(3), uuid(1), uuid(3)])).toEqual([uuid(1), uuid(3)]);
    expect(() => normaliseBoundaries(['6F1C1D5E-1111-4AAA-8BBB-000000000002'])).toThrow(/canonical/);
  });

  it('counts ranges and fractions', () => {
    expect(rangeCount(0, 3125)).toBe(1);
    expect(rangeCount(10_000_000, 3125)).toBe(3200);
    expect(cutFractions(4)).toEqual([0.25, 0.5, 0.75]);
    expect(cutFractions(1)).toEqual([]);
    expect(() => rangeCount(10, 0)).toThrow();
  });
});

describe('cuts and bucket lists for bisection passes', () => {
  it('cuts a range into parts of equal width, strictly inside it', () => {
    const cuts = evenCuts({ lo: null, hi: null }, 4);
    expect(cuts).toEqual(['40000000-0000-0000-0000-000000000000', '80000000-0000-0000-0000-000000000000', 'c0000000-0000-0000-0000-000000000000']);
    const narrow = evenCuts({ lo: uuid(1), hi: uuid(3) }, 32);
    expect(narrow).toEqual([uuid(2)]);
    expect(evenCuts({ lo: uuid(1), hi: uuid(2) }, 32)).toEqual([]);
    fc.assert(
      fc.property(uuidArb, uuidArb, fc.integer({ min: 2, max: 64 }), (a, b, parts) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const r = { lo, hi };
        const c = evenCuts(r, parts);
        expect(c.length).toBeLessThan(parts);
        expect(() => rangesOf(c, r)).not.toThrow();
      }),
    );
  });

  it('makes one boundary list whose buckets are exactly the given ranges', () => {
    const ranges = [
      { lo: null, hi: uuid(5) },
      { lo: uuid(8), hi: uuid(9) },
      { lo: uuid(9), hi: uuid(12) },
      { lo: uuid(20), hi: null },
    ];
    const { bounds, buckets } = boundsOfRanges(ranges);
    expect(bounds).toEqual([uuid(5), uuid(8), uuid(9), uuid(12), uuid(20)]);
    expect(buckets).toEqual([0, 2, 3, 5]);
    for (const [i, r] of ranges.entries()) for (const k of [r.lo ?? uuid(0), r.hi === null ? uuid(99) : null]) if (k) expect(rangeIndex(bounds, k)).toBe(buckets[i]);
    expect(() =>
      boundsOfRanges([
        { lo: uuid(1), hi: uuid(5) },
        { lo: uuid(3), hi: uuid(9) },
      ]),
    ).toThrow(/overlap/);
  });
});
