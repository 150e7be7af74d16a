import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createAvroType } from './avroType';
import { ContractError, UnknownEntityError } from './contractError';
import { DEFAULT_SCHEMA_DIR, loadContracts } from './contractLoader';
import { fieldKindOf } from './fieldKind';

const ENTITIES = [
  'community_supervision',
  'conviction',
  'conviction_offence',
  'court',
  'custody_placement',
  'enforcement_case',
  'enforcement_event',
  'execution_decision',
  'judgment',
  'judicial_measure',
  'legal_person',
  'legal_person_enforcement',
  'monetary_obligation',
  'org_unit',
  'penalty',
  'person',
];

describe('loadContracts (schemas/)', () => {
  const registry = loadContracts();

  it('publishes the sixteen entities, each keyed by id', () => {
    expect(registry.entities()).toEqual(ENTITIES);
    for (const c of registry.list()) {
      expect(c.keyFields).toEqual(['id']);
      expect(c.namespace).toBe(`vn.thahs.${c.entity}`);
      expect(c.providers).toEqual(['cand', 'qdnd']);
      expect(c.fields.slice(0, 3).map((f) => f.name)).toEqual(['id', 'ministry', 'reporting_unit_id']);
      expect(c.fields.slice(-3).map((f) => `${f.name}:${f.kind}`)).toEqual(['created_at:timestamp', 'updated_at:timestamp', 'row_version:int']);
    }
    expect(registry.has('person')).toBe(true);
    expect(registry.has('prisoner')).toBe(false);
    expect(() => registry.get('prisoner')).toThrow(UnknownEntityError);
  });

  it('reads kinds, nullability, tiers and bilingual docs', () => {
    const person = registry.get('person');
    const f = (n: string) => person.fields.find((x) => x.name === n);
    expect(f('national_id')).toMatchObject({ kind: 'string', nullable: true, sensitivity: 2, docVi: 'Số định danh cá nhân (CCCD, 12 chữ số)' });
    expect(f('date_of_birth')).toMatchObject({ kind: 'date', nullable: false, sensitivity: 2 });
    expect(f('sex')).toMatchObject({ kind: 'enum', enumName: 'vn.thahs.common.Sex', symbols: ['M', 'F', 'X', 'UNKNOWN'] });
    expect(f('sex')?.symbolLabels?.F).toBe('Nữ');
    expect(f('biometric_refs')).toMatchObject({ kind: 'json', nullable: true, sensitivity: 3 });
    for (const m of ['is_military', 'military_rank', 'military_unit_id']) expect(f(m)?.nullable).toBe(true);
    expect(registry.get('judgment').fields.find((x) => x.name === 'court_fee_vnd')).toMatchObject({ kind: 'decimal', precision: 18, scale: 0 });
    const details = registry.get('enforcement_event').fields.find((x) => x.name === 'details');
    expect(details).toMatchObject({ kind: 'json', sensitivity: 3 });
    expect(details?.jsonKeys?.DEATH.cause.symbols).toContain('TU_SAT');
  });

  it('encodes and decodes the canonical JS record representation', () => {
    const t = createAvroType(registry.get('penalty').valueSchema);
    const rec = {
      id: '7d0c2b8e-3f3a-4c55-9d61-0f4a1b2c3d4e',
      ministry: 'QDND',
      reporting_unit_id: null,
      conviction_id: '1e5a9c7b-2d4f-4a6b-8c9d-0e1f2a3b4c5d',
      penalty_kind: 'PHAT_TIEN',
      is_main: true,
      term_years: null,
      term_months: null,
      term_days: null,
      is_life: false,
      amount_vnd: '-150000000',
      suspended: false,
      probation_months: null,
      supervising_kind: null,
      supervising_unit_id: null,
      scope: null,
      start_date: 20089, // 2025-01-01
      expected_end_date: null,
      created_at: 1735689600123456,
      updated_at: 1735689600123457,
      row_version: 3,
    };
    expect({ ...t.fromBuffer(t.toBuffer(rec)) }).toEqual(rec);
    expect(t.isValid({ ...rec, conviction_id: 'not-a-uuid' })).toBe(false);
  });

  it('knows the field kinds of the conventions', () => {
    expect(fieldKindOf(['null', { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 0 }])).toBe('decimal');
    expect(fieldKindOf({ type: 'long', logicalType: 'timestamp-micros' })).toBe('timestamp');
    expect(fieldKindOf({ type: 'string', 'x-kind': 'json' })).toBe('json');
    expect(fieldKindOf('double')).toBe('double');
    expect(() => fieldKindOf(['string', 'null'])).toThrow(/\["null", T\]/);
    expect(() => fieldKindOf('float')).toThrow(/unsupported/);
  });
});

