import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KeyError } from './signingError';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const KEY_ID = /^[a-z0-9][a-z0-9._-]{2,63}$/;

/** Key ids name the ministry, the day and a fingerprint of the public key, e.g. cand-20261127-3f9a1c2e. */
export function keyIdFor(ministry: string, publicKey: KeyObject, day = new Date()): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const fp = createHash('sha256').update(der).digest('hex').slice(0, 8);
  return `${ministry}-${day.toISOString().slice(0, 10).replace(/-/g, '')}-${fp}`;
}

/**
 * Writes a new Ed25519 key pair: `<dir>/<keyId>.key.pem` (0600) and `<dir>/public/<keyId>.pub.pem`.
 * The public file is what the partner ministry installs to verify this ministry's events.
 */
export function generateKeyPair(dir: string, ministry: string): { keyId: string; privateFile: string; publicFile: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdFor(ministry, publicKey);
  fs.mkdirSync(path.join(dir, 'public'), { recursive: true, mode: 0o700 });
  const privateFile = path.join(dir, `${keyId}.key.pem`);
  const publicFile = path.join(dir, 'public', `${keyId}.pub.pem`);
  fs.writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  return { keyId, privateFile, publicFile };
}

/**
 * A ministry's signing key: from THAHS_SIGNING_KEY_PEM (the PEM text, e.g. a mounted secret) or from
 * the newest `<ministry>-*.key.pem` file in the keys folder. Never from the repository.
 */
export function loadSigningKey(dir: string, ministry: string, env: NodeJS.ProcessEnv = process.env): SigningKey {
  const pem = env.THAHS_SIGNING_KEY_PEM;
  if (pem) {
    const privateKey = parsePrivate(pem, 'THAHS_SIGNING_KEY_PEM');
    const publicKey = createPublicKey(privateKey);
    return { keyId: env.THAHS_SIGNING_KEY_ID ?? keyIdFor(ministry, publicKey), privateKey, publicKey };
  }
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.startsWith(`${ministry}-`) && f.endsWith('.key.pem'))
        .sort()
    : [];
  if (files.length === 0) throw new KeyError(`no signing key for ${ministry} in ${dir}; create one with: thahs keys generate --ministry ${ministry}`);
  const file = path.join(dir, files[files.length - 1]);
  const privateKey = parsePrivate(fs.readFileSync(file, 'utf8'), file);
  return { keyId: path.basename(file, '.key.pem'), privateKey, publicKey: createPublicKey(privateKey) };
}

function parsePrivate(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new KeyError(`cannot parse private key: ${(err as Error).message}`, undefined, source);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyError(`expected an Ed25519 key, got ${key.asymmetricKeyType}`, undefined, source);
  return key;
}

/** The public keys this side trusts, by key id: `<dir>/public/<keyId>.pub.pem`. */
export class PublicKeyRing {
  private readonly keys = new Map<string, KeyObject>();

  static fromDir(dir: string): PublicKeyRing {
    const ring = new PublicKeyRing();
    const pub = path.join(dir, 'public');
    if (!fs.existsSync(pub)) return ring;
    for (const f of fs.readdirSync(pub).filter((x) => x.endsWith('.pub.pem'))) {
      ring.add(path.basename(f, '.pub.pem'), fs.readFileSync(path.join(pub, f), 'utf8'));
    }
    return ring;
  }

  add(keyId: string, pem: string | KeyObject): void {
    if (!KEY_ID.test(keyId)) throw new KeyError(`invalid key id "${keyId}"`, keyId);
    const key = typeof pem === 'string' ? createPublicKey(pem) : pem;
    if (key.asymmetricKeyType !== 'ed25519') throw new KeyError(`key ${keyId} is not Ed25519`, keyId);
    this.keys.set(keyId, key);
  }

  get(keyId: string): KeyObject | undefined {
    return this.keys.get(keyId);
  }

  ids(): string[] {
    return [...this.keys.keys()].sort();
  }
}
