import fc from 'fast-check';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import type { ContractField, EntityContract, FieldKind } from '../../libs/contracts/contractTypes';
import {
  compileFilterPredicate,
  compileFilterSql,
  formatIsoDate,
  formatTimestampMicros,
  OPS_BY_KIND,
  type CanonicalRecord,
  type CanonicalValue,
  type FilterLiteral,
  type FilterOp,
  type RowFilter,
} from '../../libs/agreements';
import { compareCodePoints } from '../../libs/agreements/codePointOrder';
import { compareDecimalParts, parseDecimalText } from '../../libs/agreements/decimalText';
import { compareDouble } from '../../libs/agreements/filterLiterals';

/**
 * The promise of the filter compiler: for every filter and every record, the JavaScript predicate the
 * consumer runs and the SQL the reconciliation job runs inside PostgreSQL give the same answer,
 * nulls, boundaries, negative decimals, dates, NaN and astral characters included. PostgreSQL is the
 * oracle here: records are inserted into a real table and selected with the generated SQL.
 * Database: loadConfig().candPgUrl (THAHS_CAND_PG_URL).
 */

function field(name: string, kind: FieldKind, nullable: boolean, extra: Partial<ContractField> = {}): ContractField {
  return { name, kind, nullable, docVi: name, docEn: name, sensitivity: 1, ...extra };
}

const contract: EntityContract = {
  entity: 'probe',
  namespace: 'vn.thahs.test',
  docVi: 'probe',
  docEn: 'probe',
  providers: ['cand'],
  keySchema: {},
  valueSchema: {},
  keyFields: ['id'],
  fields: [
    field('id', 'uuid', false),
    field('name', 'string', false),
    field('s', 'string', true),
    field('e', 'enum', true, { symbols: ['A', 'B', 'C_D'] }),
    field('b', 'boolean', true),
    field('i', 'int', true),
    field('l', 'long', true),
    field('d', 'double', true),
    field('n', 'decimal', true, { precision: 12, scale: 2 }),
    field('dt', 'date', true),
    field('ts', 'timestamp', true),
    field('u', 'uuid', true),
    field('j', 'json', true),
  ],
};
const dataFields = contract.fields.filter((f) => f.name !== 'id');

// ---- value pools: boundaries and awkward cases, in canonical form ---------------------------------
const STRINGS = ['', 'a', 'A', 'ab', 'abc', 'b', 'Z', 'Đặng', 'Nguyễn', 'đ', '\uFFFD', '\uE000', '\u{1F600}', '\u{1F600}x', 'a\u0301', '079', '0790', "O'Brien", '"q"', '\\', '%_'];
const ENUMS = ['A', 'B', 'C_D'];
const INTS = [-2147483648, -2147483647, -1, 0, 1, 2, 2147483646, 2147483647];
const LONGS = [-Number.MAX_SAFE_INTEGER, -4294967296, -1, 0, 1, 4294967296, Number.MAX_SAFE_INTEGER];
const DOUBLES = [NaN, Infinity, -Infinity, 0, -0, 1.5, -1.5, 1e-300, -1e-300, 5e-324, 1.7976931348623157e308, 0.1, 0.30000000000000004];
const DECIMALS = ['-9999999999.99', '-12.50', '-1', '-0.01', '0', '0.00', '0.01', '0.1', '1', '1.5', '1.50', '12.34', '9999999999.99'];
const DATES = [-719162, -365, -1, 0, 1, 7305, 20089, 20270, 2932896]; // 0001-01-01 … 9999-12-31
const TIMESTAMPS = [-8_000_000_000_000_000, -1_000_001, -1, 0, 1, 999_999, 1_000_000, 1_751_302_800_000_000, 1_751_302_800_000_001, 8_000_000_000_000_000];
const UUIDS = ['6f1c1d5e-1111-4aaa-8bbb-000000000001', '6F1C1D5E-1111-4AAA-8BBB-000000000002', 'ffffffff-ffff-4fff-bfff-ffffffffffff', '00000000-0000-4000-8000-000000000000'];
const JSONS = ['{"a":1}', '[]', 'null', '"x"', '0'];

