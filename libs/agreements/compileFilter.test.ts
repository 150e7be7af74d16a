import { judgmentContract, personContract } from './__fixtures__/agreementFixtures';
import { AgreementValidationError } from './agreementValidationError';
import { compareCodePoints } from './codePointOrder';
import { compileEntityShare } from './compileEntityShare';
import { compileFilterPredicate, type CanonicalRecord } from './compileFilterPredicate';
import { compileFilterSql } from './compileFilterSql';
import { FilterInputError } from './filterInputError';
import type { RowFilter } from './rowFilter';

const person = (over: Record<string, unknown> = {}): CanonicalRecord =>
  ({
    id: '6f1c1d5e-1111-4aaa-8bbb-000000000001',
    ministry: 'CAND',
    full_name: 'Nguyễn Văn A',
    national_id: '079090001234',
    date_of_birth: 7305, // 1990-01-01
    sex: 'M',
    is_military: true,
    prior_convictions: null,
    updated_at: 1_751_302_800_000_000, // 2025-06-30T17:00:00Z
    row_version: 3,
    ...over,
  }) as CanonicalRecord;

describe('compileFilterSql', () => {
  it('parameterises every literal, quotes contract identifiers and wraps each test in COALESCE', () => {
    const filter: RowFilter = {
      and: [
        { field: 'is_military', op: 'eq', value: true },
        {
          or: [
            { field: 'national_id', op: 'prefix', value: "079'; DROP TABLE person; --" },
            { field: 'national_id', op: 'is_null' },
          ],
        },
        { not: { field: 'sex', op: 'in', values: ['F', 'X'] } },
        { field: 'date_of_birth', op: 'between', low: '1980-01-01', high: '2000-12-31' },
        { field: 'updated_at', op: 'ge', value: '2025-07-01T00:00:00+07:00' },
        { field: 'full_name', op: 'lt', value: 'N' },
      ],
    };
    expect(compileFilterSql(filter, personContract, 3)).toEqual({
      sql:
        '(COALESCE("is_military" = $3::boolean, false)' +
        ' AND (COALESCE(starts_with("national_id" COLLATE "C", $4::text), false) OR ("national_id" IS NULL))' +
        ' AND (NOT COALESCE("sex" = ANY($5::text[]), false))' +
        ' AND COALESCE("date_of_birth" BETWEEN $6::date AND $7::date, false)' +
        ' AND COALESCE("updated_at" >= $8::timestamptz, false)' +
        ' AND COALESCE("full_name" COLLATE "C" < $9::text, false))',
      params: [true, "079'; DROP TABLE person; --", ['F', 'X'], '1980-01-01', '2000-12-31', '2025-06-30T17:00:00.000000Z', 'N'],
    });
  });

  it('qualifies columns with a checked table alias and refuses anything else', () => {
    const f: RowFilter = { field: 'row_version', op: 'gt', value: 2 };
    expect(compileFilterSql(f, personContract, 1, { tableAlias: 'p' })).toEqual({ sql: 'COALESCE("p"."row_version" > $1::bigint, false)', params: ['2'] });
    expect(() => compileFilterSql(f, personContract, 1, { tableAlias: 'p; --' })).toThrow(RangeError);
    expect(() => compileFilterSql(f, personContract, 0)).toThrow('firstParamIndex must be a whole number ≥ 1, got 0');
  });

  it('gives TRUE and no parameters without a filter', () => {
    expect(compileFilterSql(undefined, personContract, 5)).toEqual({ sql: 'TRUE', params: [] });
  });

  it('refuses a filter that does not type-check, listing every problem', () => {
    const bad = {
      and: [
        { field: 'nope', op: 'eq', value: 1 },
        { field: 'sex', op: 'eq', value: 'Q' },
      ],
    } as RowFilter;
    expect(() => compileFilterSql(bad, personContract, 1)).toThrow(AgreementValidationError);
    expect(() => compileFilterPredicate(bad, personContract)).toThrow(
      /filter\.and\[0\]\.field: unknown field "nope"[\s\S]*filter\.and\[1\]\.value: a string of 1 character is not a symbol of sex/,
    );
  });

  it('refuses text PostgreSQL would not store as written (NUL, half a surrogate pair)', () => {
    expect(() => compileFilterSql({ field: 'full_name', op: 'eq', value: 'a\u0000' }, personContract, 1)).toThrow('filter.value: text cannot contain the NUL character');
    expect(() => compileFilterSql({ field: 'full_name', op: 'prefix', value: '\uD83D' }, personContract, 1)).toThrow(
      'filter.value: text is not well-formed Unicode (it holds half of a surrogate pair)',
    );
  });

  it('binds decimals, dates and timestamps in exact text form', () => {
    const f: RowFilter = {
      and: [
        { field: 'court_fee_vnd', op: 'not_in', values: [-12.5, '0.10', '000'] },
        { field: 'judgment_date', op: 'eq', value: '1969-12-31' },
        { field: 'score', op: 'le', value: -0.000001 },
      ],
    };
    expect(compileFilterSql(f, judgmentContract, 1).params).toEqual([['-12.5', '0.1', '0'], '1969-12-31', '-0.000001']);
  });
});

