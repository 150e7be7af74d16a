import { createHash, generateKeyPairSync } from 'crypto';
import * as fc from 'fast-check';
import { buildTree, eventDigest, EventVerifier, rootFromProof, signBatch, SigningKey, VerificationError } from '.';
import type { NodeMemory } from './nodeMemory';

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

  it('remembers at most memorySlots nodes, and verifies the same after forgetting', () => {
    const verifier = new EventVerifier((id) => (id === k.keyId ? k.publicKey : undefined), 10);
    const memory = (verifier as unknown as { memory: NodeMemory }).memory;
    expect(memory.capacity).toBe(16);
    for (let g = 0; g < 20; g++) {
      const group = Array.from({ length: 8 }, (_, i) => ({ topic: 't', key: Buffer.from(`g${g}k${i}`), value: Buffer.from(`v${i}`), meta: Buffer.from('m') }));
      const proofs = signBatch(group.map(eventDigest), k);
      group.forEach((e, i) => expect(() => verifier.verify(eventDigest(e), proofs[i])).not.toThrow());
      expect(memory.count()).toBeGreaterThan(0);
      expect(memory.count()).toBeLessThanOrEqual(16);
      // a node remembered from this group does not vouch for an altered event of it
      expect(() => verifier.verify(eventDigest({ ...group[3], value: Buffer.from('altered') }), proofs[3])).toThrow(VerificationError);
    }
  });

  it('the outcome does not depend on which events of a group were verified before', () => {
    const group = Array.from({ length: 32 }, (_, i) => ({ topic: 't', key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), meta: Buffer.from(`m${i}`) }));
    const signed = signBatch(group.map(eventDigest), k);
    const fresh = (): EventVerifier => new EventVerifier((id) => (id === k.keyId ? k.publicKey : undefined));
    const forgedSig = Buffer.from(signed[0].signature);
    forgedSig[10] ^= 1;
    const tampered = { ...group[9], value: Buffer.from('v9-altered') };
    const outcomes = (order: number[]): string[] => {
      const v = fresh();
      const out: string[] = [];
      for (const i of order) {
        const attempt = (f: () => void): string => {
          try {
            f();
            return 'ok';
          } catch (e) {
            return (e as VerificationError).reason;
          }
        };
        out[i] = attempt(() => v.verify(eventDigest(group[i]), signed[i]));
        out[32 + i] = attempt(() => v.verify(eventDigest(group[i]), { ...signed[i], signature: forgedSig }));
        if (i === 9) out[64] = attempt(() => v.verify(eventDigest(tampered), signed[9]));
      }
      return out;
    };
    const forward = outcomes(group.map((_, i) => i));
    const backward = outcomes(group.map((_, i) => 31 - i));
    const shuffled = outcomes([5, 9, 30, 0, 31, 1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(forward.slice(0, 32).every((o) => o === 'ok')).toBe(true);
    // a valid path with any other signature bytes, and an altered event next to verified siblings, fail
    expect(forward.slice(32, 64).every((o) => o === 'bad-signature')).toBe(true);
    expect(forward[64]).toBe('bad-signature');
    expect(backward).toEqual(forward);
    expect(shuffled).toEqual(forward);
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
