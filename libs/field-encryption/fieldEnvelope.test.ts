import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  envelopeInfo,
  FieldEncryptionError,
  FieldOpener,
  FieldSealer,
  generateEncryptionKeyPair,
  loadEncryptionPrivateKeys,
  loadEncryptionPublicKey,
  newestEncryptionKeyId,
} from '.';
import { generateKeyPair, loadSigningKey, PublicKeyRing } from '../signing';

const place = { entity: 'person', field: 'religion', rowKey: '6f1c2a90-0d4e-4c35-9a51-1b1f2b6f0c11' };
const AGREEMENT = 'TTDL-CAND-QDND-2025-01';

function receiver(): { keyId: string; opener: FieldOpener; sealer: FieldSealer } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const keyId = 'qdnd-enc-20261202-0a1b2c3d';
  return { keyId, opener: new FieldOpener(new Map([[keyId, privateKey]])), sealer: new FieldSealer(AGREEMENT, keyId, publicKey) };
}

describe('field envelope', () => {
  it('opens with the receiver key, for the row and field it was sealed for', () => {
    const { opener, sealer } = receiver();
    const value = Buffer.from('Phật giáo', 'utf8');
    const env = sealer.seal(value, place);
    expect(opener.open(env, place, AGREEMENT).toString('utf8')).toBe('Phật giáo');
    expect(envelopeInfo(env)).toEqual({ keyId: 'qdnd-enc-20261202-0a1b2c3d', agreementId: AGREEMENT });
  });

  it('holds no trace of the value, and the same value seals differently each time under one wrapped data key', () => {
    const { sealer } = receiver();
    const value = Buffer.from('Công giáo', 'utf8');
    const a = sealer.seal(value, place);
    const b = sealer.seal(value, place);
    expect(a.includes(value)).toBe(false);
    expect(a.equals(b)).toBe(false);
    // The header (the wrapped data key) is the same: wrapped once per agreement, not per value.
    const headerLength = a.length - 12 - 16 - value.length;
    expect(a.subarray(0, headerLength).equals(b.subarray(0, headerLength))).toBe(true);
    expect(a.subarray(headerLength).equals(b.subarray(headerLength))).toBe(false);
  });

  it('refuses a value moved to another row, field, entity or agreement', () => {
    const { opener, sealer } = receiver();
    const env = sealer.seal(Buffer.from('Kinh'), place);
    expect(() => opener.open(env, { ...place, rowKey: '00000000-0000-4000-8000-000000000000' })).toThrow(FieldEncryptionError);
    expect(() => opener.open(env, { ...place, field: 'ethnicity' })).toThrow(/does not authenticate/);
    expect(() => opener.open(env, { ...place, entity: 'legal_person' })).toThrow(/does not authenticate/);
    expect(() => opener.open(env, place, 'TTDL-QDND-CAND-2025-01')).toThrow(/expected TTDL-QDND-CAND-2025-01/);
  });

  it('refuses any flipped byte, in the header, the wrapped key, the nonce, the tag or the ciphertext', () => {
    const keyId = 'qdnd-enc-20261202-0a1b2c3d';
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const s = new FieldSealer(AGREEMENT, keyId, publicKey);
    const good = s.seal(Buffer.from('Tày'), place);
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i] ^= 0x01;
      // A fresh opener each time: a cached data key must not hide a tampered header.
      const opener = new FieldOpener(new Map([[keyId, privateKey]]));
      expect(() => opener.open(bad, place)).toThrow(FieldEncryptionError);
    }
    expect(new FieldOpener(new Map([[keyId, privateKey]])).open(good, place).toString()).toBe('Tày');
  });

  it('does not open with another private key, nor without the named key, nor a truncated envelope', () => {
    const { sealer, keyId } = receiver();
    const env = sealer.seal(Buffer.from('Hồi giáo'), place);
    expect(() => new FieldOpener(new Map([[keyId, generateKeyPairSync('x25519').privateKey]])).open(env, place)).toThrow(/does not unwrap/);
    expect(() => new FieldOpener(new Map()).open(env, place)).toThrow(/no private encryption key qdnd-enc-20261202-0a1b2c3d/);
    const opener = new FieldOpener(new Map());
    for (const n of [0, 2, 10, 60, 150]) expect(() => opener.open(env.subarray(0, n), place)).toThrow(FieldEncryptionError);
  });

  it('seals an empty value and a long one', () => {
    const { opener, sealer } = receiver();
    expect(opener.open(sealer.seal(Buffer.alloc(0), place), place).length).toBe(0);
    const long = Buffer.from('["face:ab12","fingerprint:cd34"]'.repeat(2000));
    expect(opener.open(sealer.seal(long, place), place).equals(long)).toBe(true);
  });

  it('refuses a receiver key that is not X25519', () => {
    expect(() => new FieldSealer(AGREEMENT, 'qdnd-enc-x', generateKeyPairSync('ed25519').publicKey)).toThrow(/must be X25519/);
  });
});

describe('encryption key files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-enc-keys-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are written apart from the signing keys, which still load as before', () => {
    const signing = generateKeyPair(dir, 'qdnd');
    const enc = generateEncryptionKeyPair(dir, 'qdnd');
    expect(enc.keyId).toMatch(/^qdnd-enc-\d{8}-[0-9a-f]{8}$/);
    expect(fs.statSync(enc.privateFile).mode & 0o777).toBe(0o600);
    expect(loadSigningKey(dir, 'qdnd').keyId).toBe(signing.keyId);
    expect(PublicKeyRing.fromDir(dir).ids()).toEqual([signing.keyId]);
    expect(newestEncryptionKeyId(dir, 'qdnd')).toBe(enc.keyId);
    expect(newestEncryptionKeyId(dir, 'cand')).toBeUndefined();

    const sealer = new FieldSealer(AGREEMENT, enc.keyId, loadEncryptionPublicKey(dir, enc.keyId));
    const opener = new FieldOpener(loadEncryptionPrivateKeys(dir));
    expect(opener.open(sealer.seal(Buffer.from('Mường'), place), place).toString()).toBe('Mường');
  });

  it('name what is missing or wrong', () => {
    expect(() => loadEncryptionPublicKey(dir, 'qdnd-enc-20261202-00000000')).toThrow(/no public encryption key qdnd-enc-20261202-00000000/);
    expect(() => loadEncryptionPublicKey(dir, '../etc')).toThrow(/invalid encryption key id/);
    expect(loadEncryptionPrivateKeys(dir).size).toBe(0);
    fs.mkdirSync(path.join(dir, 'public', 'encryption'), { recursive: true });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    fs.writeFileSync(path.join(dir, 'public', 'encryption', 'qdnd-enc-20261202-11111111.pub.pem'), ed);
    expect(() => loadEncryptionPublicKey(dir, 'qdnd-enc-20261202-11111111')).toThrow(/expected an X25519 key, got ed25519/);
  });
});
