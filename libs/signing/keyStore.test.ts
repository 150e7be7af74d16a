import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateKeyPair, loadSigningKey, PublicKeyRing, KeyError } from '.';

describe('key store', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-keys-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('generates, loads and trusts a key pair', () => {
    const g = generateKeyPair(dir, 'qdnd');
    expect(g.keyId).toMatch(/^qdnd-\d{8}-[0-9a-f]{8}$/);
    expect(fs.statSync(g.privateFile).mode & 0o077).toBe(0);
    const k = loadSigningKey(dir, 'qdnd', {});
    expect(k.keyId).toBe(g.keyId);
    const ring = PublicKeyRing.fromDir(dir);
    expect(ring.ids()).toEqual([g.keyId]);
    expect(ring.get(g.keyId)?.equals(k.publicKey)).toBe(true);
  });

  it('explains how to create a missing key', () => {
    expect(() => loadSigningKey(dir, 'cand', {})).toThrow(KeyError);
    expect(() => loadSigningKey(dir, 'cand', {})).toThrow(/thahs keys generate --ministry cand/);
  });

  it('rejects a key that is not Ed25519 from the environment', () => {
    expect(() => loadSigningKey(dir, 'cand', { THAHS_SIGNING_KEY_PEM: 'not a pem' })).toThrow(/THAHS_SIGNING_KEY_PEM|cannot parse/);
  });
});
