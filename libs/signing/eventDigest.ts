import { createHash } from 'crypto';

/**
 * What a signature vouches for: the topic, the key bytes, the value bytes (absent for a tombstone)
 * and every header that carries meaning. Each part is length-prefixed so no two different events
 * can serialise to the same bytes.
 */
export interface SignedEventParts {
  topic: string;
  key: Buffer;
  value: Buffer | null;
  /** Header name → value; the proof headers themselves are not part of the digest. */
  headers: Readonly<Record<string, string>>;
}

const TAG = Buffer.from('thahs-event-v1');

export function eventDigest(e: SignedEventParts): Buffer {
  const h = createHash('sha256').update(TAG);
  const part = (b: Buffer): void => {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(b.length, 0);
    h.update(len).update(b);
  };
  part(Buffer.from(e.topic, 'utf8'));
  part(e.key);
  if (e.value === null) h.update(Buffer.from([0]));
  else {
    h.update(Buffer.from([1]));
    part(e.value);
  }
  const names = Object.keys(e.headers).sort();
  const count = Buffer.allocUnsafe(4);
  count.writeUInt32BE(names.length, 0);
  h.update(count);
  for (const n of names) {
    part(Buffer.from(n, 'utf8'));
    part(Buffer.from(e.headers[n], 'utf8'));
  }
  return h.digest();
}
