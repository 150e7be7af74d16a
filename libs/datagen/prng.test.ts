import { OrderedIds } from './orderedIds';
import { Prng, weighted } from './prng';

describe('Prng', () => {
  it('repeats a stream for the same seed and differs for another', () => {
    const a = new Prng(1, 2);
    const b = new Prng(1, 2);
    const c = new Prng(1, 3);
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs);
  });

  it('draws weighted choices in proportion', () => {
    const r = new Prng(9);
    const t = weighted([
      ['a', 1],
      ['b', 3],
    ] as const);
    let b = 0;
    for (let i = 0; i < 40_000; i++) if (r.pickWeighted(t) === 'b') b++;
    expect(b / 40_000).toBeGreaterThan(0.73);
    expect(b / 40_000).toBeLessThan(0.77);
  });

  it('makes valid v4 UUIDs', () => {
    const r = new Prng(3);
    for (let i = 0; i < 100; i++) expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('OrderedIds', () => {
  it('makes v8 UUIDs that sort by ordinal, then by creation order', () => {
    const r = new Prng(5);
    const ids: string[] = [];
    for (const ordinal of [7, 8, 300_000]) {
      const g = new OrderedIds(0xabc, ordinal, 0, r);
      for (let i = 0; i < 20; i++) ids.push(g.next());
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
