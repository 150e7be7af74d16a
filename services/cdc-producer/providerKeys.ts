import { createPrivateKey, createPublicKey, type KeyObject } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { loadEncryptionPublicKey } from '../../libs/field-encryption';
import { KeyError, type SigningKey } from '../../libs/signing';
import type { EncryptionKeySource } from './fieldSealing';

/**
 * The provider body's signing keys held here. A receiver accepts an event only when its key id is
 * listed for the provider in the agreement version governing it and the public key it holds verifies
 * the signature; so each agreement's events are signed with a key that agreement lists (element 8),
 * and an agreement listing no key held here publishes nothing (its changes are parked until one is).
 */
export interface ProviderKeys extends EncryptionKeySource {
  /** The first of `keyIds` whose private key is held, or undefined. */
  find(keyIds: readonly string[]): SigningKey | undefined;
}

/** Key ids come from agreement documents: only a plain file name inside the keys folder is looked at. */
const KEY_ID = /^[a-z0-9][a-z0-9._-]{2,63}$/;

/** The private key of one key id, `<dir>/<keyId>.key.pem`, as `thahs keys generate` writes it. */
export function readSigningKey(dir: string, keyId: string): SigningKey {
  if (!KEY_ID.test(keyId)) throw new KeyError(`invalid key id "${keyId}"`, keyId);
  const file = path.join(dir, `${keyId}.key.pem`);
  let privateKey;
  try {
    privateKey = createPrivateKey(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KeyError(`cannot read private key: ${(err as Error).message}`, keyId, file);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new KeyError(`expected an Ed25519 key, got ${privateKey.asymmetricKeyType}`, keyId, file);
  return { keyId, privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * Keys read from THAHS_KEYS_DIR. A key found is kept; a key missing is looked for again at most every
 * `recheckMs`, so a key installed while the producer runs is taken up at the next agreement check.
 */
export function keysFolderProviderKeys(dir: string, recheckMs = 5000): ProviderKeys {
  const found = new Map<string, SigningKey>();
  const missingSince = new Map<string, number>();
  const lookup = (keyId: string): SigningKey | undefined => {
    const k = found.get(keyId);
    if (k) return k;
    const last = missingSince.get(keyId);
    if (last !== undefined && Date.now() - last < recheckMs) return undefined;
    if (!KEY_ID.test(keyId) || !fs.existsSync(path.join(dir, `${keyId}.key.pem`))) {
      missingSince.set(keyId, Date.now());
      return undefined;
    }
    const key = readSigningKey(dir, keyId);
    found.set(keyId, key);
    missingSince.delete(keyId);
    return key;
  };
  return {
    find(keyIds) {
      for (const id of keyIds) {
        const k = lookup(id);
        if (k) return k;
      }
      return undefined;
    },
    encryptionKey(keyId) {
      // The receiver's public key for its protected fields, `<dir>/public/encryption/<keyId>.pub.pem`.
      try {
        return loadEncryptionPublicKey(dir, keyId);
      } catch {
        return undefined;
      }
    },
  };
}

/** Keys given in memory (tests, tools that hold a key already). */
export function providerKeysOf(keys: readonly SigningKey[], encryptionKeys: ReadonlyMap<string, KeyObject> = new Map()): ProviderKeys {
  const byId = new Map(keys.map((k) => [k.keyId, k]));
  return {
    find(keyIds) {
      for (const id of keyIds) {
        const k = byId.get(id);
        if (k) return k;
      }
      return undefined;
    },
    encryptionKey: (keyId) => encryptionKeys.get(keyId),
  };
}
