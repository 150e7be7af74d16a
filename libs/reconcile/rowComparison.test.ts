import fc from 'fast-check';
import { classifyKey, compareKeyHashes, differingFields, entityFigures, type KeyHash } from './rowComparison';

const key = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe('row comparison', () => {
  it('classifies keys present on one side only as missing or extra, and unequal hashes as different', () => {
    const p: KeyHash[] = [
      { id: key(1), hash: '1' },
      { id: key(2), hash: '2' },
      { id: key(4), hash: '4' },
    ];
    const r: KeyHash[] = [
      { id: key(2), hash: '-2' },
      { id: key(3), hash: '3' },
      { id: key(4), hash: '4' },
    ];
    expect(compareKeyHashes(p, r)).toEqual([
      { id: key(1), class: 'missing' },
      { id: key(2), class: 'different' },
      { id: key(3), class: 'extra' },
    ]);
  });

  it('agrees with a per-key classification for any two key sets', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.integer({ min: 0, max: 60 }).map(String), fc.tuple(fc.option(fc.integer({ min: 0, max: 2 })), fc.option(fc.integer({ min: 0, max: 2 })))),
        (d) => {
          const entries = Object.entries(d)
            .map(([k, v]) => [key(Number(k)), v] as const)
            .sort(([a], [b]) => (a < b ? -1 : 1));
          const p = entries.filter(([, [a]]) => a !== null).map(([id, [a]]) => ({ id, hash: String(a) }));
          const r = entries.filter(([, [, b]]) => b !== null).map(([id, [, b]]) => ({ id, hash: String(b) }));
          const expected = entries
            .map(([id, [a, b]]) => ({ id, class: classifyKey(a === null ? null : String(a), b === null ? null : String(b)) }))
            .filter((x) => x.class !== null);
          expect(compareKeyHashes(p, r)).toEqual(expected);
        },
      ),
    );
  });

  it('refuses lists that are not ascending (a comparison over unordered rows would be wrong)', () => {
    expect(() =>
      compareKeyHashes(
        [
          { id: key(2), hash: '1' },
          { id: key(1), hash: '1' },
        ],
        [],
      ),
    ).toThrow(/ascending/);
  });

  it('names the fields whose hashes differ, in field order', () => {
    expect(differingFields(['id', 'a', 'b'], ['1', '2', '3'], ['1', '9', '3'])).toEqual(['a']);
    expect(() => differingFields(['id'], ['1', '2'], ['1'])).toThrow();
  });

  it('derives the figures and refuses counts that do not add up', () => {
    expect(entityFigures(10, 9, { missing: 2, extra: 1, different: 3 })).toEqual({ missing: 2, extra: 1, different: 3, checked: 11, matched: 5, sourceRows: 10, partnerRows: 9 });
    expect(() => entityFigures(10, 10, { missing: 2, extra: 1, different: 3 })).toThrow(/inconsistent/);
  });
});
