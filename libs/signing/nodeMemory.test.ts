import { randomBytes } from 'crypto';
import { NodeMemory, VouchIds } from './nodeMemory';

describe('NodeMemory', () => {
  it('vouches only for the exact 32 bytes under the exact voucher they were remembered with', () => {
    const m = new NodeMemory(1024);
    const node = randomBytes(32);
    const framed = Buffer.concat([randomBytes(8), node, randomBytes(5)]);
    expect(m.has(node, 0, 7)).toBe(false);
    m.remember(framed, 8, 7);
    expect(m.has(node, 0, 7)).toBe(true);
    expect(m.has(framed, 8, 7)).toBe(true);
    expect(m.has(node, 0, 8)).toBe(false);
    for (const i of [0, 4, 31]) {
      const other = Buffer.from(node);
      other[i] ^= 1;
      expect(m.has(other, 0, 7)).toBe(false);
    }
  });

  it('a node taking an occupied slot evicts the older one, which is then unknown, not confused', () => {
    const m = new NodeMemory(4);
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    a[0] = 0; // both in slot 0 of 4
    b[0] = 0;
    b[1] = 0;
    b[2] = 0;
    b[3] = 0;
    a[1] = 0;
    a[2] = 0;
    a[3] = 0;
    m.remember(a, 0, 1);
    m.remember(b, 0, 1);
    expect(m.has(b, 0, 1)).toBe(true);
    expect(m.has(a, 0, 1)).toBe(false);
    expect(m.count()).toBe(1);
    m.forgetAll();
    expect(m.has(b, 0, 1)).toBe(false);
    expect(m.count()).toBe(0);
  });
});

describe('VouchIds', () => {
  it('one id per (key id, signature) pair, whatever buffer the signature arrives in', () => {
    const ids = new VouchIds(() => undefined);
    const sig = randomBytes(64);
    const a = ids.idOf('cand-1', sig);
    expect(ids.idOf('cand-1', Buffer.from(sig))).toBe(a);
    expect(ids.idOf('cand-2', sig)).not.toBe(a);
    const other = Buffer.from(sig);
    other[63] ^= 1;
    const b = ids.idOf('cand-1', other);
    expect(b).not.toBe(a);
    expect(ids.idOf('cand-1', sig)).toBe(a);
    expect(a).toBeGreaterThan(0);
  });

  it('a pair forgotten past the limit gets a new id; running out of ids forgets every node', () => {
    let exhausted = 0;
    const ids = new VouchIds(() => exhausted++, 2);
    const s = [randomBytes(64), randomBytes(64), randomBytes(64)];
    const first = ids.idOf('k', s[0]);
    ids.idOf('k', s[1]);
    ids.idOf('k', s[2]);
    expect(ids.idOf('k', s[0])).not.toBe(first);
    (ids as unknown as { next: number }).next = 0x7fffffff;
    const wrapped = ids.idOf('k', randomBytes(64));
    expect(exhausted).toBe(1);
    expect(wrapped).toBe(1);
  });
});
