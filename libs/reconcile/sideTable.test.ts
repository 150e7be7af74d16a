import { chunkCondition, pageChunks, Params } from './sideTable';

describe('page chunks', () => {
  it('covers every page once, the last chunk open-ended', () => {
    expect(pageChunks(10, 3)).toEqual([
      { firstPage: 0, endPage: 4 },
      { firstPage: 4, endPage: 8 },
      { firstPage: 8, endPage: null },
    ]);
    expect(pageChunks(0, 64)).toEqual([{ firstPage: 0, endPage: null }]);
    expect(pageChunks(2, 64)).toEqual([
      { firstPage: 0, endPage: 1 },
      { firstPage: 1, endPage: null },
    ]);
  });

  it('writes TID range conditions with parameters', () => {
    const p = new Params();
    expect(chunkCondition(p, { firstPage: 0, endPage: null })).toBe('TRUE');
    expect(chunkCondition(p, { firstPage: 4, endPage: 8 })).toBe('t.ctid >= $1::tid AND t.ctid < $2::tid');
    expect(p.values).toEqual(['(4,0)', '(8,0)']);
  });
});
