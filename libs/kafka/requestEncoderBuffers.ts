/**
 * kafkajs builds every produce request in growing buffers: a 512-byte Encoder per record, then each
 * record copied into the batch's Encoder, the batch into the partition's, the topic's, the request's —
 * every buffer zero-filled by Buffer.alloc and regrown by doubling. For a 2,000-record request that
 * was half of the producer's sender thread (allocation, zero-filling, page faults, GC). Every byte of
 * these buffers is written before it is read (the encoder only exposes buf.slice(0, offset)), so the
 * zero-filling buys nothing. This swaps kafkajs's Encoder class for one that allocates uninitialised
 * (pooled below 4 KiB) buffers, before kafkajs's modules load it.
 *
 * kafkajs 2.2.4 is pinned (package-lock) and no longer released; requestEncoderBuffers.test.ts holds
 * the patched encoder's produce requests byte-identical to the original's, so an upgrade that changes
 * the class fails there, not on the wire.
 */
import * as path from 'path';

interface KafkaEncoder {
  buf: Buffer;
  offset: number;
}
interface KafkaEncoderClass {
  new (initialSize?: number): KafkaEncoder;
  nextPowerOfTwo(value: number): number;
}

export const ENCODER_MODULE = path.join(path.dirname(require.resolve('kafkajs/package.json')), 'src/protocol/encoder.js');

let installed = false;

/** Must run before `kafkajs` is first required in this thread; returns false if it was too late. */
export function useUninitialisedRequestBuffers(): boolean {
  if (installed) return true;
  const cached = require.cache[ENCODER_MODULE];
  if (cached) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Original = require(ENCODER_MODULE) as KafkaEncoderClass;
  class UninitialisedEncoder extends Original {
    constructor(initialSize = 511) {
      super(0);
      this.buf = Buffer.allocUnsafe(Original.nextPowerOfTwo(initialSize));
    }

    ensureAvailable(length: number): void {
      if (this.offset + length > this.buf.length) {
        const grown = Buffer.allocUnsafe(Original.nextPowerOfTwo(this.offset + length));
        this.buf.copy(grown, 0, 0, this.offset);
        this.buf = grown;
      }
    }
  }
  require.cache[ENCODER_MODULE]!.exports = UninitialisedEncoder;
  installed = true;
  return true;
}
