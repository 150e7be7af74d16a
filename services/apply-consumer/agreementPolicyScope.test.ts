import * as path from 'path';
import { loadAgreementFile, type AgreementDocument } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { AgreementHistory } from './__fixtures__/agreementHistory';
import { AgreementPolicy } from './agreementPolicy';

const contracts = loadContracts();
const us = (iso: string): number => Date.parse(iso) * 1000;
const first = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

describe('agreement policy bounded by the scope in force when applied', () => {
  let doc: AgreementDocument;
  beforeAll(async () => {
    doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
  });

  it('after a narrowing amendment, an event committed under the wider version gets both projections and both filters', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, first);
    let now = Date.parse('2026-01-10T00:00:00Z');
    const policy = new AgreementPolicy(h.state, 'qdnd', contracts, () => now);
    const commit = us('2025-12-01T00:00:00Z');
    expect(policy.resolve('cand', 'person', commit)!.fields).toContain('national_id');

    const person = doc.data.entities.find((e) => e.entity === 'person')!;
    const v2: AgreementDocument = {
      ...doc,
      version: 2,
      data: {
        entities: doc.data.entities.map((e) =>
          e.entity === 'person'
            ? { ...person, fields: person.fields.filter((f) => f !== 'national_id'), filter: { and: [person.filter!, { field: 'sex', op: 'eq', value: 'F' }] } }
            : e,
        ),
      },
    };
    policy.update(h.confirm(v2, { draft: '2026-01-11T00:00:00.000Z', propose: '2026-01-12T00:00:00.000Z', confirm: '2026-01-13T00:00:00.000Z' }));
    // v2 confirmed but not started: v1 still bounds
    expect(policy.resolve('cand', 'person', commit)!.fields).toContain('national_id');
    now = Date.parse('2026-01-14T00:00:00Z');
    const p = policy.resolve('cand', 'person', commit)!;
    expect(p.version).toBe(1);
    expect(p.fields).not.toContain('national_id');
    expect(p.fields).toContain('full_name');
    expect(p.predicate({ is_military: true, sex: 'F' })).toBe(true);
    expect(p.predicate({ is_military: true, sex: 'M' })).toBe(false);
    expect(p.predicate({ is_military: false, sex: 'F' })).toBe(false);
    const later = policy.resolve('cand', 'person', us('2026-01-14T00:00:00Z'))!;
    expect(later.version).toBe(2);
  });

  it('after termination or expiry nothing is applied, whatever the commit time', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, first);
    let now = Date.parse('2026-02-01T00:00:00Z');
    const policy = new AgreementPolicy(h.state, 'qdnd', contracts, () => now);
    const commit = us('2026-01-15T00:00:00Z');
    expect(policy.resolve('cand', 'person', commit)).not.toBeNull();
    now = Date.parse('2030-07-01T00:00:00Z');
    expect(policy.resolve('cand', 'person', commit)).toBeNull();
    now = Date.parse('2026-02-01T00:00:00Z');
    policy.update(h.terminate('2026-02-01T12:00:00.000Z', 'Chấm dứt'));
    expect(policy.resolve('cand', 'person', commit)).not.toBeNull();
    now = Date.parse('2026-02-01T12:00:00Z');
    expect(policy.resolve('cand', 'person', commit)).toBeNull();
    // a commit time ahead of the local clock is judged at the commit time
    now = Date.parse('2026-01-14T23:59:59Z');
    expect(policy.resolve('cand', 'person', us('2026-01-15T00:00:00Z'))).not.toBeNull();
    expect(() => policy.update({ ...h.state, agreementId: 'OTHER' })).toThrow(RangeError);
  });

  it('a newer history counts at once, for the same commit time at the same instant (no answer is kept past update)', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, first);
    const now = Date.parse('2026-02-01T12:00:00Z');
    const policy = new AgreementPolicy(h.state, 'qdnd', contracts, () => now);
    const commit = us('2026-01-15T00:00:00Z');
    expect(policy.resolve('cand', 'person', commit)).not.toBeNull();
    expect(policy.resolve('cand', 'person', commit)).not.toBeNull();
    policy.update(h.terminate('2026-02-01T06:00:00.000Z', 'Chấm dứt'));
    expect(policy.resolve('cand', 'person', commit)).toBeNull();
    // and another entity asked at the same instant gets its own answer
    expect(policy.resolve('cand', 'no-such-entity', commit)).toBeNull();
  });
});
