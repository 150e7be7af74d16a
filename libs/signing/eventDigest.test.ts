import { createHash } from 'crypto';
import { eventDigest } from './eventDigest';

/** The digest layout is a wire contract between ministries: pin it to an independent construction. */
function reference(topic: string, key: Buffer, value: Buffer | null, headers: Record<string, string>): Buffer {
  const h = createHash('sha256').update('thahs-event-v1');
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
  const names = Object.keys(headers).sort();
  const n = Buffer.alloc(4);
  n.writeUInt32BE(names.length);
  h.update(n);
  for (const k of names) {
    part(Buffer.from(k));
    part(Buffer.from(headers[k]));
  }
  return h.digest();
}

describe('eventDigest', () => {
  it('matches the documented layout, with non-ASCII text, tombstones and header order ignored', () => {
    const headers = { 'thahs.op': 'u', 'thahs.ministry': 'qdnd', 'thahs.note': 'Trại giam Thủ Đức' };
    const key = Buffer.from([0, 0, 0, 0, 7, 1, 2]);
    expect(eventDigest({ topic: 'thahs.qdnd.person', key, value: Buffer.from('v'), headers })).toEqual(reference('thahs.qdnd.person', key, Buffer.from('v'), headers));
    expect(eventDigest({ topic: 't', key, value: null, headers: {} })).toEqual(reference('t', key, null, {}));
    const reordered = { 'thahs.note': 'Trại giam Thủ Đức', 'thahs.op': 'u', 'thahs.ministry': 'qdnd' };
    expect(eventDigest({ topic: 't', key, value: null, headers: reordered })).toEqual(eventDigest({ topic: 't', key, value: null, headers }));
  });
});
