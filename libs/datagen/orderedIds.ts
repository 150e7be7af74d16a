import type { Prng } from './prng';

const HEX4: string[] = Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, '0'));

/**
 * Row ids for bulk generation: RFC 9562 version-8 UUIDs whose leading bits are a seed tag and the
 * person ordinal, then a per-subtree counter, then 62 random bits. Ids stay opaque, but rows of one
 * load arrive in id order, so primary-key and foreign-key indexes grow at a moving edge instead of
 * being written at random pages (random v4 keys make a large load several times slower and its
 * WAL much bigger through full-page writes).
 */
export class OrderedIds {
  private counter: number;

  constructor(
    private readonly space: number,
    private readonly ordinal: number,
    counterBase: number,
    private readonly rng: Prng,
  ) {
    this.counter = counterBase;
  }

  next(): string {
    const o = this.ordinal % 0x100000000;
    const n = this.counter++ & 0xfff;
    const c = this.rng.u32();
    const d = this.rng.u32();
    return (
      HEX4[this.space & 0xffff]! +
      HEX4[(o >>> 16) & 0xffff]! +
      '-' +
      HEX4[o & 0xffff]! +
      '-' +
      HEX4[0x8000 | n]! +
      '-' +
      HEX4[0x8000 | (c >>> 18)]! +
      '-' +
      HEX4[c & 0xffff]! +
      HEX4[d >>> 16]! +
      HEX4[d & 0xffff]!
    );
  }
}
