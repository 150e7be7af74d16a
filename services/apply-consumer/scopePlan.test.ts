import * as path from 'path';
import { loadAgreementFile, type AgreementDocument, type EntityShare } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { AgreementHistory } from './__fixtures__/agreementHistory';
import { planEntityScope, receivesUnder } from './scopePlan';

const contracts = loadContracts();
const first = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };
const second = { draft: '2026-01-01T00:00:00.000Z', propose: '2026-01-02T00:00:00.000Z', confirm: '2026-01-03T00:00:00.000Z' };
const META = ['_source_lsn', '_source_index', '_commit_ts', '_agreement_id', '_agreement_version', '_applied_at'];

function withShares(doc: AgreementDocument, version: number, shares: EntityShare[]): AgreementDocument {
  return { ...doc, version, data: { entities: shares } };
}

describe('scope plan: what a partner table must lose to fit the version in force', () => {
  let doc: AgreementDocument;
  let person: EntityShare;
  let judgment: EntityShare;
  beforeAll(async () => {
    doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
    person = doc.data.entities.find((e) => e.entity === 'person')!;
    judgment = doc.data.entities.find((e) => e.entity === 'judgment')!;
  });
  const columnsOf = (share: EntityShare): Set<string> => new Set([...share.fields, ...META]);

  it('keeps everything when the version in force is the one the rows were written under', () => {
    const h = new AgreementHistory(doc);
    const s = h.confirm(doc, first);
    const plan = planEntityScope('person', columnsOf(person), doc, s, 'qdnd', contracts);
    expect(plan).toEqual({ entity: 'person', kind: 'narrow', outside: { sql: expect.any(String) as string, params: expect.any(Array) as unknown[] }, clearColumns: [] });
    if (plan.kind !== 'narrow') throw new Error('unreachable');
    // rows of v1 passed this very filter: proven inside without reading any column
    expect(plan.outside!.params.slice(0, 2)).toEqual([[1], [1]]);
    expect(plan.outside!.sql).toBe('NOT (p._agreement_version = ANY($7::int[]) OR (p._agreement_version = ANY($8::int[]) AND COALESCE("p"."is_military" = $9::boolean, false)))');
  });

  it('narrowed fields are cleared; a narrowed filter is evaluated on the stored values of rows whose version shared its fields', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, first);
    const v2 = withShares(doc, 2, [
      {
        entity: 'person',
        fields: person.fields.filter((f) => f !== 'national_id' && f !== 'full_name'),
        filter: {
          and: [
            { field: 'is_military', op: 'eq', value: true },
            { field: 'date_of_birth', op: 'ge', value: '1990-01-01' },
          ],
        },
      },
      judgment,
    ]);
    const s = h.confirm(v2, second);
    const plan = planEntityScope('person', columnsOf(person), v2, s, 'qdnd', contracts);
    if (plan.kind !== 'narrow') throw new Error('expected narrow');
    expect(plan.clearColumns).toEqual(['full_name', 'national_id']);
    // no earlier version had this filter; v1 and v2 both shared is_military and date_of_birth
    expect(plan.outside!.params.slice(0, 2)).toEqual([[2], [1, 2]]);
    expect(plan.outside!.sql).toContain('"p"."date_of_birth" >= $10::date');
    expect(plan.outside!.params.slice(2)).toEqual([true, '1990-01-01']);
  });

  it('a filter on a field the table does not hold cannot prove old rows inside: only rows of a version with that filter stay', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, first);
    const v2 = withShares(doc, 2, [person, { ...judgment, filter: { field: 'civil_obligation_vnd', op: 'gt', value: '0' } }]);
    const s = h.confirm(v2, second);
    const plan = planEntityScope('judgment', columnsOf(judgment), v2, s, 'qdnd', contracts);
    if (plan.kind !== 'narrow') throw new Error('expected narrow');
    expect(plan.outside).toEqual({ sql: 'NOT (p._agreement_version = ANY($7::int[]))', params: [[2]] });
    expect(plan.clearColumns).toEqual([]);
  });

  it('an entity no longer shared, or a receiver no longer served, loses every row', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, first);
    const v2 = withShares(doc, 2, [person, judgment]);
    const s = h.confirm(v2, second);
    expect(planEntityScope('enforcement_case', new Set(['id', ...META]), v2, s, 'qdnd', contracts)).toEqual({ entity: 'enforcement_case', kind: 'drop_all' });
    expect(planEntityScope('person', columnsOf(person), null, s, 'qdnd', contracts)).toEqual({ entity: 'person', kind: 'drop_all' });
    expect(receivesUnder(v2, 'qdnd')).toBe(true);
    expect(receivesUnder(v2, 'cand')).toBe(false);
    expect(planEntityScope('person', columnsOf(person), v2, s, 'cand', contracts)).toEqual({ entity: 'person', kind: 'drop_all' });
  });

  it('never plans to clear the key, the metadata or a column that is not a contract field', () => {
    const h = new AgreementHistory(doc);
    const s = h.confirm(doc, first);
    const plan = planEntityScope('judgment', new Set([...judgment.fields, ...META, 'court_fee_vnd', 'not_a_field']), doc, s, 'qdnd', contracts);
    if (plan.kind !== 'narrow') throw new Error('expected narrow');
    expect(plan.clearColumns).toEqual(['court_fee_vnd']);
  });
});
