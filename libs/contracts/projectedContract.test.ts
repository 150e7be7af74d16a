import fc from 'fast-check';
import { createAvroType } from './avroType';
import { canonicalSchemaText } from './canonicalSchema';
import { checkBackwardCompatible } from './compatibility';
import { loadContracts } from './contractLoader';
import { checkProjectedSchema, projectContract, projectionFields, projectValueSchema } from './projectedContract';

const contracts = loadContracts();
const entities = contracts.list().map((c) => c.entity);

/** A random projection of a random contract: a subset of its fields (the key is added by the projection). */
const projection = fc.constantFrom(...entities).chain((entity) => {
  const names = contracts.get(entity).fields.map((f) => f.name);
  return fc.tuple(fc.constant(entity), fc.subarray(names), fc.subarray(names));
});

describe('projected contracts', () => {
  it('keeps the key and the contract order, and refuses unknown fields', () => {
    const person = contracts.get('person');
    expect(projectionFields(person, ['sex', 'full_name'])).toEqual(['id', 'full_name', 'sex']);
    expect(() => projectionFields(person, ['salary'])).toThrow(/salary not in the contract/);
  });

  it('makes every field but the key optional, and keeps types and docs', () => {
    const person = contracts.get('person');
    const schema = projectValueSchema(person, ['full_name', 'national_id', 'ministry']);
    const fields = schema.fields as { name: string; type: unknown; default?: unknown; doc?: string }[];
    expect(fields.map((f) => f.name)).toEqual(['id', 'ministry', 'national_id', 'full_name']);
    expect(fields[0].type).toEqual({ type: 'string', logicalType: 'uuid' });
    expect(fields[3]).toMatchObject({ type: ['null', 'string'], default: null, doc: 'Họ và tên | Full name' });
    expect(schema.name).toBe('Value');
    expect(schema.namespace).toBe('vn.thahs.person');
  });

  it('gives a type named elsewhere its definition where the projection first uses it', () => {
    // The contracts define every enum inline; a schema may also name a type defined by an earlier field.
    const person = contracts.get('person');
    const value = person.valueSchema as { fields: Record<string, unknown>[] };
    const c = {
      ...person,
      valueSchema: { ...person.valueSchema, fields: [...value.fields, { name: 'b', type: 'vn.thahs.common.Ministry', doc: 'B | B' }] },
      fields: [...person.fields, { ...person.fields.find((f) => f.name === 'ministry')!, name: 'b' }],
    };
    const onlyB = projectValueSchema(c, ['b']);
    const t = createAvroType(onlyB);
    expect(t.fromBuffer(t.toBuffer({ id: '7a0d3f0e-8a4b-4d5c-9e1f-0a1b2c3d4e5f', b: 'QDND' }))).toMatchObject({ b: 'QDND' });
    const both = projectValueSchema(c, ['ministry', 'b']);
    expect(() => createAvroType(both)).not.toThrow();
  });

  it('every projection of every contract is a valid schema, pinned by its own field names, and any two read each other', () => {
    fc.assert(
      fc.property(projection, ([entity, a, b]) => {
        const contract = contracts.get(entity);
        const pa = projectContract(contract, a);
        const pb = projectContract(contract, b);
        createAvroType(pa.projected.valueSchema);
        expect(checkProjectedSchema(contract, pa.projected.valueSchema)).toEqual({ ok: true, fields: pa.fields });
        // Amendments add and drop fields; records of both versions stay on the compacted topic.
        expect(checkBackwardCompatible(pa.projected.valueSchema, pb.projected.valueSchema)).toEqual([]);
        expect(checkBackwardCompatible(pb.projected.valueSchema, pa.projected.valueSchema)).toEqual([]);
        expect(pa.projected.fields.map((f) => f.name)).toEqual(pa.fields);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a schema served under a known id with fields renamed, reordered or retyped', () => {
    const enforcement = contracts.get('enforcement_case');
    const good = projectValueSchema(enforcement, ['case_no', 'status', 'opened_at']);
    const fields = good.fields as Record<string, unknown>[];
    const renamed = { ...good, fields: fields.map((f) => (f.name === 'case_no' ? { ...f, name: 'status_text' } : f)) };
    const reordered = { ...good, fields: [fields[0], fields[2], fields[1], ...fields.slice(3)] };
    const retyped = { ...good, fields: fields.map((f) => (f.name === 'opened_at' ? { ...f, type: ['null', 'long'] } : f)) };
    const docOnly = { ...good, doc: 'another text', fields: fields.map((f) => ({ ...f, doc: 'x' })) };
    expect(checkProjectedSchema(enforcement, renamed)).toMatchObject({ ok: false, reason: expect.stringMatching(/status_text are not in the contract/) });
    expect(checkProjectedSchema(enforcement, reordered)).toMatchObject({ ok: false });
    expect(checkProjectedSchema(enforcement, retyped)).toMatchObject({ ok: false });
    expect(checkProjectedSchema(enforcement, docOnly)).toMatchObject({ ok: true });
  });

  it('a decimal scale changed under the same names is a different schema (Parsing Canonical Form would not tell)', () => {
    const a = { type: 'record', name: 'V', fields: [{ name: 'x', type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 } }] };
    const b = { type: 'record', name: 'V', fields: [{ name: 'x', type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 0 } }] };
    expect(canonicalSchemaText(a)).not.toBe(canonicalSchemaText(b));
    expect(createAvroType(a).fingerprint().equals(createAvroType(b).fingerprint())).toBe(true);
  });
});