const noNul = (s: string): boolean => !s.includes('\u0000');
const firstCodePoint = (s: string): string => [...s].slice(0, 1).join('');
const stringArb = fc.oneof(fc.constantFrom(...STRINGS), fc.string({ unit: 'binary', maxLength: 5 }).filter(noNul));
const decimalArb = fc.oneof(
  fc.constantFrom(...DECIMALS),
  fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 9_999_999_999n }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 99 }))
    .map(([neg, int, places, frac]) => `${neg ? '-' : ''}${int}${places === 0 ? '' : `.${String(frac).padStart(2, '0').slice(0, places)}`}`),
);

/** Canonical record values for a kind (what the producer hands the consumer). */
function valueArb(f: ContractField): fc.Arbitrary<CanonicalValue> {
  switch (f.kind) {
    case 'string':
      return stringArb;
    case 'enum':
      return fc.constantFrom(...ENUMS);
    case 'boolean':
      return fc.boolean();
    case 'int':
      return fc.oneof(fc.constantFrom(...INTS), fc.integer());
    case 'long':
      return fc.oneof(fc.constantFrom(...LONGS), fc.maxSafeInteger());
    case 'double':
      return fc.oneof(fc.constantFrom(...DOUBLES), fc.double());
    case 'decimal':
      return decimalArb;
    case 'date':
      return fc.oneof(fc.constantFrom(...DATES), fc.integer({ min: -719162, max: 2932896 }));
    case 'timestamp':
      return fc.oneof(fc.constantFrom(...TIMESTAMPS), fc.integer({ min: -8_000_000_000_000_000, max: 8_000_000_000_000_000 }));
    case 'uuid':
      return fc.constantFrom(...UUIDS);
    case 'json':
      return fc.constantFrom(...JSONS);
  }
}

function compareCanonical(kind: FieldKind, a: CanonicalValue, b: CanonicalValue): number {
  if (kind === 'decimal') return compareDecimalParts(parseDecimalText(a as string)!, parseDecimalText(b as string)!);
  if (kind === 'string') return compareCodePoints(a as string, b as string);
  return compareDouble(a as number, b as number);
}

const OFFSETS = [0, 7 * 60, -(9 * 60 + 30), 14 * 60, -12 * 60];

/** The human-friendly literal an author would write for a canonical value. */
function authorLiteral(kind: FieldKind, v: CanonicalValue, style: number): FilterLiteral {
  switch (kind) {
    case 'date':
      return formatIsoDate(v as number);
    case 'timestamp': {
      const offset = OFFSETS[style % OFFSETS.length];
      const local = formatTimestampMicros((v as number) + offset * 60_000_000).slice(0, -1);
      if (offset === 0) return `${local}Z`;
      const abs = Math.abs(offset);
      return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    }
    case 'decimal': {
      const n = Number(v);
      // Written as a YAML number when that is exact, else as text.
      return style % 2 === 0 && parseDecimalText(String(n)) && compareCanonical('decimal', String(n), v) === 0 ? n : (v as string);
    }
    case 'long':
      return style % 2 === 0 ? (v as number) : String(v);
    default:
      return v as FilterLiteral;
  }
}

const literalValueArb = (f: ContractField): fc.Arbitrary<CanonicalValue> => (f.kind === 'double' ? valueArb(f).filter((x) => Number.isFinite(x as number)) : valueArb(f));

function leafArb(): fc.Arbitrary<RowFilter> {
  return fc.constantFrom(...dataFields).chain((f) => {
    const ops = OPS_BY_KIND[f.kind].filter((op) => f.nullable || (op !== 'is_null' && op !== 'is_not_null'));
    return fc.constantFrom(...ops).chain((op: FilterOp): fc.Arbitrary<RowFilter> => {
      const lit = fc.tuple(literalValueArb(f), fc.nat(9)).map(([v, style]) => authorLiteral(f.kind, v, style));
      switch (op) {
        case 'is_null':
        case 'is_not_null':
          return fc.constant({ field: f.name, op });
        case 'in':
        case 'not_in':
          return fc.array(lit, { minLength: 1, maxLength: 4 }).map((values) => ({ field: f.name, op, values }));
        case 'between':
          return fc.tuple(literalValueArb(f), literalValueArb(f), fc.nat(9)).map(([a, b, style]) => {
            const [low, high] = compareCanonical(f.kind, a, b) <= 0 ? [a, b] : [b, a];
            return { field: f.name, op, low: authorLiteral(f.kind, low, style), high: authorLiteral(f.kind, high, style + 1) };
          });
        case 'prefix':
          return fc.oneof(stringArb, stringArb.map(firstCodePoint)).map((value) => ({ field: f.name, op, value }));
        default:
          return lit.map((value) => ({ field: f.name, op, value }));
      }
    });
  });
}

