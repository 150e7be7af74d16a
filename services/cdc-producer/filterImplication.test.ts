import type { RowFilter } from '../../libs/agreements';
import { filterImplies } from './filterImplication';

const military: RowFilter = { field: 'is_military', op: 'eq', value: true };
const since2015: RowFilter = { field: 'judgment_date', op: 'ge', value: '2015-01-01' };
const since2016: RowFilter = { field: 'judgment_date', op: 'ge', value: '2016-01-01' };
const types: RowFilter = { field: 'case_type', op: 'in', values: ['CUSTODIAL', 'COMMUNITY', 'DEATH'] };

describe('filter implication: is the new scope provably no wider?', () => {
  it('an added condition, a later lower bound, a subset of values narrow', () => {
    expect(filterImplies(military, undefined)).toBe(true);
    expect(filterImplies({ and: [military, { field: 'date_of_birth', op: 'ge', value: '1990-01-01' }] }, military)).toBe(true);
    expect(filterImplies(since2016, since2015)).toBe(true);
    expect(filterImplies({ field: 'judgment_date', op: 'gt', value: '2015-01-01' }, since2015)).toBe(true);
    expect(filterImplies({ field: 'case_type', op: 'in', values: ['DEATH'] }, types)).toBe(true);
    expect(filterImplies({ field: 'case_type', op: 'eq', value: 'CUSTODIAL' }, types)).toBe(true);
    expect(filterImplies({ field: 'n', op: 'le', value: 3 }, { field: 'n', op: 'lt', value: 4 })).toBe(true);
    expect(filterImplies(military, { or: [military, since2015] })).toBe(true);
    expect(filterImplies({ and: [types, military] }, { and: [military, types] })).toBe(true);
  });

  it('anything it cannot prove counts as wider: the producer backfills', () => {
    expect(filterImplies(undefined, military)).toBe(false);
    expect(filterImplies(since2015, since2016)).toBe(false);
    expect(filterImplies({ field: 'judgment_date', op: 'ge', value: '2015-01-01' }, { field: 'judgment_date', op: 'gt', value: '2015-01-01' })).toBe(false);
    expect(filterImplies(types, { field: 'case_type', op: 'in', values: ['DEATH'] })).toBe(false);
    expect(filterImplies({ or: [military, since2015] }, military)).toBe(false);
    expect(filterImplies({ not: { field: 'is_military', op: 'eq', value: false } }, military)).toBe(false);
    // timestamps with offsets are not ordered by their text
    expect(filterImplies({ field: 't', op: 'ge', value: '2020-01-01T00:00:00+07:00' }, { field: 't', op: 'ge', value: '2019-12-31T20:00:00Z' })).toBe(false);
    expect(filterImplies(military, since2015)).toBe(false);
  });
});
