/**
 * SHA-256 (FIPS 180-4) in JavaScript, for the Merkle tree's 33- and 65-byte inputs only.
 *
 * Why not node:crypto: a one-shot `crypto.hash` costs ~1.0 µs for 33 bytes and ~1.5 µs for 65 on this
 * machine class, nearly all of it the call into OpenSSL (a longer input costs little more), while one
 * compression here costs ~0.4 µs: leaf and node hashes (one and two blocks) are about twice as fast,
 * and write into a caller's buffer, so the tree allocates no Buffer per hash. For longer inputs
 * (eventDigest's, hundreds of bytes) node:crypto is faster and stays in use. The outputs are the same
 * bytes (tested against node:crypto); the inputs are public, so timing does not matter.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const W = new Int32Array(64);
const S = new Int32Array(8);
/** The message, padded: at most two blocks (a 65-byte input plus 0x80 and the 8-byte length is 74). */
const block = new Uint8Array(128);

/** Most bytes sha256Into takes: what fits in two blocks with the padding. */
export const SHA256_MAX_SMALL_INPUT = 119;

function compress(m: Uint8Array, at: number): void {
  const w = W;
  for (let i = 0; i < 16; i++) {
    const p = at + 4 * i;
    w[i] = (m[p] << 24) | (m[p + 1] << 16) | (m[p + 2] << 8) | m[p + 3];
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15];
    const b = w[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  const s = S;
  let a = s[0];
  let b = s[1];
  let c = s[2];
  let d = s[3];
  let e = s[4];
  let f = s[5];
  let g = s[6];
  let h = s[7];
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0] + a) | 0;
  s[1] = (s[1] + b) | 0;
  s[2] = (s[2] + c) | 0;
  s[3] = (s[3] + d) | 0;
  s[4] = (s[4] + e) | 0;
  s[5] = (s[5] + f) | 0;
  s[6] = (s[6] + g) | 0;
  s[7] = (s[7] + h) | 0;
}

/**
 * Writes SHA-256 of `prefix` followed by `len` bytes of `src` from `at` into `out` at `outAt`.
 * `prefix` is one byte (the tree's domain tag), so no caller copies its input first.
 */
export function sha256Into(prefix: number, src: Uint8Array, at: number, len: number, out: Uint8Array, outAt: number): void {
  const total = 1 + len;
  if (total > SHA256_MAX_SMALL_INPUT) throw new RangeError(`sha256Into takes at most ${SHA256_MAX_SMALL_INPUT} bytes`);
  const m = block;
  const blocks = total + 9 > 64 ? 2 : 1;
  const end = blocks * 64;
  m[0] = prefix;
  for (let i = 0; i < len; i++) m[1 + i] = src[at + i];
  m[total] = 0x80;
  m.fill(0, total + 1, end - 4);
  const bits = total * 8;
  m[end - 4] = bits >>> 24;
  m[end - 3] = (bits >>> 16) & 0xff;
  m[end - 2] = (bits >>> 8) & 0xff;
  m[end - 1] = bits & 0xff;
  S.set(IV);
  compress(m, 0);
  if (blocks === 2) compress(m, 64);
  writeState(out, outAt);
}

/**
 * SHA-256 of `prefix` ‖ left[lo…lo+32] ‖ right[ro…ro+32] into `out` at `outAt`: a Merkle node. The
 * 65 bytes are gathered into the block buffer, so `out` may overlap either input.
 */
export function sha256PairInto(prefix: number, left: Uint8Array, lo: number, right: Uint8Array, ro: number, out: Uint8Array, outAt: number): void {
  const m = block;
  m[0] = prefix;
  for (let i = 0; i < 32; i++) m[1 + i] = left[lo + i];
  for (let i = 0; i < 32; i++) m[33 + i] = right[ro + i];
  m[65] = 0x80;
  m.fill(0, 66, 124);
  // 65 bytes = 520 bits
  m[124] = 0;
  m[125] = 0;
  m[126] = 0x02;
  m[127] = 0x08;
  S.set(IV);
  compress(m, 0);
  compress(m, 64);
  writeState(out, outAt);
}

/** The state words, big-endian, into `out` at `outAt`: the digest. */
function writeState(out: Uint8Array, outAt: number): void {
  const s = S;
  for (let i = 0; i < 8; i++) {
    const v = s[i];
    const q = outAt + 4 * i;
    out[q] = v >>> 24;
    out[q + 1] = (v >>> 16) & 0xff;
    out[q + 2] = (v >>> 8) & 0xff;
    out[q + 3] = v & 0xff;
  }
}
