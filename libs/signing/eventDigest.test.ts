import { createHash } from 'crypto';
import { eventDigest } from './eventDigest';

/** The digest layout is a wire contract between ministries: pin it to an independent construction. */
function reference(topic: string, key: Buffer, value: Buffer | null, meta: Buffer): Buffer {
  const h = createHash('sha256').update('thahs-event-v2');
  const part = (b: Buffer): void => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len).update(b);
  };
  part(Buffer.from(topic));
  part(key);
  if (value === null) h.update(Buffer.from([0]));
  else {
    h.update(Buffer.from([1]));
    part(value);
  }
  part(meta);
  return h.digest();
}

describe('eventDigest', () => {
  const key = Buffer.from([0, 0, 0, 0, 7, 1, 2]);
  const meta = Buffer.from('Trại giam Thủ Đức', 'utf8');

  it('matches the documented layout, with non-ASCII text and tombstones', () => {
    expect(eventDigest({ topic: 'thahs.qdnd.person', key, value: Buffer.from('v'), meta })).toEqual(reference('thahs.qdnd.person', key, Buffer.from('v'), meta));
    expect(eventDigest({ topic: 'thành', key, value: null, meta: Buffer.alloc(0) })).toEqual(reference('thành', key, null, Buffer.alloc(0)));
  });

  it('matches the layout for values of every size, before and after a large one (the kept buffer grows, a very large event gets its own)', () => {
    const value = (n: number): Buffer => Buffer.alloc(n, n % 251);
    for (const n of [0, 10, 5000, 40_000, 200_000, 10, 70_000, 3]) {
      const topic = n % 2 ? 'thahs.cand.a.person' : 'thahs.cand.b.judgment';
      expect(eventDigest({ topic, key, value: value(n), meta })).toEqual(reference(topic, key, value(n), meta));
    }
  });

  it('tells apart events whose parts only shift bytes between fields', () => {
    const a = eventDigest({ topic: 't', key: Buffer.from('ab'), value: Buffer.from('c'), meta });
    const b = eventDigest({ topic: 't', key: Buffer.from('a'), value: Buffer.from('bc'), meta });
    const tomb = eventDigest({ topic: 't', key: Buffer.from('ab'), value: null, meta });
    const empty = eventDigest({ topic: 't', key: Buffer.from('ab'), value: Buffer.alloc(0), meta });
    expect(new Set([a, b, tomb, empty].map((d) => d.toString('hex'))).size).toBe(4);
  });
});
