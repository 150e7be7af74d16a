import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { COLUMN_CODE_LISTS, createDataSource, EXCHANGED_TABLES, migrate, MinistryMismatchError, TABLE_COLUMNS, type ExchangedTable } from '../../libs/model';
import { loadConfig } from '../../libs/config';
import { ScratchDatabase } from '../support/scratchDatabase';

/**
 * The own model on a real PostgreSQL: built from empty by the migrations, consistent with the
 * entities, the code lists and the published Avro contracts, and rejecting bad rows with errors that
 * name the rule broken.
 */
let db: ScratchDatabase;
let client: Client;

beforeAll(async () => {
  db = await ScratchDatabase.create(loadConfig().candPgUrl, 'model');
  await migrate(db.url, 'cand');
  client = new Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const UNIT = '00000000-0000-4000-8000-000000000001';
const COURT = '00000000-0000-4000-8000-000000000002';
const PERSON = '00000000-0000-4000-8000-000000000003';
const JUDGMENT = '00000000-0000-4000-8000-000000000004';
const CONVICTION = '00000000-0000-4000-8000-000000000005';
const DECISION = '00000000-0000-4000-8000-000000000006';
const CASE = '00000000-0000-4000-8000-000000000007';

async function insert(table: ExchangedTable, values: Record<string, unknown>): Promise<void> {
  const cols = Object.keys(values);
  await client.query(`INSERT INTO thahs.${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(values));
}

const person = (over: Record<string, unknown> = {}) => ({
  ministry: 'CAND',
  national_id: '001089012345',
  full_name: 'Nguyễn Văn Hùng',
  date_of_birth: '1989-05-02',
  sex: 'M',
  ...over,
});

/** Runs `fn` in a transaction that is always rolled back, and returns the error it raised. */
async function failure(fn: () => Promise<void>): Promise<{ constraint?: string; message: string; code?: string }> {
  await client.query('BEGIN');
  try {
    await fn();
  } catch (err) {
    return err as { constraint?: string; message: string; code?: string };
  } finally {
    await client.query('ROLLBACK');
  }
  throw new Error('expected the statement to be rejected');
}

describe('migrations', () => {
  it('create every exchanged table in schema thahs from an empty database, and only those', async () => {
    const r = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'thahs' ORDER BY 1");
    expect(r.rows.map((x) => x.table_name)).toEqual([...EXCHANGED_TABLES].sort());
  });

  it('are idempotent: a second run applies nothing', async () => {
    expect((await migrate(db.url, 'cand')).applied).toEqual([]);
  });

  it('refuse a database that belongs to the other ministry', async () => {
    await expect(migrate(db.url, 'qdnd')).rejects.toBeInstanceOf(MinistryMismatchError);
  });

  it('are reversible', async () => {
    const scratch = await ScratchDatabase.create(loadConfig().candPgUrl, 'model');
    try {
      await migrate(scratch.url, 'qdnd');
      const ds = createDataSource(scratch.url, 'qdnd');
      await ds.initialize();
      try {
        await ds.undoLastMigration({ transaction: 'all' });
        await ds.undoLastMigration({ transaction: 'all' });
        const left = await ds.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'thahs'");
        expect(left[0].n).toBe(0);
      } finally {
        await ds.destroy();
      }
      expect((await migrate(scratch.url, 'qdnd')).applied).toHaveLength(2);
    } finally {
      await scratch.drop();
    }
  });
});

describe('model consistency', () => {
  it('has the columns TABLE_COLUMNS lists, in that order', async () => {
    for (const t of EXCHANGED_TABLES) {
      const r = await client.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'thahs' AND table_name = $1 ORDER BY ordinal_position",
        [t],
      );
      expect([t, r.rows.map((x) => x.column_name)]).toEqual([t, [...TABLE_COLUMNS[t]]]);
    }
  });

  it('matches the TypeORM entities column for column, including nullability', async () => {
    const ds = createDataSource(db.url, 'cand');
    await ds.initialize();
    try {
      for (const meta of ds.entityMetadatas) {
        const r = await client.query<{ column_name: string; is_nullable: string }>(
          "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'thahs' AND table_name = $1",
          [meta.tableName],
        );
        const db = new Map(r.rows.map((x) => [x.column_name, x.is_nullable === 'YES']));
        const entity = new Map(meta.columns.map((c) => [c.databaseName, c.isNullable]));
        expect([meta.tableName, [...entity.keys()].sort()]).toEqual([meta.tableName, [...db.keys()].sort()]);
        for (const [col, nullable] of entity) expect([meta.tableName, col, nullable]).toEqual([meta.tableName, col, db.get(col)]);
      }
      expect(ds.entityMetadatas.map((m) => m.tableName).sort()).toEqual([...EXCHANGED_TABLES].sort());
    } finally {
      await ds.destroy();
    }
  });

  it('checks every code column against exactly the codes of codes.ts', async () => {
    for (const [table, columns] of Object.entries(COLUMN_CODE_LISTS)) {
      for (const [column, codes] of Object.entries(columns)) {
        const r = await client.query<{ def: string }>(
          `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'thahs' AND t.relname = $1 AND c.conname = $2`,
          [table, `${table}_${column}_code`],
        );
        expect(r.rows).toHaveLength(1);
        const literals = [...(r.rows[0]?.def ?? '').matchAll(/'([A-Z0-9_]+)'/g)].map((m) => m[1]);
        expect([table, column, literals.sort()]).toEqual([table, column, Object.keys(codes).sort()]);
      }
    }
  });
});

/** Avro type → the PostgreSQL types that can carry it. */
interface AvroField {
  name: string;
  type: unknown;
}
const COMPATIBLE: Record<string, string[]> = {
  uuid: ['uuid'],
  string: ['text', 'character', 'character varying', 'uuid'],
  json: ['jsonb', 'json'],
  boolean: ['boolean'],
  int: ['integer', 'smallint'],
  long: ['bigint', 'integer', 'smallint'],
  date: ['date'],
  'timestamp-micros': ['timestamp with time zone'],
  decimal: ['numeric'],
  enum: ['text', 'character varying'],
};

function unwrap(type: unknown, named: Map<string, { symbols: string[] }>): { kind: string; nullable: boolean; symbols?: string[]; precision?: number; scale?: number } {
  let nullable = false;
  let t = type;
  if (Array.isArray(t)) {
    nullable = t.includes('null');
    t = t.find((x) => x !== 'null');
  }
  if (typeof t === 'string') {
    const n = named.get(t) ?? named.get(t.split('.').pop() ?? t);
    if (n) return { kind: 'enum', nullable, symbols: n.symbols };
    return { kind: t, nullable };
  }
  const o = t as { type: string; logicalType?: string; name?: string; namespace?: string; symbols?: string[]; precision?: number; scale?: number; 'x-kind'?: string };
  if (o.type === 'enum') {
    named.set(o.name ?? '', { symbols: o.symbols ?? [] });
    if (o.namespace) named.set(`${o.namespace}.${o.name}`, { symbols: o.symbols ?? [] });
    return { kind: 'enum', nullable, symbols: o.symbols ?? [] };
  }
  if (o['x-kind'] === 'json') return { kind: 'json', nullable };
  if (o.logicalType === 'decimal') return { kind: 'decimal', nullable, precision: o.precision ?? 0, scale: o.scale ?? 0 };
  if (o.logicalType) return { kind: o.logicalType, nullable };
  return { kind: o.type, nullable };
}

describe('Avro contracts (schemas/*.value.avsc)', () => {
  const dir = path.resolve(__dirname, '..', '..', 'schemas');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.value.avsc')) : [];

  it('exist for every exchanged table', () => {
    expect(files.map((f) => f.replace('.value.avsc', '')).sort()).toEqual([...EXCHANGED_TABLES].sort());
  });

  it.each(files)('%s: every field is a column of a compatible type and nullability', async (file) => {
    const table = file.replace('.value.avsc', '');
    const schema = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { fields: AvroField[] };
    const cols = await client.query<{ column_name: string; data_type: string; is_nullable: string; numeric_precision: number | null; numeric_scale: number | null }>(
      "SELECT column_name, data_type, is_nullable, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema = 'thahs' AND table_name = $1",
      [table],
    );
    const byName = new Map(cols.rows.map((c) => [c.column_name, c]));
    const named = new Map<string, { symbols: string[] }>();
    const codes = COLUMN_CODE_LISTS[table] ?? {};
    for (const f of schema.fields) {
      const t = unwrap(f.type, named);
      const col = byName.get(f.name);
      expect([table, f.name, col !== undefined]).toEqual([table, f.name, true]);
      if (!col) continue;
      expect([table, f.name, COMPATIBLE[t.kind] ?? []]).toEqual([table, f.name, expect.arrayContaining([col.data_type])]);
      // A column the contract says is always present must never be NULL in the database.
      if (!t.nullable) expect([table, f.name, col.is_nullable]).toEqual([table, f.name, 'NO']);
      if (t.kind === 'decimal') expect([table, f.name, col.numeric_precision, col.numeric_scale]).toEqual([table, f.name, t.precision, t.scale]);
      if (t.kind === 'enum') {
        // Every value the column can hold must be a symbol of the contract's enum.
        const allowed = f.name === 'ministry' ? ['CAND', 'QDND'] : Object.keys(codes[f.name] ?? {});
        expect([table, f.name, allowed.length > 0]).toEqual([table, f.name, true]);
        for (const code of allowed) expect([table, f.name, t.symbols]).toEqual([table, f.name, expect.arrayContaining([code])]);
      }
    }
  });
});

describe('rejected rows name the rule they break', () => {
  beforeAll(async () => {
    await insert('org_unit', { id: UNIT, ministry: 'CAND', unit_code: 'T-UNIT', name: 'Trại giam Thử nghiệm', unit_kind: 'TRAI_GIAM', valid_from: '2020-01-01' });
    await insert('court', { id: COURT, ministry: 'CAND', court_code: 'T-COURT', name: 'Tòa án nhân dân tỉnh Nghệ An', court_kind: 'TAND_TINH' });
    await insert('person', { id: PERSON, ...person() });
    await insert('judgment', { id: JUDGMENT, ministry: 'CAND', judgment_no: '1/2024/HS-ST', judgment_date: '2024-03-01', court_id: COURT, instance: 'SO_THAM' });
    await insert('conviction', { id: CONVICTION, ministry: 'CAND', judgment_id: JUDGMENT, person_id: PERSON });
    await insert('execution_decision', {
      id: DECISION,
      ministry: 'CAND',
      decision_no: '7/2024/QĐ-CA',
      decision_date: '2024-04-01',
      court_id: COURT,
      issuer_name: 'Trần Văn Bình',
      issuer_title: 'Chánh án',
      conviction_id: CONVICTION,
      executing_unit_id: UNIT,
      kind: 'IMPRISONMENT',
    });
    await insert('enforcement_case', {
      id: CASE,
      ministry: 'CAND',
      case_no: 'HS-2024-00001',
      subject_person_id: PERSON,
      execution_decision_id: DECISION,
      managing_unit_id: UNIT,
      case_type: 'CUSTODIAL',
      status: 'DANG_THI_HANH',
      opened_at: '2024-04-03T02:00:00Z',
    });
  });

  it.each([
    ['an ID number that is not 12 digits', { national_id: '00108901234' }, 'person_national_id_format'],
    ['an ID number with letters', { national_id: '00108901234X' }, 'person_national_id_format'],
    ['an ID number whose century/sex digit is not 0–3', { national_id: '001589012345' }, 'person_national_id_format'],
    ['an ID number whose year digits are not the birth year', { national_id: '001090012346' }, 'person_national_id_matches_birth'],
    ['an ID number coding the wrong sex', { national_id: '001189012346' }, 'person_national_id_matches_birth'],
    ['an unknown sex code', { national_id: null, sex: 'N' }, 'person_sex_code'],
    ['an unknown ministry', { national_id: null, ministry: 'BQP' }, 'person_ministry_code'],
    ['a duplicate ID number', {}, 'person_national_id_key'],
    ['a biometric reference list that is not an object', { national_id: null, biometric_refs: JSON.stringify(['a']) }, 'person_biometric_refs_object'],
  ] as [string, Record<string, unknown>, string][])('person with %s', async (_what, over, constraint) => {
    const err = await failure(() => insert('person', person(over)));
    expect(err.constraint).toBe(constraint);
    expect(err.message).toContain(constraint);
  });

  it.each([
    ['org_unit', 'org_unit_unit_code_key', { ministry: 'CAND', unit_code: 'T-UNIT', name: 'x', unit_kind: 'TRAI_GIAM', valid_from: '2020-01-01' }],
    ['org_unit', 'org_unit_unit_kind_code', { ministry: 'CAND', unit_code: 'T-2', name: 'x', unit_kind: 'NHA_TU', valid_from: '2020-01-01' }],
    ['org_unit', 'org_unit_validity_order', { ministry: 'CAND', unit_code: 'T-3', name: 'x', unit_kind: 'TRAI_GIAM', valid_from: '2020-01-01', valid_to: '2019-01-01' }],
    ['court', 'court_court_code_key', { ministry: 'CAND', court_code: 'T-COURT', name: 'x', court_kind: 'TAND_TINH' }],
    [
      'legal_person',
      'legal_person_enterprise_code_format',
      { ministry: 'CAND', enterprise_code: '01234', name: 'x', head_office_address: 'x', province_code: '001', legal_rep_name: 'x', status: 'HOAT_DONG' },
    ],
    ['judgment', 'judgment_court_no_date_key', { ministry: 'CAND', judgment_no: '1/2024/HS-ST', judgment_date: '2024-03-01', court_id: COURT, instance: 'SO_THAM' }],
    [
      'judgment',
      'judgment_amounts_nonnegative',
      { ministry: 'CAND', judgment_no: '2/2024/HS-ST', judgment_date: '2024-03-01', court_id: COURT, instance: 'SO_THAM', court_fee_vnd: -1 },
    ],
    ['conviction', 'conviction_one_subject', { ministry: 'CAND', judgment_id: JUDGMENT }],
    [
      'execution_decision',
      'execution_decision_court_no_date_key',
      {
        ministry: 'CAND',
        decision_no: '7/2024/QĐ-CA',
        decision_date: '2024-04-01',
        court_id: COURT,
        issuer_name: 'x',
        issuer_title: 'x',
        conviction_id: CONVICTION,
        executing_unit_id: UNIT,
        kind: 'IMPRISONMENT',
      },
    ],
    [
      'enforcement_case',
      'enforcement_case_unit_case_no_key',
      {
        ministry: 'CAND',
        case_no: 'HS-2024-00001',
        subject_person_id: PERSON,
        execution_decision_id: DECISION,
        managing_unit_id: UNIT,
        case_type: 'CUSTODIAL',
        status: 'DANG_THI_HANH',
        opened_at: '2024-04-03T02:00:00Z',
      },
    ],
    [
      'enforcement_case',
      'enforcement_case_status_code',
      {
        ministry: 'CAND',
        case_no: 'HS-2024-00002',
        subject_person_id: PERSON,
        execution_decision_id: DECISION,
        managing_unit_id: UNIT,
        case_type: 'CUSTODIAL',
        status: 'DONE',
        opened_at: '2024-04-03T02:00:00Z',
      },
    ],
    ['enforcement_event', 'enforcement_event_event_type_code', { ministry: 'CAND', case_id: CASE, event_type: 'PARTY', event_at: '2024-05-01T02:00:00Z' }],
    [
      'enforcement_event',
      'enforcement_event_details_object',
      { ministry: 'CAND', case_id: CASE, event_type: 'CONDUCT_RATING', event_at: '2024-05-01T02:00:00Z', details: JSON.stringify('TOT') },
    ],
    [
      'enforcement_event',
      'enforcement_event_case_id_fk',
      { ministry: 'CAND', case_id: '00000000-0000-4000-8000-0000000000ff', event_type: 'ADMISSION', event_at: '2024-05-01T02:00:00Z' },
    ],
    ['conviction_offence', 'conviction_offence_code_article_range', { ministry: 'CAND', conviction_id: CONVICTION, code_article: 999, offence_name: 'x' }],
    ['monetary_obligation', 'monetary_obligation_amounts_valid', { ministry: 'CAND', conviction_id: CONVICTION, kind: 'FINE', amount_vnd: 100, paid_vnd: 200 }],
  ] as [ExchangedTable, string, Record<string, unknown>][])('%s row rejected by %s', async (table, constraint, values) => {
    const err = await failure(() => insert(table, values));
    expect(err.constraint).toBe(constraint);
    expect(err.message).toContain(constraint);
  });
});

describe('change bookkeeping', () => {
  it('sets updated_at to now() and bumps row_version on every update, keeping what COPY wrote on insert', async () => {
    const id = '00000000-0000-4000-8000-0000000000aa';
    await insert('org_unit', {
      id,
      ministry: 'CAND',
      unit_code: 'T-TOUCH',
      name: 'Đội A',
      unit_kind: 'UBND_XA',
      valid_from: '2020-01-01',
      created_at: '2021-01-01T00:00:00Z',
      updated_at: '2021-01-02T00:00:00Z',
      row_version: 5,
    });
    const before = await client.query<{ updated_at: Date; row_version: number }>('SELECT updated_at, row_version FROM thahs.org_unit WHERE id = $1', [id]);
    expect(before.rows[0]?.row_version).toBe(5);
    expect(before.rows[0]?.updated_at.toISOString()).toBe('2021-01-02T00:00:00.000Z');
    await client.query("UPDATE thahs.org_unit SET name = 'Đội B', updated_at = '2000-01-01', row_version = 1 WHERE id = $1", [id]);
    const after = await client.query<{ updated_at: Date; row_version: number; now: Date }>('SELECT updated_at, row_version, now() AS now FROM thahs.org_unit WHERE id = $1', [id]);
    expect(after.rows[0]?.row_version).toBe(6);
    expect(Math.abs((after.rows[0]?.updated_at.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('keeps REPLICA IDENTITY DEFAULT (the primary key) on every exchanged table', async () => {
    const r = await client.query<{ relname: string; relreplident: string }>(
      "SELECT c.relname, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'thahs' AND c.relkind = 'r'",
    );
    for (const row of r.rows) expect([row.relname, row.relreplident]).toEqual([row.relname, 'd']);
  });
});
