import { sign, verify, KeyObject } from 'crypto';
import { buildTree, rootFromProof } from './merkleTree';
import { SigningKey } from './keyStore';
import { VerificationError } from './signingError';

const ROOT_TAG = Buffer.from('thahs-batch-root-v1');

/** The proof an event carries in its headers. */
export interface EventProof {
  keyId: string;
  /** Ed25519 signature over the batch root (64 bytes). */
  signature: Buffer;
  /** Merkle audit path of this event within its batch. */
  path: Buffer;
}

function rootMessage(root: Buffer, keyId: string): Buffer {
  return Buffer.concat([ROOT_TAG, Buffer.from([keyId.length]), Buffer.from(keyId, 'utf8'), root]);
}

/** One signature per batch: Ed25519 costs ~0.1 ms, a Merkle path a few hashes (docs/benchmarks.md). */
export function signBatch(digests: Buffer[], key: SigningKey): EventProof[] {
  const { root, proofs } = buildTree(digests);
  const signature = sign(null, rootMessage(root, key.keyId), key.privateKey);
  return proofs.map((p) => ({ keyId: key.keyId, signature, path: p }));
}

/**
 * Verifies events against known public keys. A batch root already verified is remembered (bounded),
 * so a batch costs one signature check plus a few hashes per event.
 */
export class EventVerifier {
  private readonly verifiedRoots = new Map<string, true>();

  constructor(
    private readonly keyFor: (keyId: string) => KeyObject | undefined,
    private readonly cacheSize = 10_000,
  ) {}

  verify(digest: Buffer, proof: EventProof): void {
    const key = this.keyFor(proof.keyId);
    if (!key) throw new VerificationError('unknown-key', `no trusted public key ${proof.keyId}`, proof.keyId);
    const root = rootFromProof(digest, proof.path);
    if (!root) throw new VerificationError('malformed-proof', 'the Merkle proof is malformed', proof.keyId);
    const cacheKey = `${proof.keyId}:${root.toString('base64')}:${proof.signature.toString('base64')}`;
    if (this.verifiedRoots.has(cacheKey)) return;
    if (proof.signature.length !== 64 || !verify(null, rootMessage(root, proof.keyId), key, proof.signature)) {
      throw new VerificationError('bad-signature', 'the signature does not match the event contents', proof.keyId);
    }
    if (this.verifiedRoots.size >= this.cacheSize) this.verifiedRoots.delete(this.verifiedRoots.keys().next().value as string);
    this.verifiedRoots.set(cacheKey, true);
  }
}
