import { judgmentContract, personContract } from './__fixtures__/agreementFixtures';
import { describeFilter } from './describeFilter';
import type { RowFilter } from './rowFilter';

describe('describeFilter', () => {
  it('states a single comparison with its symbol and the literal as written', () => {
    const f: RowFilter = { field: 'is_military', op: 'eq', value: true };
    expect(describeFilter(f, 'vi', personContract)).toBe('is_military = true');
    expect(describeFilter(f, 'en', personContract)).toBe('is_military = true');
    expect(describeFilter({ field: 'judgment_date', op: 'ge', value: '2015-01-01' }, 'vi', judgmentContract)).toBe('judgment_date ≥ 2015-01-01');
    const symbols = (['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).map((op) => describeFilter({ field: 'prior_convictions', op, value: 2 }, 'en', personContract));
    expect(symbols).toEqual(['prior_convictions = 2', 'prior_convictions ≠ 2', 'prior_convictions < 2', 'prior_convictions ≤ 2', 'prior_convictions > 2', 'prior_convictions ≥ 2']);
  });

  it('puts a nested combination in parentheses and names the combinators in each language', () => {
    const f: RowFilter = {
      and: [
        { field: 'case_type', op: 'in', values: ['CUSTODIAL', 'COMMUNITY', 'DEATH'] },
        {
          or: [
            { field: 'closed_at', op: 'is_null' },
            { field: 'closed_at', op: 'ge', value: '2020-01-01T00:00:00+07:00' },
          ],
        },
      ],
    };
    expect(describeFilter(f, 'vi')).toBe('case_type ∈ {CUSTODIAL, COMMUNITY, DEATH} VÀ (closed_at rỗng HOẶC closed_at ≥ 2020-01-01T00:00:00+07:00)');
    expect(describeFilter(f, 'en')).toBe('case_type ∈ {CUSTODIAL, COMMUNITY, DEATH} AND (closed_at is null OR closed_at ≥ 2020-01-01T00:00:00+07:00)');
  });

  it('keeps the grouping of or over and, and of not', () => {
    const f: RowFilter = {
      or: [
        {
          and: [
            { field: 'sex', op: 'eq', value: 'F' },
            { field: 'is_military', op: 'eq', value: true },
          ],
        },
        {
          not: {
            or: [
              { field: 'national_id', op: 'is_not_null' },
              { field: 'residence_province_code', op: 'not_in', values: ['01', '79'] },
            ],
          },
        },
      ],
    };
    expect(describeFilter(f, 'vi', personContract)).toBe('(sex = F VÀ is_military = true) HOẶC KHÔNG (national_id không rỗng HOẶC residence_province_code ∉ {"01", "79"})');
    expect(describeFilter({ not: { field: 'sex', op: 'eq', value: 'X' } }, 'en', personContract)).toBe('NOT (sex = X)');
  });

  it('states a one-item combination as its item, between as a closed range and prefix as quoted text', () => {
    expect(describeFilter({ and: [{ field: 'sex', op: 'eq', value: 'M' }] }, 'vi')).toBe('sex = M');
    expect(describeFilter({ field: 'prior_convictions', op: 'between', low: 1, high: 3 }, 'vi', personContract)).toBe('1 ≤ prior_convictions ≤ 3');
    expect(describeFilter({ field: 'residence_province_code', op: 'prefix', value: '7' }, 'vi', personContract)).toBe('residence_province_code bắt đầu bằng "7"');
    expect(describeFilter({ field: 'residence_province_code', op: 'prefix', value: '7' }, 'en', personContract)).toBe('residence_province_code starts with "7"');
  });

  it('quotes a text literal only where it could be misread; literals of other kinds stay bare', () => {
    expect(describeFilter({ field: 'full_name', op: 'eq', value: 'Nguyễn Văn A' }, 'vi', personContract)).toBe('full_name = "Nguyễn Văn A"');
    expect(describeFilter({ field: 'full_name', op: 'eq', value: 'true' }, 'vi', personContract)).toBe('full_name = "true"');
    expect(describeFilter({ field: 'full_name', op: 'eq', value: '' }, 'vi', personContract)).toBe('full_name = ""');
    expect(describeFilter({ field: 'full_name', op: 'lt', value: 'M' }, 'vi', personContract)).toBe('full_name < M');
    expect(describeFilter({ field: 'civil_obligation_vnd', op: 'gt', value: '1000000' }, 'en', judgmentContract)).toBe('civil_obligation_vnd > 1000000');
    expect(describeFilter({ field: 'civil_obligation_vnd', op: 'gt', value: '1000000' }, 'en')).toBe('civil_obligation_vnd > "1000000"');
  });

  it('says every row is shared when there is no filter', () => {
    expect(describeFilter(undefined, 'vi')).toBe('mọi bản ghi (không lọc)');
    expect(describeFilter(undefined, 'en')).toBe('every row (no filter)');
  });
});
