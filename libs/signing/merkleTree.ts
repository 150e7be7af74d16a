import { hash } from 'crypto';
import { sha256Into, sha256PairInto } from './sha256';

/**
 * A binary Merkle tree over event digests, so one Ed25519 signature covers a whole batch while every
 * event stays verifiable on its own (after log compaction only some events of a batch remain):
 * each event carries its audit path. Leaf and node hashes are domain-separated (RFC 6962 style) so
 * a node can never be passed off as a leaf.
 */
const LEAF = 0x00;
const NODE = 0x01;

// Leaf and node inputs are 33 and 65 bytes: hashed in JavaScript (sha256.ts), about twice as fast as a
// one-shot node:crypto call, and straight into the caller's buffer.

export function leafHash(digest: Buffer): Buffer {
  const out = Buffer.allocUnsafe(32);
  leafHashInto(digest, out, 0);
  return out;
}

function leafHashInto(digest: Buffer, out: Uint8Array, at: number): void {
  if (digest.length === 32) sha256Into(LEAF, digest, 0, 32, out, at);
  else {
    // Not an event digest (none is shorter or longer): hashed as before, so the tree is defined for any leaf.
    const b = Buffer.allocUnsafe(1 + digest.length);
    b[0] = LEAF;
    digest.copy(b, 1);
    hash('sha256', b, 'buffer').copy(out, at);
  }
}

/** The parent of the 32-byte nodes at left[lo…] and right[ro…]. */
function nodeHash(left: Buffer, lo: number, right: Buffer, ro: number): Buffer {
  const out = Buffer.allocUnsafe(32);
  sha256PairInto(NODE, left, lo, right, ro, out, 0);
  return out;
}

export interface MerkleBatch {
  root: Buffer;
  /** proofs[i] is the audit path of leaf i, encoded by encodeProof (views of one buffer). */
  proofs: Buffer[];
}

/**
 * Builds the tree; an odd node is promoted unchanged to the next level. Every level is kept in one
 * buffer (32 bytes a node, level after level) and the proofs are copied from it into one buffer, so a
 * batch allocates a handful of buffers, not a few per event.
 */
export function buildTree(digests: Buffer[]): MerkleBatch {
  if (digests.length === 0) throw new RangeError('empty batch');
  const n = digests.length;
  // Level widths, bottom-up; starts[k] = node offset of level k in `nodes`.
  const widths: number[] = [];
  const starts: number[] = [];
  let total = 0;
  for (let w = n; ; w = (w + 1) >> 1) {
    widths.push(w);
    starts.push(total);
    total += w;
    if (w === 1) break;
  }
  const nodes = Buffer.allocUnsafe(32 * total);
  for (let i = 0; i < n; i++) leafHashInto(digests[i], nodes, 32 * i);
  for (let k = 1; k < widths.length; k++) {
    const below = 32 * starts[k - 1];
    const wBelow = widths[k - 1];
    const here = 32 * starts[k];
    for (let j = 0; j < widths[k]; j++) {
      const l = below + 64 * j;
      if (2 * j + 1 < wBelow) sha256PairInto(NODE, nodes, l, nodes, l + 32, nodes, here + 32 * j);
      else nodes.copy(nodes, here + 32 * j, l, l + 32);
    }
  }
  // Proof sizes first (leaves of one batch differ only by the promoted nodes on their paths).
  let proofBytes = 0;
  for (let i = 0; i < n; i++) proofBytes += 8 + 32 * siblingCount(i, n);
  const buf = Buffer.allocUnsafe(proofBytes);
  const proofs = new Array<Buffer>(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const from = o;
    buf.writeUInt32BE(i, o);
    buf.writeUInt32BE(n, o + 4);
    o += 8;
    for (let k = 0, p = i; k < widths.length - 1; k++, p >>= 1) {
      const sibling = p ^ 1;
      if (sibling < widths[k]) {
        // a byte loop: seven Buffer.copy calls per event cost more than the copying
        const at = 32 * (starts[k] + sibling);
        for (let b = 0; b < 32; b++) buf[o + b] = nodes[at + b];
        o += 32;
      }
    }
    proofs[i] = buf.subarray(from, o);
  }
  const rootAt = 32 * starts[starts.length - 1];
  return { root: Buffer.from(nodes.subarray(rootAt, rootAt + 32)), proofs };
}

/** How many sibling hashes the audit path of leaf `index` among `count` holds. */
function siblingCount(index: number, count: number): number {
  let siblings = 0;
  for (let p = index, w = count; w > 1; p >>= 1, w = (w + 1) >> 1) if ((p ^ 1) < w) siblings++;
  return siblings;
}

/** index (u32) | count (u32) | sibling hashes (32 bytes each), bottom-up. */
export function encodeProof(index: number, count: number, siblings: Buffer[]): Buffer {
  const out = Buffer.allocUnsafe(8 + 32 * siblings.length);
  out.writeUInt32BE(index, 0);
  out.writeUInt32BE(count, 4);
  siblings.forEach((s, k) => s.copy(out, 8 + 32 * k));
  return out;
}

/** Recomputes the root from a digest and its proof; undefined if the proof is malformed. */
export function rootFromProof(digest: Buffer, proof: Buffer): Buffer | undefined {
  return walkProof(digest, proof)?.root;
}

/**
 * The hashes from the leaf up to the root (leaf first, root last), or undefined if the proof is
 * malformed. `known` may stop the walk early: when it recognises a node already proven to belong to
 * a signed tree (the leaf itself included), the event is in that tree too, and the walk returns that
 * node as its `root`. `siblings` counts the proof's hashes the walk used (the first ones, bottom-up):
 * they belong to the same tree as the nodes.
 */
export function walkProof(digest: Buffer, proof: Buffer, known?: (node: Buffer) => boolean): { root: Buffer; nodes: Buffer[]; siblings: number; early: boolean } | undefined {
  if (proof.length < 8 || (proof.length - 8) % 32 !== 0) return undefined;
  const index = proof.readUInt32BE(0);
  const count = proof.readUInt32BE(4);
  if (count === 0 || index >= count) return undefined;
  // The shape is checked in full before any hashing, so an early stop never skips a malformed proof.
  const siblings = siblingCount(index, count);
  if (8 + 32 * siblings !== proof.length) return undefined;
  let h = leafHash(digest);
  const nodes = [h];
  if (known?.(h)) return { root: h, nodes, siblings: 0, early: true };
  let pos = index;
  let width = count;
  let k = 0;
  while (width > 1) {
    const sibling = pos ^ 1;
    if (sibling < width) {
      const at = 8 + 32 * k;
      k++;
      h = pos & 1 ? nodeHash(proof, at, h, 0) : nodeHash(h, 0, proof, at);
      nodes.push(h);
      if (known?.(h)) return { root: h, nodes, siblings: k, early: true };
    }
    pos >>= 1;
    width = (width + 1) >> 1;
  }
  return { root: h, nodes, siblings: k, early: false };
}
