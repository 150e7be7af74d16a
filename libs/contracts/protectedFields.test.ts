import { createAvroType } from './avroType';
import { checkBackwardCompatible } from './compatibility';
import { loadContracts } from './contractLoader';
import { checkProjectedSchema, projectContract, projectValueSchema } from './projectedContract';
import { protectedFieldNames, protectFields, PROTECTED_ATTRIBUTE } from './protectedFields';

const contracts = loadContracts();
const person = contracts.get('person');
const FIELDS = ['full_name', 'religion', 'ethnicity', 'biometric_refs'];

describe('protected fields', () => {
  it('marks only the named tier-3 fields, and leaves a contract protecting nothing as it is', () => {
    const p = protectFields(person, ['religion', 'biometric_refs']);
    expect(protectedFieldNames(p)).toEqual(['religion', 'biometric_refs']);
    expect(p.fields.find((f) => f.name === 'full_name')!.protected).toBeUndefined();
    expect(protectFields(person, [])).toBe(person);
  });

  it('refuses the key, a field below tier 3 and an unknown field, naming it', () => {
    expect(() => protectFields(person, ['id'])).toThrow(/id is a key field of person/);
    expect(() => protectFields(person, ['full_name'])).toThrow(/full_name is tier 2; only tier-3 fields are sealed/);
    expect(() => protectFields(person, ['salary'])).toThrow(/cannot protect salary/);
  });

  it('types a protected field as optional bytes marked x-protected, the others as before', () => {
    const schema = projectValueSchema(protectFields(person, ['religion', 'biometric_refs']), FIELDS);
    const byName = new Map((schema.fields as { name: string; type: unknown; default?: unknown }[]).map((f) => [f.name, f]));
    expect(byName.get('religion')).toMatchObject({ type: ['null', 'bytes'], default: null, [PROTECTED_ATTRIBUTE]: true });
    expect(byName.get('biometric_refs')).toMatchObject({ type: ['null', 'bytes'], [PROTECTED_ATTRIBUTE]: true });
    expect(byName.get('ethnicity')).toMatchObject({ type: ['null', 'string'] });
    expect(byName.get('ethnicity')).not.toHaveProperty(PROTECTED_ATTRIBUTE);
    const t = createAvroType(schema);
    const sealed = Buffer.from([0x54, 0x46, 0x01, 0xff]);
    expect((t.fromBuffer(t.toBuffer({ id: '7a0d3f0e-8a4b-4d5c-9e1f-0a1b2c3d4e5f', religion: sealed })) as { religion: Buffer }).religion.equals(sealed)).toBe(true);
  });

  it('is pinned by the receiver as the projection with those fields sealed; a sealed field below tier 3 is refused', () => {
    const p = projectContract(protectFields(person, ['religion']), FIELDS);
    expect(checkProjectedSchema(person, p.projected.valueSchema)).toEqual({
      ok: true,
      fields: ['id', 'full_name', 'ethnicity', 'religion', 'biometric_refs'],
      sealed: ['religion'],
    });
    expect(checkProjectedSchema(person, projectValueSchema(person, FIELDS))).toEqual({ ok: true, fields: ['id', 'full_name', 'ethnicity', 'religion', 'biometric_refs'] });
    const forged = projectValueSchema(person, FIELDS);
    const fields = (forged.fields as Record<string, unknown>[]).map((f) => (f.name === 'full_name' ? { ...f, type: ['null', 'bytes'] } : f));
    const r = checkProjectedSchema(person, { ...forged, fields });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/full_name is tier 2/);
  });

  it('versions protecting the same fields read each other whatever else they add or drop', () => {
    const v1 = projectValueSchema(protectFields(person, ['religion']), ['full_name', 'religion']);
    const v2 = projectValueSchema(protectFields(person, ['religion', 'ethnicity']), ['religion', 'ethnicity', 'sex']);
    expect(checkBackwardCompatible(v1, v2)).toEqual([]);
    expect(checkBackwardCompatible(v2, v1)).toEqual([]);
  });
});
