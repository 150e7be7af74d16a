import { idBucket, idBuckets } from './changeQueries';

describe('incremental key buckets', () => {
  it("keeps a bucket within 1/64 of a re-compare's rows per side, a power of two, at least 16", () => {
    expect(idBuckets(100, 200_000)).toBe(16);
    // 10M rows with the default 200,000 rows fetched: 4,096 buckets of ~2,440 rows (was 32,768, whose
    // groups cost most of the change pass).
    expect(idBuckets(10_001_000, 200_000)).toBe(4096);
    // Tiny fetches (the integration tests' 12 rows) get buckets of a row or less.
    expect(idBuckets(320, 12)).toBe(512);
    for (const [rows, fetch] of [
      [1, 1],
      [999, 12],
      [10_001_000, 200_000],
      [123_456_789, 50_000],
      [5_000, 200_000],
    ]) {
      const n = idBuckets(rows, fetch);
      expect(n & (n - 1)).toBe(0);
      expect(n).toBeGreaterThanOrEqual(16);
      const most = Math.max(1, Math.floor(fetch / 64));
      expect(rows / n).toBeLessThanOrEqual(most);
      if (n > 16) expect(rows / (n / 2)).toBeGreaterThan(most);
    }
  });

  it('numbers a key as PostgreSQL does, with the low bits of the two-complement hash', () => {
    expect(idBucket('-1', 4096)).toBe(4095);
    expect(idBucket('-4096', 4096)).toBe(0);
    expect(idBucket('9223372036854775807', 16)).toBe(15);
    expect(idBucket('-9223372036854775808', 16)).toBe(0);
    expect(idBucket('4097', 4096)).toBe(1);
  });
});