const filterArb: fc.Arbitrary<RowFilter> = fc.letrec<{ node: RowFilter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    leafArb(),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
    tie('node').map((not) => ({ not })),
  ),
})).node;

const recordArb: fc.Arbitrary<Record<string, CanonicalValue>> = fc.record(
  Object.fromEntries(dataFields.map((f) => [f.name, f.nullable ? fc.option(valueArb(f), { nil: null, freq: 3 }) : valueArb(f)])) as Record<string, fc.Arbitrary<CanonicalValue>>,
);

// ---- PostgreSQL side -------------------------------------------------------------------------------
const SQL_TYPES: Record<FieldKind, string> = {
  string: 'text',
  uuid: 'uuid',
  enum: 'text',
  boolean: 'boolean',
  int: 'integer',
  long: 'bigint',
  double: 'double precision',
  decimal: 'numeric(12,2)',
  date: 'date',
  timestamp: 'timestamptz',
  json: 'jsonb',
};

function sqlValue(kind: FieldKind, v: CanonicalValue): string | boolean | null {
  if (v === null) return null;
  switch (kind) {
    case 'date':
      return formatIsoDate(v as number);
    case 'timestamp':
      return formatTimestampMicros(v as number);
    case 'double':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'int':
    case 'long':
      return String(v);
    default:
      return v as string | boolean;
  }
}

