import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PartyKeyError } from './exchangeErrors';
import { generatePartyKey, listPartySigningKeys, loadPartySigningKey, partyOfKeyId, PartyKeyRing } from './partyKeys';
import { generateKeyPair } from '../signing';

describe('party keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-party-keys-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the party in the key id and reads it back', () => {
    expect(partyOfKeyId('cand.c10-20261127-3f9a1c2e')).toBe('cand.c10');
    expect(partyOfKeyId('qdnd.cuc-dths-20261127-3f9a1c2e')).toBe('qdnd.cuc-dths');
    expect(partyOfKeyId('cand-20261127-3f9a1c2e')).toBeUndefined();
    expect(partyOfKeyId('cand.c10-2025')).toBeUndefined();
  });

  it('signs as the body and verifies through the ring; ministry CDC keys are ignored', () => {
    const a = generatePartyKey(dir, 'cand.c10');
    generatePartyKey(dir, 'cand.c10-x');
    generateKeyPair(dir, 'cand');
    const key = loadPartySigningKey(dir, 'cand.c10');
    expect(key).toMatchObject({ keyId: a.keyId, party: 'cand.c10' });
    expect(
      listPartySigningKeys(dir)
        .map((k) => k.party)
        .sort(),
    ).toEqual(['cand.c10', 'cand.c10-x']);
    const ring = PartyKeyRing.fromDir(dir);
    expect(ring.lookup(a.keyId)?.party).toBe('cand.c10');
    expect(
      ring
        .entries()
        .map((e) => e.party)
        .sort(),
    ).toEqual(['cand.c10', 'cand.c10-x']);
    expect(() => loadPartySigningKey(dir, 'qdnd.cuc-dths')).toThrow(PartyKeyError);
    expect(() => generatePartyKey(dir, 'police.c10')).toThrow(PartyKeyError);
  });

  it('refuses a public file that holds another key than its name says', () => {
    const a = generatePartyKey(dir, 'cand.c10');
    const b = generatePartyKey(dir, 'cand.c11');
    fs.copyFileSync(b.publicFile, a.publicFile);
    expect(() => PartyKeyRing.fromDir(dir)).toThrow(/fingerprint/);
  });

  it('finds a key installed after the ring was read', async () => {
    const ring = PartyKeyRing.fromDir(dir);
    await new Promise((r) => setTimeout(r, 1100));
    const a = generatePartyKey(dir, 'qdnd.cuc-dths');
    expect(ring.lookup(a.keyId)?.party).toBe('qdnd.cuc-dths');
  });
});
