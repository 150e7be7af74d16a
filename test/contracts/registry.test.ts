import { randomBytes } from 'crypto';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Type } from 'avsc';
import { loadConfig } from '../../libs/config';
import { AVRO_FOR_SCHEMA_OPTIONS, createAvroType, loadContracts, SubjectPart } from '../../libs/contracts';
import { agreementSubject, agreementTopic } from '../../libs/contracts/agreementTopics';

/**
 * Every contract schema survives the real schema registry unchanged: registered under test-only subjects
 * (a random run prefix, so runs never clash with each other or with the pipeline's own subjects), then
 * read back by id. Also checks that the registry enforces the published BACKWARD rule.
 */
const runId = `it-${randomBytes(4).toString('hex')}`;
const { registryUrl } = loadConfig();
const contracts = loadContracts();
const registry = new SchemaRegistry({ host: registryUrl }, { [SchemaType.AVRO]: AVRO_FOR_SCHEMA_OPTIONS });
const created: string[] = [];

function testSubject(entity: string, part: SubjectPart): string {
  // A scratch agreement of its own: its subjects never meet a real agreement's.
  return agreementSubject(agreementTopic('thahs', 'cand', `TEST-REGISTRY-${runId}`, entity), part);
}

async function register(schema: object, subject: string): Promise<number> {
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject, compatibility: COMPATIBILITY.BACKWARD });
  if (!created.includes(subject)) created.push(subject);
  return id;
}

/** The schema text exactly as the registry stores it. */
async function storedSchema(id: number): Promise<unknown> {
  const res = await fetch(`${registryUrl}/schemas/ids/${id}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { schema: string };
  return JSON.parse(body.schema) as unknown;
}

afterAll(async () => {
  // Soft then hard delete, as the Confluent API requires; a registry without hard delete keeps them.
  for (const subject of created) {
    const url = `${registryUrl}/subjects/${encodeURIComponent(subject)}`;
    await fetch(url, { method: 'DELETE' }).catch(() => undefined);
    await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
  }
});

describe('contract schemas in the schema registry', () => {
  it.each(contracts.entities().map((e) => [e]))('%s: key and value register and read back unchanged', async (entity) => {
    const contract = contracts.get(entity);
    for (const [part, schema] of [
      ['key', contract.keySchema],
      ['value', contract.valueSchema],
    ] as const) {
      const subject = testSubject(entity, part);
      const id = await register(schema, subject);
      expect(await storedSchema(id)).toEqual(schema);
      const parsed = (await registry.getSchema(id)) as unknown as Type;
      expect(parsed.fingerprint('sha256').toString('hex')).toBe(createAvroType(schema).fingerprint('sha256').toString('hex'));
      expect(await registry.getLatestSchemaId(subject)).toBe(id);
      // Registering the same schema again is idempotent.
      expect(await register(schema, subject)).toBe(id);
    }
  });

  it('encodes and decodes the canonical record representation through the registry client', async () => {
    const schema = contracts.get('judgment').valueSchema;
    const id = await register(schema, testSubject('judgment', 'value'));
    const record = {
      id: '3f1c2a9e-5b7d-4e2f-9a1b-6c8d0e2f4a6b',
      ministry: 'QDND',
      reporting_unit_id: null,
      judgment_no: '12/2025/HS-ST',
      judgment_date: 20150,
      court_id: '8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d',
      instance: 'SO_THAM',
      effective_date: 20181,
      immediately_enforceable: false,
      court_fee_vnd: '200000',
      civil_obligation_vnd: '-15000000',
      created_at: 1741000000123456,
      updated_at: 1741000000654321,
      row_version: 2,
    };
    const buf = await registry.encode(id, record);
    expect(buf[0]).toBe(0);
    expect(buf.readInt32BE(1)).toBe(id);
    expect({ ...(await registry.decode(buf)) }).toEqual(record);
  });

  it('enforces BACKWARD on a subject: a breaking version is refused, a compatible one accepted', async () => {
    const base = contracts.get('person').valueSchema as { fields: Array<Record<string, unknown>> };
    const subject = testSubject('person', 'value');
    const firstId = await register(base, subject);

    const breaking = JSON.parse(JSON.stringify(base)) as typeof base;
    const nationalId = breaking.fields.find((f) => f.name === 'national_id') as Record<string, unknown>;
    nationalId.type = 'string';
    delete nationalId.default;
    // 409: the registry's compatibility rule (not some other failure) refuses the version.
    await expect(register(breaking, subject)).rejects.toMatchObject({ status: 409 });

    const compatible = JSON.parse(JSON.stringify(base)) as typeof base;
    compatible.fields.push({ name: 'registry_test_note', type: ['null', 'string'], default: null, doc: 'Ghi chú | Note', 'x-sensitivity': 2 });
    const secondId = await register(compatible, subject);
    expect(secondId).not.toBe(firstId);
    expect(await registry.getLatestSchemaId(subject)).toBe(secondId);
  });
});
