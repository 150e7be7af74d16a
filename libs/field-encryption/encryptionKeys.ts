import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { keyIdFor } from '../signing';
import { FieldEncryptionError } from './fieldEncryptionError';

/*
 * A receiving ministry's X25519 key pairs for protected (tier-3) fields live beside its signing keys
 * but in folders of their own, so the signing key loader and the public key ring never meet an X25519
 * file: `<dir>/encryption/<keyId>.key.pem` (0600, stays with the receiver) and
 * `<dir>/public/encryption/<keyId>.pub.pem` (what the provider installs to encrypt to it).
 */

const KEY_ID = /^[a-z0-9][a-z0-9._-]{2,63}$/;

function privateFile(dir: string, keyId: string): string {
  return path.join(dir, 'encryption', `${keyId}.key.pem`);
}

function publicFile(dir: string, keyId: string): string {
  return path.join(dir, 'public', 'encryption', `${keyId}.pub.pem`);
}

function checkId(keyId: string): void {
  if (!KEY_ID.test(keyId)) throw new FieldEncryptionError(`invalid encryption key id "${keyId}"`, { keyId });
}

function checkX25519(key: KeyObject, keyId: string, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'x25519') throw new FieldEncryptionError(`expected an X25519 key, got ${key.asymmetricKeyType}`, { keyId, file });
  return key;
}

/** Writes a new pair; the id names the ministry, `enc`, the day and the public key's fingerprint. */
export function generateEncryptionKeyPair(dir: string, ministry: string): { keyId: string; privateFile: string; publicFile: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const keyId = keyIdFor(`${ministry}-enc`, publicKey);
  fs.mkdirSync(path.join(dir, 'encryption'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(dir, 'public', 'encryption'), { recursive: true, mode: 0o700 });
  const priv = privateFile(dir, keyId);
  const pub = publicFile(dir, keyId);
  fs.writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  return { keyId, privateFile: priv, publicFile: pub };
}

/** The provider's side: the receiver's public key, by id. */
export function loadEncryptionPublicKey(dir: string, keyId: string): KeyObject {
  checkId(keyId);
  const file = publicFile(dir, keyId);
  if (!fs.existsSync(file)) throw new FieldEncryptionError(`no public encryption key ${keyId} in ${path.dirname(file)}`, { keyId, file });
  return checkX25519(createPublicKey(fs.readFileSync(file, 'utf8')), keyId, file);
}

/** The receiver's side: every private encryption key it holds, by id (old ones open old values). */
export function loadEncryptionPrivateKeys(dir: string): ReadonlyMap<string, KeyObject> {
  const folder = path.join(dir, 'encryption');
  const out = new Map<string, KeyObject>();
  if (!fs.existsSync(folder)) return out;
  for (const f of fs.readdirSync(folder).filter((x) => x.endsWith('.key.pem'))) {
    const keyId = path.basename(f, '.key.pem');
    checkId(keyId);
    const file = path.join(folder, f);
    out.set(keyId, checkX25519(createPrivateKey(fs.readFileSync(file, 'utf8')), keyId, file));
  }
  return out;
}

/** The newest public encryption key of `ministry` installed in `dir`, or undefined. */
export function newestEncryptionKeyId(dir: string, ministry: string): string | undefined {
  const folder = path.join(dir, 'public', 'encryption');
  if (!fs.existsSync(folder)) return undefined;
  const ids = fs
    .readdirSync(folder)
    .filter((f) => f.startsWith(`${ministry}-enc-`) && f.endsWith('.pub.pem'))
    .map((f) => path.basename(f, '.pub.pem'))
    .sort();
  return ids[ids.length - 1];
}