describe('loadContracts errors name the file and field', () => {
  let dir: string;
  const read = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(DEFAULT_SCHEMA_DIR, name), 'utf8')) as Record<string, unknown>;
  const fieldsOf = (s: Record<string, unknown>) => s.fields as Array<Record<string, unknown>>;
  const setup = (mutate: (value: Record<string, unknown>) => void): void => {
    fs.writeFileSync(path.join(dir, 'court.key.avsc'), JSON.stringify(read('court.key.avsc')));
    const value = read('court.value.avsc');
    mutate(value);
    fs.writeFileSync(path.join(dir, 'court.value.avsc'), JSON.stringify(value));
  };
  const failure = (): ContractError => {
    try {
      loadContracts(dir);
    } catch (err) {
      if (err instanceof ContractError) return err;
      throw err;
    }
    throw new Error('loadContracts accepted the schemas');
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-contracts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts the unmodified pair', () => {
    setup(() => undefined);
    expect(loadContracts(dir).entities()).toEqual(['court']);
  });

  it.each([
    ['a doc without " | "', (v: Record<string, unknown>) => (fieldsOf(v)[3].doc = 'Mã tòa án'), 'court_code', /exactly one " \| "/],
    ['a missing tier', (v: Record<string, unknown>) => delete fieldsOf(v)[4]['x-sensitivity'], 'name', /x-sensitivity/],
    ['a nullable field without default', (v: Record<string, unknown>) => delete fieldsOf(v)[6].default, 'province_code', /default": null/],
    [
      'an enum without UNKNOWN',
      (v: Record<string, unknown>) => {
        const e = fieldsOf(v)[5].type as Record<string, unknown>;
        e.symbols = ['TANDTC'];
        delete e.default;
        delete e['x-labels'];
      },
      'court_kind',
      /UNKNOWN/,
    ],
    ['an unsupported type', (v: Record<string, unknown>) => (fieldsOf(v)[3].type = 'float'), 'court_code', /unsupported/],
    ['a missing common column', (v: Record<string, unknown>) => (v.fields = fieldsOf(v).filter((f) => f.name !== 'row_version')), 'row_version', /common column/],
  ])('rejects %s', (_label, mutate, field, reason) => {
    setup(mutate);
    const err = failure();
    expect(err.file).toBe(path.join(dir, 'court.value.avsc'));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(reason);
  });

  it('rejects a wrong namespace, bad providers and a missing key file', () => {
    setup((v) => (v.namespace = 'vn.thahs.tribunal'));
    expect(failure().message).toMatch(/namespace must be "vn\.thahs\.court"/);
    setup((v) => (v['x-providers'] = ['cand', 'mps']));
    expect(failure().message).toMatch(/x-providers/);
    setup(() => undefined);
    fs.rmSync(path.join(dir, 'court.key.avsc'));
    expect(failure().file).toBe(path.join(dir, 'court.key.avsc'));
  });

  it('rejects invalid Avro and invalid JSON', () => {
    setup((v) => (fieldsOf(v)[3].default = 42));
    expect(failure().message).toMatch(/not a valid Avro schema/);
    fs.writeFileSync(path.join(dir, 'court.value.avsc'), '{');
    expect(failure().message).toMatch(/not JSON/);
  });
});
