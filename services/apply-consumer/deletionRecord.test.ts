import { createHash, generateKeyPairSync } from 'crypto';
import { canonicalJson } from '../../libs/agreements';
import type { SigningKey } from '../../libs/signing';
import { DELETION_RECORD_FORMAT, keysDigest, signDeletionRecord, verifyDeletionRecord, type DeletionRecord } from './deletionRecord';
import { deletionRecordMessage } from './deletionRecordMessage';

function key(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}

const ids = ['b3c1e0a2-0000-4000-8000-000000000002', 'A1C1E0A2-0000-4000-8000-000000000001', '0fc1e0a2-0000-4000-8000-000000000003'];

function sample(k: SigningKey): DeletionRecord {
  return signDeletionRecord(
    {
      format: DELETION_RECORD_FORMAT,
      recordId: '6f1f8c1e-2d3b-4c5a-9e8f-7a6b5c4d3e2f',
      agreementId: 'TTDL-CAND-QDND-2025-01',
      version: 2,
      receiver: 'qdnd',
      provider: 'cand',
      partnerStore: { database: 'qdnd', schema: 'partner_cand' },
      reason: 'agreement_end',
      method: 'hard_delete',
      endedAt: '2026-03-01T08:00:00.000Z',
      entities: [{ entity: 'person', rowsDeleted: 3, rowsAnonymised: 0, keysDigest: keysDigest(ids), anonymisedKeysDigest: keysDigest([]), fieldsCleared: [], columnsDropped: [] }],
      executedAt: '2026-03-31T08:00:00.000Z',
    },
    k,
  );
}

describe('deletion record', () => {
  it('digests keys in a fixed order and case, so the provider can recompute it from its own ids', () => {
    const expected = createHash('sha256').update('0fc1e0a2-0000-4000-8000-000000000003\na1c1e0a2-0000-4000-8000-000000000001\nb3c1e0a2-0000-4000-8000-000000000002').digest('hex');
    expect(keysDigest(ids)).toBe(expected);
    expect(keysDigest([...ids].reverse())).toBe(expected);
    expect(keysDigest([])).toBe(createHash('sha256').update('').digest('hex'));
  });

  it('verifies with the receiver public key, also after a JSON round trip, and carries the key id', () => {
    const k = key('qdnd-20261127-0a1b2c3d');
    const r = sample(k);
    expect(r.keyId).toBe(k.keyId);
    expect(r.algorithm).toBe('Ed25519');
    expect(verifyDeletionRecord(r, k.publicKey)).toBe(true);
    expect(verifyDeletionRecord(JSON.parse(JSON.stringify(r)) as DeletionRecord, k.publicKey)).toBe(true);
    const message = deletionRecordMessage(r);
    expect(message.key).toBe(r.recordId);
    expect(message.value).toBe(canonicalJson(r));
    expect(verifyDeletionRecord(JSON.parse(String(message.value)) as DeletionRecord, k.publicKey)).toBe(true);
  });

  it('fails on any alteration, another key or a malformed signature', () => {
    const k = key('qdnd-20261127-0a1b2c3d');
    const r = sample(k);
    const altered: DeletionRecord[] = [
      { ...r, entities: [{ ...r.entities[0], rowsDeleted: 2 }] },
      { ...r, entities: [{ ...r.entities[0], keysDigest: keysDigest(ids.slice(1)) }] },
      { ...r, executedAt: '2026-04-01T08:00:00.000Z' },
      { ...r, method: 'anonymise' },
      { ...r, keyId: 'qdnd-other' },
      { ...r, extra: 'x' } as DeletionRecord,
      { ...r, signature: r.signature.slice(0, -4) + 'AAA=' },
      { ...r, signature: 'not base64' },
    ];
    for (const a of altered) expect(verifyDeletionRecord(a, k.publicKey)).toBe(false);
    expect(verifyDeletionRecord(r, key('qdnd-other-2026').publicKey)).toBe(false);
    expect(verifyDeletionRecord(null as unknown as DeletionRecord, k.publicKey)).toBe(false);
  });
});
