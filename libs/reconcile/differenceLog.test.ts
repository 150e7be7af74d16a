import { DifferenceLog } from './differenceLog';

describe('difference log', () => {
  it('counts every difference and records keys up to its limit', () => {
    const log = new DifferenceLog(2);
    log.add('missing', 10, ['b', 'a', 'c']);
    log.add('extra', 1, ['d']);
    expect(log.counts).toEqual({ missing: 10, extra: 1, different: 0 });
    expect(log.list().map((d) => d.key)).toEqual(['a', 'b']);
    expect(log.truncated).toBe(true);
    expect(log.room).toBe(0);
  });

  it('refuses to count a key twice and counts fields of different rows', () => {
    const log = new DifferenceLog(10);
    log.add('different', 2, ['a', 'b']);
    log.get('a')!.fields = ['x', 'y'];
    log.get('b')!.fields = ['y'];
    expect(log.fieldCounts()).toEqual({ x: 1, y: 2 });
    expect(log.truncated).toBe(false);
    expect(() => log.add('extra', 1, ['a'])).toThrow(/twice/);
  });
});
