import * as fc from 'fast-check';
import { comparePositions } from '../../libs/events';
import { reduceToNewest } from './batchReduction';

const ev = (id: string, lsn: bigint, index: number, tag = '') => ({ entity: 'person', id, position: { lsn, index }, tag });

describe('batch reduction', () => {
  it('keeps the newest change of each key by source position, not by arrival', () => {
    const items = [ev('a', 10n, 1, 'a1'), ev('b', 10n, 2, 'b1'), ev('a', 12n, 0, 'a2'), ev('a', 11n, 5, 'a-late-arrival')];
    const { newest, superseded } = reduceToNewest(items, (x) => x);
    expect(newest.map((x) => x.tag).sort()).toEqual(['a2', 'b1']);
    expect(superseded.map((x) => x.tag).sort()).toEqual(['a-late-arrival', 'a1']);
  });

  it('orders changes of one commit by their index in the transaction', () => {
    const { newest } = reduceToNewest([ev('a', 7n, 3, 'third'), ev('a', 7n, 1, 'first')], (x) => x);
    expect(newest.map((x) => x.tag)).toEqual(['third']);
  });

  it('treats keys of different entities and differently cased uuids correctly', () => {
    const items = [ev('ABC', 1n, 0, 'upper'), { ...ev('abc', 2n, 0, 'lower') }, { ...ev('abc', 1n, 0, 'judgment'), entity: 'judgment' }];
    const { newest } = reduceToNewest(items, (x) => x);
    expect(newest.map((x) => x.tag).sort()).toEqual(['judgment', 'lower']);
  });

  it('keeps the later copy of a redelivered change', () => {
    const { newest, superseded } = reduceToNewest([ev('a', 5n, 0, 'first copy'), ev('a', 5n, 0, 'second copy')], (x) => x);
    expect(newest.map((x) => x.tag)).toEqual(['second copy']);
    expect(superseded.map((x) => x.tag)).toEqual(['first copy']);
  });

  it('for any batch: one survivor per key, the maximum position, nothing lost', () => {
    const arb = fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), lsn: fc.bigInt({ min: 0n, max: 20n }), index: fc.integer({ min: 0, max: 5 }) }), { maxLength: 60 });
    fc.assert(
      fc.property(arb, (raw) => {
        const items = raw.map((r, i) => ({ entity: 'person', id: r.id, position: { lsn: r.lsn, index: r.index }, n: i }));
        const { newest, superseded } = reduceToNewest(items, (x) => x);
        expect(newest.length + superseded.length).toBe(items.length);
        expect(new Set(newest.map((x) => x.id)).size).toBe(newest.length);
        for (const w of newest) {
          for (const o of items.filter((x) => x.id === w.id)) expect(comparePositions(o.position, w.position)).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
