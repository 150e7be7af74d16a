import { randomUUID } from 'crypto';
import fc from 'fast-check';
import { bucketCount, KeyBuckets } from './keyBuckets';

describe('incremental key buckets', () => {
  it("keeps a bucket within 1/64 of a re-compare's rows per side, a power of two, at least 16", () => {
    expect(bucketCount(100, 200_000)).toBe(16);
    // 10M rows with the default 200,000 rows fetched: 4,096 buckets of ~2,440 rows (was 32,768, whose
    // groups cost most of the change pass).
    expect(bucketCount(10_001_000, 200_000)).toBe(4096);
    // Tiny fetches (the integration tests' 12 rows) get buckets of a row or less.
    expect(bucketCount(320, 12)).toBe(512);
    for (const [rows, fetch] of [
      [1, 1],
      [999, 12],
      [10_001_000, 200_000],
      [123_456_789, 50_000],
      [5_000, 200_000],
    ]) {
      const n = bucketCount(rows, fetch);
      expect(n & (n - 1)).toBe(0);
      expect(n).toBeGreaterThanOrEqual(16);
      const most = Math.max(1, Math.floor(fetch / 64));
      expect(rows / n).toBeLessThanOrEqual(most);
      if (n > 16) expect(rows / (n / 2)).toBeGreaterThan(most);
    }
  });

  it('numbers a key by its hash as PostgreSQL does (low bits of the two-complement int8)', () => {
    const h = KeyBuckets.of('hash', 4096);
    expect(h.of('k', '-1')).toBe(4095);
    expect(h.of('k', '-4096')).toBe(0);
    expect(h.of('k', '4097')).toBe(1);
    expect(KeyBuckets.of('hash', 16).of('k', '-9223372036854775808')).toBe(0);
    expect(() => h.range(1)).toThrow(RangeError);
  });

  it('numbers a key by its leading bits, and a prefix bucket is the key range of those bits', () => {
    const p = KeyBuckets.of('prefix', 4096);
    expect(p.of('00000000-0000-0000-0000-000000000000', '0')).toBe(0);
    expect(p.of('fff00000-0000-0000-0000-000000000000', '0')).toBe(4095);
    expect(p.of('000fffff-ffff-ffff-ffff-ffffffffffff', '0')).toBe(0);
    expect(KeyBuckets.of('prefix', 16).of('80000000-0000-0000-0000-000000000000', '0')).toBe(8);
    expect(KeyBuckets.of('prefix', 1 << 20).of('abcdef12-0000-0000-0000-000000000000', '0')).toBe(0xabcde);
    expect(p.range(0)).toEqual({ lo: null, hi: '00100000-0000-0000-0000-000000000000' });
    expect(p.range(4095)).toEqual({ lo: 'fff00000-0000-0000-0000-000000000000', hi: null });
    expect(p.range(0xabc)).toEqual({ lo: 'abc00000-0000-0000-0000-000000000000', hi: 'abd00000-0000-0000-0000-000000000000' });
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 4, max: 20 }), (key, k) => {
        const b = KeyBuckets.of('prefix', 2 ** k);
        const r = b.range(b.of(key, '0'));
        return (r.lo === null || key >= r.lo) && (r.hi === null || key < r.hi);
      }),
    );
  });

  it('uses prefix buckets only when the baseline boundaries spread evenly over the leading bits', () => {
    const random = Array.from({ length: 10_000 }, () => randomUUID()).sort();
    expect(KeyBuckets.choose(random, 10_001_000, 200_000)).toMatchObject({ kind: 'prefix', count: 4096 });
    // Legacy numbers carried into uuids: every key starts alike.
    const sequential = Array.from({ length: 10_000 }, (_, i) => `00000000-0000-0000-0000-${i.toString(16).padStart(12, '0')}`);
    expect(KeyBuckets.choose(sequential, 10_001_000, 200_000).kind).toBe('hash');
    // Time-ordered keys of a few months: a handful of leading bytes.
    const timeOrdered = Array.from({ length: 10_000 }, (_, i) => `0190${(0x1000 + Math.floor(i / 10)).toString(16)}-${randomUUID().slice(9)}`).sort();
    expect(KeyBuckets.choose(timeOrdered, 10_001_000, 200_000).kind).toBe('hash');
    // Too few boundaries to judge (a small table): hash.
    expect(KeyBuckets.choose(random.slice(0, 1000), 1_001_000, 200_000).kind).toBe('hash');
  });
});
