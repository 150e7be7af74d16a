import { addTotals, differingRanges, emptyTotals, groupTotals, sameTotals, totalCount } from './rangeTotals';

describe('range totals', () => {
  it('adds chunk rows into ranges exactly, beyond 2^53', () => {
    const t = emptyTotals(3);
    addTotals(t, [
      { b: 0, n: '2', s: '9223372036854775807' },
      { b: 2, n: 1, s: '-5' },
    ]);
    addTotals(t, [{ b: 0, n: '1', s: '9223372036854775807' }]);
    expect(t[0]).toEqual({ count: 3, sum: 18446744073709551614n });
    expect(t[1]).toEqual({ count: 0, sum: 0n });
    expect(t[2]).toEqual({ count: 1, sum: -5n });
    expect(totalCount(t)).toBe(4);
    expect(() => addTotals(t, [{ b: 3, n: 1, s: '1' }])).toThrow(/outside/);
  });

  it('finds the ranges whose count or sum differ, and refuses different cuts', () => {
    const a = [
      { count: 1, sum: 5n },
      { count: 2, sum: 7n },
      { count: 0, sum: 0n },
    ];
    const b = [
      { count: 1, sum: 5n },
      { count: 2, sum: 8n },
      { count: 1, sum: 0n },
    ];
    expect(differingRanges(a, b)).toEqual([1, 2]);
    expect(differingRanges(a, a)).toEqual([]);
    expect(sameTotals(a[0], b[0])).toBe(true);
    expect(() => differingRanges(a, b.slice(1))).toThrow(/boundaries/);
  });

  it('groups consecutive ranges', () => {
    const t = [1, 2, 3, 4, 5].map((n) => ({ count: n, sum: BigInt(n * 10) }));
    expect(groupTotals(t, 2)).toEqual([
      { count: 3, sum: 30n },
      { count: 7, sum: 70n },
      { count: 5, sum: 50n },
    ]);
  });
});
