import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'crypto';

/** A key that cannot serve for agreement signatures (wrong type, unreadable PEM). */
export class AgreementKeyError extends Error {
  constructor(
    readonly keyId: string,
    reason: string,
  ) {
    super(`key ${keyId}: ${reason}`);
    this.name = 'AgreementKeyError';
  }
}

/** A party's Ed25519 public key, as the other side holds it (no secret). */
export interface PartyPublicKey {
  keyId: string;
  /** Party id the key belongs to, e.g. `cand.c10`. */
  party: string;
  publicKey: KeyObject;
}

/** Resolves a key id to its owner and public key; undefined when unknown. */
export type PublicKeyLookup = (keyId: string) => PartyPublicKey | undefined;

/** A party's private key, used only where that party signs. */
export interface SigningKey {
  keyId: string;
  party: string;
  privateKey: KeyObject;
}

function requireEd25519(keyId: string, key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AgreementKeyError(keyId, `is ${key.asymmetricKeyType ?? key.type}, agreements are signed with Ed25519`);
  }
  return key;
}

export function publicKeyRing(entries: readonly { keyId: string; party: string; publicKey: string | KeyObject }[]): PublicKeyLookup {
  const byId = new Map<string, PartyPublicKey>();
  for (const e of entries) {
    if (byId.has(e.keyId)) throw new AgreementKeyError(e.keyId, 'appears twice in the key ring');
    let key: KeyObject;
    try {
      key = typeof e.publicKey === 'string' ? createPublicKey(e.publicKey) : e.publicKey;
    } catch (err) {
      throw new AgreementKeyError(e.keyId, `unreadable public key: ${(err as Error).message}`);
    }
    if (key.type !== 'public') throw new AgreementKeyError(e.keyId, 'is not a public key');
    byId.set(e.keyId, { keyId: e.keyId, party: e.party, publicKey: requireEd25519(e.keyId, key) });
  }
  return (keyId) => byId.get(keyId);
}

export function signingKeyFromPem(keyId: string, party: string, privateKeyPem: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new AgreementKeyError(keyId, `unreadable private key: ${(err as Error).message}`);
  }
  return { keyId, party, privateKey: requireEd25519(keyId, key) };
}

/** A fresh Ed25519 key pair for a party, with its PEM forms for the keys folder. */
export function generateSigningKey(keyId: string, party: string): { signing: SigningKey; publicKey: PartyPublicKey; publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    signing: { keyId, party, privateKey },
    publicKey: { keyId, party, publicKey },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