const idOf = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('row filter: compiled predicate and generated SQL agree (PostgreSQL as oracle)', () => {
  const client = new Client({ connectionString: loadConfig().candPgUrl });
  let textCollation = '';

  beforeAll(async () => {
    await client.connect();
    await client.query("SET TimeZone = 'Asia/Ho_Chi_Minh'");
    // A linguistic collation on the table makes the test prove that the SQL's COLLATE "C" is what
    // keeps text order equal to the predicate's code point order.
    const icu = await client.query<{ collname: string }>(
      "SELECT collname FROM pg_collation WHERE collname IN ('vi-x-icu', 'und-x-icu', 'en_US.utf8') ORDER BY collname DESC LIMIT 1",
    );
    textCollation = icu.rows[0] ? ` COLLATE "${icu.rows[0].collname}"` : '';
    const columns = contract.fields.map(
      (f) => `"${f.name}" ${SQL_TYPES[f.kind]}${f.kind === 'string' ? textCollation : ''}${f.nullable ? '' : ' NOT NULL'}${f.name === 'id' ? ' PRIMARY KEY' : ''}`,
    );
    await client.query(`CREATE TEMP TABLE probe (${columns.join(', ')})`);
  });

  afterAll(async () => {
    await client.end();
  });

  async function load(records: readonly Record<string, CanonicalValue>[]): Promise<CanonicalRecord[]> {
    await client.query('TRUNCATE probe');
    const rows: Record<string, CanonicalValue>[] = records.map((r, i) => ({ ...r, id: idOf(i) }));
    const params: (string | boolean | null)[] = [];
    const tuples = rows.map((r) => {
      const cells = contract.fields.map((f) => {
        params.push(sqlValue(f.kind, r[f.name] ?? null));
        return `$${params.length}::${SQL_TYPES[f.kind]}`;
      });
      return `(${cells.join(', ')})`;
    });
    if (rows.length > 0) {
      await client.query(`INSERT INTO probe (${contract.fields.map((f) => `"${f.name}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params);
    }
    return rows;
  }

  /** Runs in which the filter kept some rows and dropped others: guards against a degenerate generator. */
  let discriminating = 0;

  async function disagreement(filter: RowFilter, rows: readonly CanonicalRecord[], firstParamIndex: number): Promise<string | undefined> {
    const predicate = compileFilterPredicate(filter, contract);
    const { sql, params } = compileFilterSql(filter, contract, firstParamIndex);
    // Occupy the parameters before firstParamIndex, as a caller with its own parameters would.
    const leading = Array.from({ length: firstParamIndex - 1 }, (_, i) => i);
    const guard = leading.map((_, i) => `$${i + 1}::int IS NOT NULL`).join(' AND ');
    const result = await client.query<{ id: string }>(`SELECT id FROM probe WHERE ${guard ? `${guard} AND ` : ''}${sql} ORDER BY id`, [...leading, ...params]);
    const fromSql = result.rows.map((r) => r.id);
    const fromPredicate = rows
      .filter((r) => predicate(r))
      .map((r) => r.id as string)
      .sort();
    if (fromSql.length > 0 && fromSql.length < rows.length) discriminating++;
    if (JSON.stringify(fromSql) === JSON.stringify(fromPredicate)) return undefined;
    const onlySql = fromSql.filter((id) => !fromPredicate.includes(id));
    const onlyJs = fromPredicate.filter((id) => !fromSql.includes(id));
    const show = (ids: string[]): unknown[] => ids.map((id) => rows.find((r) => r.id === id));
    return `SQL ${sql} params ${JSON.stringify(params)}\nonly SQL: ${JSON.stringify(show(onlySql))}\nonly predicate: ${JSON.stringify(show(onlyJs))}`;
  }

  it('agrees on every operator, every field and every boundary value of the pools', async () => {
    const pools: Record<string, readonly CanonicalValue[]> = {
      name: STRINGS,
      s: STRINGS,
      e: ENUMS,
      b: [true, false],
      i: INTS,
      l: LONGS,
      d: DOUBLES,
      n: DECIMALS,
      dt: DATES,
      ts: TIMESTAMPS,
      u: UUIDS,
      j: JSONS,
    };
    // One row per pool value per field (other fields null), plus an all-null row.
    const records: Record<string, CanonicalValue>[] = [Object.fromEntries(dataFields.map((f) => [f.name, f.nullable ? null : 'x']))];
    for (const f of dataFields) {
      for (const v of pools[f.name]) {
        records.push({ ...Object.fromEntries(dataFields.map((g) => [g.name, g.nullable ? null : 'x'])), [f.name]: v });
      }
    }
    const rows = await load(records);
    const failures: string[] = [];
    let checked = 0;
    for (const f of dataFields) {
      const values = pools[f.name].filter((v) => f.kind !== 'double' || Number.isFinite(v as number));
      for (const op of OPS_BY_KIND[f.kind]) {
        if (!f.nullable && (op === 'is_null' || op === 'is_not_null')) continue;
        const filters: RowFilter[] = [];
        if (op === 'is_null' || op === 'is_not_null') filters.push({ field: f.name, op });
        else if (op === 'in' || op === 'not_in') filters.push({ field: f.name, op, values: values.slice(0, 3).map((v, k) => authorLiteral(f.kind, v, k)) });
        else if (op === 'prefix') for (const v of STRINGS) filters.push({ field: f.name, op, value: firstCodePoint(v) }, { field: f.name, op, value: v });
        else if (op === 'between') {
          for (let k = 0; k + 1 < values.length; k++) {
            const [low, high] = [values[k], values[k + 1]].sort((a, b) => compareCanonical(f.kind, a, b));
            filters.push({ field: f.name, op, low: authorLiteral(f.kind, low, k), high: authorLiteral(f.kind, high, k + 1) });
          }
        } else for (const [k, v] of values.entries()) filters.push({ field: f.name, op, value: authorLiteral(f.kind, v, k) } as RowFilter);
        for (const filter of filters) {
          for (const wrapped of [filter, { not: filter }]) {
            const d = await disagreement(wrapped, rows, 1);
            checked++;
            if (d) failures.push(`${JSON.stringify(wrapped)}\n${d}`);
          }
        }
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  });

  it('agrees on random filters over random records', async () => {
    const runs = Number(process.env.THAHS_FILTER_PROPERTY_RUNS ?? 300);
    discriminating = 0;
    await fc.assert(
      fc.asyncProperty(filterArb, fc.array(recordArb, { maxLength: 30 }), fc.integer({ min: 1, max: 4 }), async (filter, records, first) => {
        const rows = await load(records);
        const d = await disagreement(filter, rows, first);
        if (d) throw new Error(d);
      }),
      { numRuns: runs },
    );
    expect(discriminating).toBeGreaterThan(runs * 0.25);
  });
});
