import { hash } from 'crypto';

/**
 * What a signature vouches for: the topic, the key bytes, the value bytes (absent for a tombstone) and
 * the exact bytes of the meta at the start of the thahs.event header (operation, position, times, ministry,
 * entity, key id).
 * Each part is length-prefixed so no two different events can serialise to the same bytes.
 */
export interface SignedEventParts {
  topic: string;
  key: Buffer;
  value: Buffer | null;
  meta: Buffer;
}

const TAG = Buffer.from('thahs-event-v2');

/** The parts are laid out in one buffer and hashed once: one hash update per part costs more than the hashing. */
export function eventDigest(e: SignedEventParts): Buffer {
  const topicLen = Buffer.byteLength(e.topic, 'utf8');
  const size = TAG.length + 4 + topicLen + 4 + e.key.length + 1 + (e.value ? 4 + e.value.length : 0) + 4 + e.meta.length;
  const buf = Buffer.allocUnsafe(size);
  let o = TAG.copy(buf, 0);
  o = buf.writeUInt32BE(topicLen, o);
  o += buf.write(e.topic, o, 'utf8');
  const bytes = (b: Buffer): void => {
    o = buf.writeUInt32BE(b.length, o);
    o += b.copy(buf, o);
  };
  bytes(e.key);
  if (e.value === null) buf[o++] = 0;
  else {
    buf[o++] = 1;
    bytes(e.value);
  }
  bytes(e.meta);
  return hash('sha256', buf, 'buffer');
}
