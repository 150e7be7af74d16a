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

// The parts are laid out in one buffer and hashed once: one hash update per part costs more than the
// hashing. The buffer is kept (hashing is synchronous) and filled with TypedArray set and byte writes:
// Buffer.copy and writeUInt32BE calls into C++ per part cost about a quarter of the digest. The topic's
// bytes are kept for the last topic seen (events of one route come in runs).
const SCRATCH_MAX = 64 * 1024;
let scratch = Buffer.allocUnsafe(4096);
let lastTopic = '';
let lastTopicBytes = Buffer.alloc(0);

export function eventDigest(e: SignedEventParts): Buffer {
  if (e.topic !== lastTopic) {
    lastTopicBytes = Buffer.from(e.topic, 'utf8');
    lastTopic = e.topic;
  }
  const topic = lastTopicBytes;
  const size = TAG.length + 4 + topic.length + 4 + e.key.length + 1 + (e.value ? 4 + e.value.length : 0) + 4 + e.meta.length;
  if (scratch.length < size && size <= SCRATCH_MAX) scratch = Buffer.allocUnsafe(Math.min(2 * size, SCRATCH_MAX));
  // A larger event (a big value) gets a buffer of its own, so the module never keeps one that size.
  const buf = size <= scratch.length ? scratch : Buffer.allocUnsafe(size);
  buf.set(TAG, 0);
  let o = TAG.length;
  const bytes = (b: Uint8Array): void => {
    const n = b.length;
    buf[o] = n >>> 24;
    buf[o + 1] = (n >>> 16) & 0xff;
    buf[o + 2] = (n >>> 8) & 0xff;
    buf[o + 3] = n & 0xff;
    buf.set(b, o + 4);
    o += 4 + n;
  };
  bytes(topic);
  bytes(e.key);
  if (e.value === null) buf[o++] = 0;
  else {
    buf[o++] = 1;
    bytes(e.value);
  }
  bytes(e.meta);
  return hash('sha256', buf.subarray(0, o), 'buffer');
}
