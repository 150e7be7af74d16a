import { hash } from 'crypto';

/**
 * A binary Merkle tree over event digests, so one Ed25519 signature covers a whole batch while every
 * event stays verifiable on its own (after log compaction only some events of a batch remain):
 * each event carries its audit path. Leaf and node hashes are domain-separated (RFC 6962 style) so
 * a node can never be passed off as a leaf.
 */
const LEAF = 0x00;
const NODE = 0x01;

// One-shot hashing of one buffer: a Hash object per call cost more than hashing 65 bytes. The input is
// laid out in a buffer kept for the purpose (hashing is synchronous), so a hash allocates only its output.
const leafInput = Buffer.alloc(33);
const nodeInput = Buffer.alloc(65);
leafInput[0] = LEAF;
nodeInput[0] = NODE;

export function leafHash(digest: Buffer): Buffer {
  if (digest.length !== 32) {
    const b = Buffer.allocUnsafe(1 + digest.length);
    b[0] = LEAF;
    digest.copy(b, 1);
    return hash('sha256', b, 'buffer');
  }
  digest.copy(leafInput, 1);
  return hash('sha256', leafInput, 'buffer');
}

/** The parent of the 32-byte nodes at left[lo…] and right[ro…]. */
function nodeHash(left: Buffer, lo: number, right: Buffer, ro: number): Buffer {
  left.copy(nodeInput, 1, lo, lo + 32);
  right.copy(nodeInput, 33, ro, ro + 32);
  return hash('sha256', nodeInput, 'buffer');
}

export interface MerkleBatch {
  root: Buffer;
  /** proofs[i] is the audit path of leaf i, encoded by encodeProof. */
  proofs: Buffer[];
}

/** Builds the tree; an odd node is promoted unchanged to the next level. */
export function buildTree(digests: Buffer[]): MerkleBatch {
  if (digests.length === 0) throw new RangeError('empty batch');
  const n = digests.length;
  let level = digests.map(leafHash);
  const paths: Buffer[][] = digests.map(() => []);
  // positions[i] = index of leaf i's ancestor in the current level
  const positions = digests.map((_, i) => i);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(j + 1 < level.length ? nodeHash(level[j], 0, level[j + 1], 0) : level[j]);
    for (let i = 0; i < n; i++) {
      const p = positions[i];
      const sibling = p ^ 1;
      if (sibling < level.length) paths[i].push(level[sibling]);
      positions[i] = p >> 1;
    }
    level = next;
  }
  return { root: level[0], proofs: paths.map((p, i) => encodeProof(i, n, p)) };
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
  let siblings = 0;
  for (let p = index, w = count; w > 1; p >>= 1, w = (w + 1) >> 1) if ((p ^ 1) < w) siblings++;
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
