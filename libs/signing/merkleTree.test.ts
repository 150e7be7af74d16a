import { createHash } from 'crypto';
import * as fc from 'fast-check';
import { buildTree, encodeProof, leafHash, rootFromProof } from './merkleTree';

/**
 * The tree is a wire contract between ministries (the receiver recomputes roots from audit paths):
 * pinned to an independent construction with node:crypto — leaf H(00 ‖ d), node H(01 ‖ l ‖ r), an odd
 * node promoted unchanged, paths bottom-up after index and count.
 */
const sha = (...parts: Buffer[]): Buffer => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
function reference(digests: Buffer[]): { root: Buffer; proofs: Buffer[] } {
  let level = digests.map((d) => sha(Buffer.from([0]), d));
  const paths: Buffer[][] = digests.map(() => []);
  const pos = digests.map((_, i) => i);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(j + 1 < level.length ? sha(Buffer.from([1]), level[j], level[j + 1]) : level[j]);
    pos.forEach((p, i) => {
      if ((p ^ 1) < level.length) paths[i].push(level[p ^ 1]);
      pos[i] = p >> 1;
    });
    level = next;
  }
  return { root: level[0], proofs: paths.map((p, i) => encodeProof(i, digests.length, p)) };
}

describe('buildTree', () => {
  it('makes the root and audit paths of the reference construction, byte for byte', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 300 }), (raw) => {
        const digests = raw.map((b) => Buffer.from(b));
        const got = buildTree(digests);
        const want = reference(digests);
        expect(got.root.toString('hex')).toBe(want.root.toString('hex'));
        expect(got.proofs.map((p) => p.toString('hex'))).toEqual(want.proofs.map((p) => p.toString('hex')));
      }),
      { numRuns: 100 },
    );
  });

  it('also for leaves that are not 32-byte digests', () => {
    const digests = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(200, 7)];
    expect(buildTree(digests).root.equals(reference(digests).root)).toBe(true);
    expect(leafHash(Buffer.alloc(200, 7)).equals(sha(Buffer.from([0]), Buffer.alloc(200, 7)))).toBe(true);
  });

  it('each proof leads its leaf to the root', () => {
    const digests = Array.from({ length: 129 }, (_, i) => sha(Buffer.from(String(i))));
    const { root, proofs } = buildTree(digests);
    digests.forEach((d, i) => expect(rootFromProof(d, proofs[i])?.equals(root)).toBe(true));
  });
});
