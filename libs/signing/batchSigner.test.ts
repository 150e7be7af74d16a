import { createHash, generateKeyPairSync } from 'crypto';
import * as fc from 'fast-check';
import { buildTree, eventDigest, EventVerifier, rootFromProof, signBatch, SigningKey, VerificationError } from '.';

function key(id: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId: id, privateKey, publicKey };
}
const d = (i: number): Buffer => createHash('sha256').update(String(i)).digest();

describe('Merkle batch proofs', () => {
  it('every leaf of every batch size proves the same root, and nothing else does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 1000 }), (n, salt) => {
        const digests = Array.from({ length: n }, (_, i) => d(i + salt * 1000));
        const { root, proofs } = buildTree(digests);
        digests.forEach((g, i) => expect(rootFromProof(g, proofs[i])?.equals(root)).toBe(true));
        // another leaf's proof, or a foreign digest, yields a different root
        if (n > 1) expect(rootFromProof(digests[0], proofs[1])?.equals(root) ?? false).toBe(false);
        expect(rootFromProof(d(-1), proofs[0])?.equals(root) ?? false).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects truncated or padded proofs', () => {
    const { proofs } = buildTree([d(1), d(2), d(3)]);
    expect(rootFromProof(d(1), proofs[0].subarray(0, proofs[0].length - 1))).toBeUndefined();
    expect(rootFromProof(d(1), Buffer.concat([proofs[0], Buffer.alloc(32)]))).toBeUndefined();
  });
});

describe('signed events', () => {
  const k = key('cand-20261127-aaaaaaaa');
  const verifier = new EventVerifier((id) => (id === k.keyId ? k.publicKey : undefined));
  const events = Array.from({ length: 5 }, (_, i) => ({
    topic: 'thahs.cand.person',
    key: Buffer.from(`key-${i}`),
    value: i === 4 ? null : Buffer.from(`value-${i}`),
    meta: Buffer.from(`op=${i === 4 ? 'd' : 'u'};lsn=0/16B3748;index=${i}`),
  }));
  const proofs = signBatch(events.map(eventDigest), k);

  it('verifies each event on its own (as after log compaction)', () => {
    for (const i of [3, 0, 4]) expect(() => verifier.verify(eventDigest(events[i]), proofs[i])).not.toThrow();
  });

  it.each([
    ['value', { value: Buffer.from('value-X') }],
    ['key', { key: Buffer.from('key-X') }],
    ['topic', { topic: 'thahs.qdnd.person' }],
    ['meta header', { meta: Buffer.from('op=d;lsn=0/16B3748;index=1') }],
    ['tombstone', { value: null }],
  ])('a changed %s fails verification', (_what, change) => {
    const tampered = { ...events[1], ...change };
    expect(() => verifier.verify(eventDigest(tampered), proofs[1])).toThrow(VerificationError);
    try {
      verifier.verify(eventDigest(tampered), proofs[1]);
    } catch (e) {
      expect((e as VerificationError).reason).toBe('bad-signature');
    }
  });

  it('a signature by an untrusted key is refused', () => {
    const forger = key('cand-20261127-bbbbbbbb');
    const forged = signBatch([eventDigest(events[0])], forger)[0];
    expect(() => verifier.verify(eventDigest(events[0]), forged)).toThrow(/no trusted public key/);
    // the forger reusing the trusted key id does not help either
    const spoofed = signBatch([eventDigest(events[0])], { ...forger, keyId: k.keyId })[0];
    expect(() => verifier.verify(eventDigest(events[0]), spoofed)).toThrow(/does not match/);
  });
});