describe('compileFilterPredicate', () => {
  it('matches everything without a filter', () => {
    expect(compileFilterPredicate(undefined, personContract)(person())).toBe(true);
  });

  it('treats a comparison on a null field as false, and not() of it as true', () => {
    const gt = compileFilterPredicate({ field: 'prior_convictions', op: 'gt', value: 0 }, personContract);
    const ne = compileFilterPredicate({ field: 'prior_convictions', op: 'ne', value: 0 }, personContract);
    const notGt = compileFilterPredicate({ not: { field: 'prior_convictions', op: 'gt', value: 0 } }, personContract);
    const notIn = compileFilterPredicate({ field: 'prior_convictions', op: 'not_in', values: [1] }, personContract);
    for (const r of [person({ prior_convictions: null }), person({ prior_convictions: undefined })]) {
      expect([gt(r), ne(r), notGt(r), notIn(r)]).toEqual([false, false, true, false]);
    }
    expect([gt(person({ prior_convictions: 2 })), notGt(person({ prior_convictions: 2 }))]).toEqual([true, false]);
    const isNull = compileFilterPredicate({ field: 'prior_convictions', op: 'is_null' }, personContract);
    expect([isNull(person()), isNull(person({ prior_convictions: 0 }))]).toEqual([true, false]);
  });

  it('compares text by code point, like PostgreSQL under COLLATE "C"', () => {
    const lt = compileFilterPredicate({ field: 'full_name', op: 'lt', value: '\uFFFD' }, personContract);
    // U+1F600 is above U+FFFD although its first UTF-16 unit (0xD83D) is below 0xFFFD.
    expect(lt(person({ full_name: '\u{1F600}' }))).toBe(false);
    expect(lt(person({ full_name: 'Đặng' }))).toBe(true);
    expect(['\u{1F600}', 'Ặ', '\uFFFD', 'a', 'Đ', 'Z', 'A'].sort(compareCodePoints)).toEqual(['A', 'Z', 'a', 'Đ', 'Ặ', '\uFFFD', '\u{1F600}']);
  });

  it('compares decimals exactly, whatever their written form', () => {
    const f = compileFilterPredicate({ field: 'civil_obligation_vnd', op: 'ge', value: '900719925474099300' }, judgmentContract);
    expect(f({ civil_obligation_vnd: '900719925474099301' })).toBe(true);
    expect(f({ civil_obligation_vnd: '900719925474099299' })).toBe(false);
    const eq = compileFilterPredicate({ field: 'court_fee_vnd', op: 'in', values: ['-0.50', '3'] }, judgmentContract);
    expect([eq({ court_fee_vnd: '-0.5' }), eq({ court_fee_vnd: '3.00' }), eq({ court_fee_vnd: '0.5' }), eq({ court_fee_vnd: '-0' })]).toEqual([true, true, false, false]);
  });

  it('orders doubles like PostgreSQL float8: NaN above everything and equal to itself', () => {
    const gt = compileFilterPredicate({ field: 'score', op: 'gt', value: 1e300 }, judgmentContract);
    expect([gt({ score: NaN }), gt({ score: Infinity }), gt({ score: 5 })]).toEqual([true, true, false]);
    const eq = compileFilterPredicate({ field: 'score', op: 'eq', value: 0 }, judgmentContract);
    expect([eq({ score: -0 }), eq({ score: NaN })]).toEqual([true, false]);
  });

  it('compares uuids without regard to case, as the uuid type does', () => {
    const f = compileFilterPredicate({ field: 'id', op: 'eq', value: '6F1C1D5E-1111-4AAA-8BBB-000000000001' }, personContract);
    expect(f(person())).toBe(true);
    expect(f(person({ id: '6F1C1D5E-1111-4AAA-8BBB-000000000001' }))).toBe(true);
  });

  it('converts date and timestamp literals to days and microseconds', () => {
    const f = compileFilterPredicate(
      {
        and: [
          { field: 'date_of_birth', op: 'eq', value: '1990-01-01' },
          { field: 'updated_at', op: 'lt', value: '2025-07-01T00:00:00.000001+07:00' },
        ],
      },
      personContract,
    );
    expect(f(person())).toBe(true);
    expect(f(person({ updated_at: 1_751_302_800_000_001 }))).toBe(false);
  });

  it('stops on a record that is not in canonical form instead of guessing', () => {
    const f = compileFilterPredicate({ not: { field: 'date_of_birth', op: 'lt', value: '2000-01-01' } }, personContract);
    expect(() => f(person({ date_of_birth: '1990-01-01' }))).toThrow(FilterInputError);
    expect(() => f(person({ date_of_birth: '1990-01-01' }))).toThrow('filter on person.date_of_birth: expected the canonical date value, got a string of 10 characters');
    const d = compileFilterPredicate({ field: 'court_fee_vnd', op: 'gt', value: 1 }, judgmentContract);
    expect(() => d({ court_fee_vnd: '1e3' })).toThrow(FilterInputError);
  });
});

describe('compileEntityShare', () => {
  it('projects the agreed fields and keeps predicate and SQL from one checked filter', () => {
    const share = compileEntityShare({ entity: 'person', fields: ['id', 'full_name', 'national_id'], filter: { field: 'is_military', op: 'eq', value: true } }, personContract);
    expect(share.project(person({ national_id: undefined }))).toEqual({ id: person().id, full_name: 'Nguyễn Văn A', national_id: null });
    expect(share.matches(person())).toBe(true);
    expect(share.matches(person({ is_military: false }))).toBe(false);
    expect(share.whereSql(2)).toEqual({ sql: 'COALESCE("is_military" = $2::boolean, false)', params: [true] });
    expect(compileEntityShare({ entity: 'person', fields: ['id'] }, personContract).whereSql(1)).toEqual({ sql: 'TRUE', params: [] });
    expect(() => compileEntityShare({ entity: 'person', fields: ['id', 'secret'] }, personContract)).toThrow(/unknown field "secret"/);
  });
});
