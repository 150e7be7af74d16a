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

/**
 * The parts are laid out in one buffer and hashed once: a hash update per part cost more than the
 * hashing itself (about 50 small updates per event).
 */
export function eventDigest(e: SignedEventParts): Buffer {
  const names = Object.keys(e.headers).sort();
  const texts: string[] = [e.topic];
  for (const n of names) texts.push(n, e.headers[n]);
  let size = TAG.length + 4 + e.key.length + 1 + (e.value ? 4 + e.value.length : 0) + 4;
  for (const t of texts) size += 4 + Buffer.byteLength(t, 'utf8');
  const buf = Buffer.allocUnsafe(size);
  let o = TAG.copy(buf, 0);
  const text = (t: string): void => {
    const len = buf.write(t, o + 4, 'utf8');
    buf.writeUInt32BE(len, o);
    o += 4 + len;
  };
  const bytes = (b: Buffer): void => {
    buf.writeUInt32BE(b.length, o);
    o += 4 + b.copy(buf, o + 4);
  };
  text(texts[0]);
  bytes(e.key);
  if (e.value === null) buf[o++] = 0;
  else {
    buf[o++] = 1;
    bytes(e.value);
  }
  buf.writeUInt32BE(names.length, o);
  o += 4;
  for (let i = 1; i < texts.length; i++) text(texts[i]);
  return createHash('sha256').update(buf.subarray(0, o)).digest();
}
