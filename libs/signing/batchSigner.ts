import { sign, verify, KeyObject } from 'crypto';
import { eventDigest } from './eventDigest';
import { buildTree, walkProof } from './merkleTree';
import { NodeMemory, VouchIds } from './nodeMemory';
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
 * Verifies events against known public keys. Every node of a tree whose root carried a valid signature
 * is remembered (bounded) with that signature — the ones an event's walk computed and the siblings its
 * proof supplied: the next event of the same group stops hashing at the first node that is already
 * known — often its own leaf, else after a node or two — and costs no signature check. An event must
 * carry the very signature (and key id) its tree was verified with, so the outcome never depends on the
 * order events arrive in. The memory is a fixed table (NodeMemory) of `memorySlots` nodes.
 */
export class EventVerifier {
  private readonly memory: NodeMemory;
  private readonly vouches: VouchIds;

  constructor(
    private readonly keyFor: (keyId: string) => KeyObject | undefined,
    memorySlots = 1 << 18,
  ) {
    this.memory = new NodeMemory(memorySlots);
    this.vouches = new VouchIds(() => this.memory.forgetAll());
  }

  /**
   * Checks a received event against the envelope it carries: the digest of its topic, key, value and
   * exact meta bytes, under the signature and audit path that follow the meta.
   */
  verifyEvent(e: { topic: string; key: Buffer; value: Buffer | null }, keyId: string, envelope: { metaBytes: Buffer; signature: Buffer; path: Buffer }): void {
    if (envelope.signature.length === 0) throw new VerificationError('missing-proof', 'the event carries no proof after its meta', keyId);
    this.verify(eventDigest({ topic: e.topic, key: e.key, value: e.value, meta: envelope.metaBytes }), { keyId, signature: envelope.signature, path: envelope.path });
  }

  verify(digest: Buffer, proof: EventProof): void {
    const key = this.keyFor(proof.keyId);
    if (!key) throw new VerificationError('unknown-key', `no trusted public key ${proof.keyId}`, proof.keyId);
    const voucher = this.vouches.idOf(proof.keyId, proof.signature);
    const memory = this.memory;
    const walk = walkProof(digest, proof.path, (node) => memory.has(node, 0, voucher));
    if (!walk) throw new VerificationError('malformed-proof', 'the Merkle proof is malformed', proof.keyId);
    if (!walk.early && (proof.signature.length !== 64 || !verify(null, rootMessage(walk.root, proof.keyId), key, proof.signature))) {
      throw new VerificationError('bad-signature', 'the signature does not match the event contents', proof.keyId);
    }
    // Every node the walk computed above the leaf, and every sibling it used, is now proven part of the
    // signed tree: an event whose leaf or ancestor is one of them needs no further hashing. The
    // siblings matter most — the leaf of the event beside this one is among them, so it verifies with
    // no node hash at all. The leaf itself stays out: it is this event's own hash, which no other event reaches.
    for (let i = 1; i < walk.nodes.length; i++) memory.remember(walk.nodes[i], 0, voucher);
    for (let i = 0; i < walk.siblings; i++) memory.remember(proof.path, 8 + 32 * i, voucher);
  }
}
