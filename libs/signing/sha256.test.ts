import { createHash, randomBytes } from 'crypto';
import * as fc from 'fast-check';
import { sha256Into, sha256PairInto, SHA256_MAX_SMALL_INPUT } from './sha256';

const reference = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

describe('sha256Into', () => {
  it('equals node:crypto for every input length it takes (one and two blocks, the padding boundaries)', () => {
    for (let len = 0; len < SHA256_MAX_SMALL_INPUT; len++) {
      for (const prefix of [0x00, 0x01, 0xff]) {
        const src = randomBytes(len + 7);
        const out = Buffer.alloc(40, 0xaa);
        sha256Into(prefix, src, 3, len, out, 5);
        expect(out.subarray(5, 37).toString('hex')).toBe(reference(Buffer.from([prefix]), src.subarray(3, 3 + len)).toString('hex'));
        // nothing outside the 32 output bytes is written
        expect(out.subarray(0, 5).every((b) => b === 0xaa) && out.subarray(37).every((b) => b === 0xaa)).toBe(true);
      }
    }
  });

  it('equals node:crypto on random inputs, and on the FIPS 180-4 test vector', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: SHA256_MAX_SMALL_INPUT - 1 }), (prefix, bytes) => {
        const out = Buffer.alloc(32);
        sha256Into(prefix, bytes, 0, bytes.length, out, 0);
        expect(out.equals(reference(Buffer.from([prefix]), bytes))).toBe(true);
      }),
      { numRuns: 500 },
    );
    const abc = Buffer.from('bc');
    const out = Buffer.alloc(32);
    sha256Into(0x61, abc, 0, 2, out, 0);
    expect(out.toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('refuses an input longer than two blocks', () => {
    expect(() => sha256Into(0, Buffer.alloc(SHA256_MAX_SMALL_INPUT), 0, SHA256_MAX_SMALL_INPUT, Buffer.alloc(32), 0)).toThrow(RangeError);
  });
});

describe('sha256PairInto', () => {
  it('equals node:crypto over prefix, left and right, also when the output overwrites an input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 96, maxLength: 96 }), fc.integer({ min: 0, max: 32 }), (prefix, bytes, lo) => {
        const buf = Buffer.from(bytes);
        const expected = reference(Buffer.from([prefix]), buf.subarray(lo, lo + 32), buf.subarray(64, 96));
        sha256PairInto(prefix, buf, lo, buf, 64, buf, lo);
        expect(buf.subarray(lo, lo + 32).equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
