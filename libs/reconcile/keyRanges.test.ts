import fc from 'fast-check';
import { blockBoundaries, contains, cutFractions, normaliseBoundaries, rangeCount, rangeIndex, rangesOf, segmentBoundariesOfBlock } from './keyRanges';

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

  it('groups segments into blocks: segment s lies in block floor(s / factor)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 40 }), (n, factor) => {
        const seg = Array.from({ length: n }, (_, i) => uuid(i + 1));
        const blocks = blockBoundaries(seg, factor);
        for (let s = 0; s <= n; s++) {
          const key = s === 0 ? uuid(0) : seg[s - 1];
          expect(rangeIndex(blocks, key)).toBe(Math.floor(rangeIndex(seg, key) / factor));
        }
        // the inner boundaries of each block cut it into its segments again
        let count = 0;
        for (let b = 0; b <= blocks.length; b++) count += segmentBoundariesOfBlock(seg, factor, b).length + 1;
        expect(count).toBe(n + 1);
      }),
    );
  });

  it('counts ranges and fractions', () => {
    expect(rangeCount(0, 3125)).toBe(1);
    expect(rangeCount(10_000_000, 3125)).toBe(3200);
    expect(cutFractions(4)).toEqual([0.25, 0.5, 0.75]);
    expect(cutFractions(1)).toEqual([]);
    expect(() => rangeCount(10, 0)).toThrow();
  });
});
