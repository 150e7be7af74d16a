import type { ICustomPartitioner } from 'kafkajs';

/**
 * Kafka's murmur2 (the Java client's Utils.murmur2) on 32-bit integers. kafkajs's own version does
 * the same arithmetic on emulated 64-bit Long objects and took ~6 % of the producer's CPU; this one
 * must give the same partition for every key, or a key's events would change partition — and lose
 * their order — when a producer is upgraded (a unit test compares the two on random keys).
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest >= 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[tail], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * kafkajs's DefaultPartitioner (Java-compatible) for keyed messages: partition = positive murmur2 of
 * the key bytes modulo the topic's partition count. Every exchanged event has a key; an unkeyed
 * message is a programming error here, not something to spread round-robin.
 */
export const KeyPartitioner: ICustomPartitioner =
  () =>
  ({ topic, partitionMetadata, message }) => {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const key = message.key;
    if (key === null || key === undefined) throw new Error(`unkeyed message for ${topic}: exchanged events are always keyed`);
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    return (murmur2(bytes) & 0x7fffffff) % partitionMetadata.length;
  };
