import * as fs from 'fs';
import * as path from 'path';
import { loadContracts } from '../contracts/contractLoader';
import type { AgreementDocument } from './agreementDocument';
import { catalogAgreementSource } from './catalogAgreementSource';
import { parseAgreementText } from './loadAgreementFile';
import { parseAgreementDocument } from './parseAgreementDocument';
import { FIELD_ENCRYPTION_ALGORITHM, protectionChanges, sealedFields } from './protectedFields';

const registry = loadContracts();
const contracts = (e: string) => (registry.has(e) ? registry.get(e) : undefined);
const file = path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml');
const example = parseAgreementText(fs.readFileSync(file, 'utf8'), file, { contracts });
const KEY = { algorithm: FIELD_ENCRYPTION_ALGORITHM, keyId: 'qdnd-enc-20261202-0a1b2c3d', publicKeySha256: 'ab'.repeat(32) };

/** The example with tier-3 fields added to person and, unless null, the receiver's encryption key. */
function sharingTier3(fieldEncryption: Record<string, unknown> | null = KEY, extra: readonly string[] = ['religion', 'ethnicity', 'biometric_refs']): Record<string, unknown> {
  const d = JSON.parse(JSON.stringify(example)) as { data: { entities: { entity: string; fields: string[] }[] }; security: Record<string, unknown> };
  d.data.entities[0].fields.push(...extra);
  if (fieldEncryption) d.security.fieldEncryption = fieldEncryption;
  return d;
}

/** The document as a version signed before fieldEncryption was required for tier-3 fields would be. */
function withoutKey(doc: AgreementDocument): AgreementDocument {
  const { fieldEncryption: _dropped, ...security } = doc.security;
  return { ...doc, security };
}

const clearTier3 = (field: string): string =>
  `${field} is a tier-3 field of person and would travel in the clear: name the receiving ministry's encryption key in security.fieldEncryption (every tier-3 field shared is then sealed), or stop sharing ${field}`;

function issues(input: unknown): Record<string, string> {
  const r = parseAgreementDocument(input, { contracts });
  return r.ok ? {} : Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
}

describe('protected (tier-3) fields of an agreement', () => {
  it('seals every tier-3 field shared when the receiver key is named, and none without it', () => {
    const r = parseAgreementDocument(sharingTier3(), { contracts });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.document.security.fieldEncryption).toEqual(KEY);
    expect(sealedFields(r.document, 'person', registry.get('person'))).toEqual(['ethnicity', 'religion', 'biometric_refs']);
    expect(sealedFields(r.document, 'judgment', registry.get('judgment'))).toEqual([]);
    expect(sealedFields(withoutKey(r.document), 'person', registry.get('person'))).toEqual([]);
  });

  it('rejects a version sharing tier-3 fields without the receiver key, naming each field', () => {
    expect(issues(sharingTier3(null))).toEqual({
      'data.entities[0].fields[11]': clearTier3('religion'),
      'data.entities[0].fields[12]': clearTier3('ethnicity'),
      'data.entities[0].fields[13]': clearTier3('biometric_refs'),
    });
    // Also where the tier-3 field is not the person's, and beside a share that has none.
    const d = sharingTier3(null, []) as { data: { entities: { entity: string; fields: string[] }[] } };
    d.data.entities.push({ entity: 'custody_placement', fields: ['id', 'ministry', 'detention_group'] });
    const found = issues(d);
    expect(Object.keys(found)).toEqual([`data.entities[${d.data.entities.length - 1}].fields[2]`]);
    expect(Object.values(found)[0]).toMatch(/^detention_group is a tier-3 field of custody_placement and would travel in the clear/);
    // Without contracts (a signed event replayed) tiers are unknown: not checked there.
    expect(parseAgreementDocument(sharingTier3(null)).ok).toBe(true);
  });

  it('rejects a bad key entry, naming the field', () => {
    expect(issues(sharingTier3({ ...KEY, keyId: 'cand-enc-20261202-0a1b2c3d' }))).toEqual({
      'security.fieldEncryption.keyId': "cand-enc-20261202-0a1b2c3d is cand's key; protected fields are sealed to the receiving ministry's key (qdnd)",
    });
    expect(issues(sharingTier3({ ...KEY, keyId: 'qdnd-20261202-0a1b2c3d' }))['security.fieldEncryption.keyId']).toMatch(
      /is not an encryption key id <ministry>-enc-<YYYYMMDD>-<8 hex>/,
    );
    expect(issues(sharingTier3({ ...KEY, publicKeySha256: 'AB'.repeat(32) }))['security.fieldEncryption.publicKeySha256']).toMatch(/64 lowercase hex digits/);
    expect(issues(sharingTier3({ ...KEY, algorithm: 'RSA-OAEP' }))['security.fieldEncryption.algorithm']).toMatch(/X25519-HKDF-SHA256-AES-256-GCM/);
    expect(issues(sharingTier3({ keyId: KEY.keyId, publicKeySha256: KEY.publicKeySha256 }))['security.fieldEncryption.algorithm']).toMatch(/required/);
    expect(issues(sharingTier3({ ...KEY, fields: ['religion'] }))['security.fieldEncryption.fields']).toMatch(/unknown key "fields"/);
  });

  it('rejects a row filter reading a sealed field: the receiver could not check it', () => {
    const d = sharingTier3() as { data: { entities: { filter?: unknown }[] } };
    d.data.entities[0].filter = {
      and: [
        { field: 'is_military', op: 'eq', value: true },
        { field: 'religion', op: 'is_not_null' },
      ],
    };
    expect(issues(d)).toEqual({
      'data.entities[0].filter': "reads religion, a tier-3 field sealed to the receiver's key: the receiver cannot check a filter on a sealed value; filter on another field",
    });
  });

  it('refuses an amendment that would switch a field shared by both versions between sealed and clear', () => {
    const parse = (x: unknown): AgreementDocument => {
      const r = parseAgreementDocument(x, { contracts });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.document;
    };
    const sealed = parse(sharingTier3());
    // A version in the clear no longer validates; one signed before that rule can still be in a history.
    const clear = withoutKey(sealed);
    expect(protectionChanges(clear, sealed, contracts)).toEqual(['person.religion', 'person.ethnicity', 'person.biometric_refs']);
    expect(protectionChanges(sealed, clear, contracts)).toEqual(['person.religion', 'person.ethnicity', 'person.biometric_refs']);
    expect(protectionChanges(sealed, sealed, contracts)).toEqual([]);
    // A key rotated by an amendment keeps every field sealed; a tier-3 field first shared under the key is new, not switched.
    expect(
      protectionChanges(sealed, parse(sharingTier3({ ...KEY, keyId: 'qdnd-enc-20270101-11111111' }, ['religion', 'ethnicity', 'biometric_refs', 'photo_ref'])), contracts),
    ).toEqual([]);
    expect(protectionChanges(parse(example), sealed, contracts)).toEqual([]);
  });

  it('tells the catalogue which fields are sealed, so its schema fingerprint is the one the producer registers', () => {
    const r = parseAgreementDocument(sharingTier3(), { contracts });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(catalogAgreementSource(r.document, contracts).entities[0].sealed).toEqual(['ethnicity', 'religion', 'biometric_refs']);
    expect(catalogAgreementSource(example, contracts).entities[0]).not.toHaveProperty('sealed');
  });
});
