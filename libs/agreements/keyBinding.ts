import { createHash, createPublicKey, type KeyObject } from 'crypto';
import type { AgreementDocument } from './agreementDocument';
import type { AgreementState } from './agreementState';

/**
 * A key file whose public key is not the one the agreement binds to its key id. Key ids carry only a
 * 32-bit fingerprint, so anyone can make a key with a listed id: the agreement's SHA-256 of the whole
 * public key is what the key file must match.
 */
export class KeyBindingError extends Error {
  constructor(
    readonly agreementId: string,
    readonly version: number,
    readonly keyId: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`key ${keyId} refused: its public key (SHA-256 ${actualSha256}) is not the one agreement ${agreementId} version ${version} binds to that id (SHA-256 ${expectedSha256})`);
    this.name = 'KeyBindingError';
  }
}

/** The SHA-256 of the public key's SPKI DER encoding, lowercase hex: what agreements list per key id. */
export function publicKeySha256(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The hash the document binds to the key id, if it lists one. */
export function boundKeyHash(doc: AgreementDocument, keyId: string): string | undefined {
  for (const k of doc.security.keys) {
    const h = k.publicKeySha256?.[keyId];
    if (h !== undefined) return h;
  }
  return undefined;
}

/** Throws KeyBindingError when the document binds the key id to another public key. */
export function requireBoundKey(doc: AgreementDocument, keyId: string, key: KeyObject): void {
  const want = boundKeyHash(doc, keyId);
  if (want === undefined) return;
  const got = publicKeySha256(key.type === 'private' ? createPublicKey(key) : key);
  if (got !== want) throw new KeyBindingError(doc.id, doc.version, keyId, want, got);
}

/**
 * Checks every key held (`keyId → public key`) against every confirmed version of the history that
 * lists a hash for its id: the first mismatch throws KeyBindingError, before anything it signed is trusted.
 */
export function requireBoundKeys(state: AgreementState, held: { ids(): string[]; get(keyId: string): KeyObject | undefined }): void {
  for (const v of state.versions) {
    if (v.status !== 'confirmed') continue;
    for (const keyId of held.ids()) {
      const key = held.get(keyId);
      if (key) requireBoundKey(v.document, keyId, key);
    }
  }
}
