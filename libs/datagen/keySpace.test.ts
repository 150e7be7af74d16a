import { KeySpace } from './keySpace';
import { Prng } from './prng';

describe('KeySpace slots', () => {
  it('hands out the same numbers as before with one slot', () => {
    const ks = new KeySpace();
    expect([ks.nextCaseNo('u', 2026), ks.nextCaseNo('u', 2026), ks.nextCaseNo('u', 2027)]).toEqual([1, 2, 1]);
    const lane1 = new KeySpace(1, 2);
    expect([lane1.nextCaseNo('u', 2026), lane1.nextCaseNo('u', 2026)]).toEqual([1, 3]);
  });

  it('keeps runs in different slots apart even when both loaded the same database state', () => {
    const loaded = new KeySpace().snapshot();
    const a = KeySpace.fromSnapshot({ ...loaded, slot: 0, slots: 16 });
    const b = KeySpace.fromSnapshot({ ...loaded, slot: 5, slots: 16 });
    // Lanes of one run (the seed's threads) subdivide its slot.
    const b1 = KeySpace.fromSnapshot({ ...loaded, slot: 5, slots: 16 }, 0, 3);
    const b2 = KeySpace.fromSnapshot({ ...loaded, slot: 5, slots: 16 }, 1, 3);
    const numbers = (ks: KeySpace) => Array.from({ length: 200 }, () => ks.nextCaseNo('unit', 2026));
    const na = numbers(a);
    const nb = numbers(b);
    expect(new Set([...na, ...nb]).size).toBe(400);
    const [n1, n2] = [numbers(b1), numbers(b2)];
    expect(new Set([...n1, ...n2]).size).toBe(400);
    expect([...n1, ...n2].every((n) => n % 16 === 5)).toBe(true);
    expect(na.every((n) => n % 16 === 0) && nb.every((n) => n % 16 === 5)).toBe(true);
    const serials = (ks: KeySpace, seed: number) => {
      const rng = new Prng(seed, 1, 1, 0);
      return Array.from({ length: 500 }, () => ks.nationalSerial(rng));
    };
    const sa = new Set(serials(a, 1));
    expect(serials(b, 1).some((x) => sa.has(x))).toBe(false);
  });

  it('starts above what the database held when it loaded', () => {
    const ks = KeySpace.fromSnapshot({ nationalIds: new Float64Array(), enterpriseCodes: [], counters: [['case', 'unit', 2026, 40]], slot: 3, slots: 16 });
    expect(ks.nextCaseNo('unit', 2026)).toBe(51);
  });

  it('refuses a slot outside the range', () => {
    expect(() => new KeySpace(0, 1, 16, 16)).toThrow(/slot 16 of 16/);
  });
});
