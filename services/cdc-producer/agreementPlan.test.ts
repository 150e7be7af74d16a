import * as path from 'path';
import { FIELD_ENCRYPTION_ALGORITHM, loadAgreementFile, statusAt, versionRecordInForce, type AgreementDocument, type AgreementState } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { AgreementHistory } from '../apply-consumer/__fixtures__/agreementHistory';
import { agreementSegments, PublicationPlan } from './agreementPlan';
import { planTransitions, publishedAfter, scopeKey, type PublishedScope } from './scopeTransitions';

const contracts = loadContracts();
const t = (iso: string): number => Date.parse(iso);
const first = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };
const amend = { draft: '2026-01-01T00:00:00.000Z', propose: '2026-01-02T00:00:00.000Z', confirm: '2026-01-03T00:00:00.000Z' };

let doc: AgreementDocument;
beforeAll(async () => {
  doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
});

/** v1 as in the file; v2 (from 2026-01-03) shares person without national_id and adds court. */
function amended(h: AgreementHistory): AgreementState {
  h.confirm(doc, first);
  const v2: AgreementDocument = {
    ...doc,
    version: 2,
    data: {
      entities: [
        ...doc.data.entities.map((e) => (e.entity === 'person' ? { ...e, fields: e.fields.filter((f) => f !== 'national_id') } : e)),
        { entity: 'court', fields: ['id', 'ministry', 'court_code', 'name'] },
      ],
    },
  };
  return h.confirm(v2, amend);
}

describe('the provider view of an agreement', () => {
  it('cuts the history into spans whose answer is what versionRecordInForce and statusAt say at every instant', () => {
    const h = new AgreementHistory(doc);
    amended(h);
    h.suspend('2026-03-01T00:00:00.000Z', 'kiểm tra');
    h.resume('2026-03-10T00:00:00.000Z', 'xong');
    const state = h.terminate('2027-01-01T00:00:00.000Z', 'kết thúc');
    const segments = agreementSegments(state);
    for (let i = 1; i < segments.length; i++) expect(segments[i].fromMs).toBe(segments[i - 1].toMs);
    const probes = [
      '2025-06-30T23:59:59Z',
      '2025-07-01T00:00:00Z',
      '2025-12-31T00:00:00Z',
      '2026-01-03T00:00:00Z',
      '2026-02-01T00:00:00Z',
      '2026-03-01T00:00:00Z',
      '2026-03-05T00:00:00Z',
      '2026-03-10T00:00:00Z',
      '2026-12-31T23:59:59Z',
      '2027-01-01T00:00:00Z',
      '2031-01-01T00:00:00Z',
    ];
    for (const p of probes) {
      const at = t(p);
      const seg = segments.find((s) => s.fromMs <= at && at < s.toMs)!;
      const inForce = versionRecordInForce(state, at);
      if (inForce) expect(seg).toMatchObject({ kind: 'publish', record: { version: inForce.version } });
      else if (statusAt(state, at) === 'suspended') expect(seg.kind).toBe('park');
      else expect(seg.kind).toBe('none');
    }
    const plan = PublicationPlan.build([state], 'cand', contracts, 'thahs');
    const a = plan.agreement(doc.id)!;
    expect(a.segmentAt(t('2026-03-05T00:00:00Z')).kind).toBe('park');
    expect(a.segmentAt(t('2025-08-01T00:00:00Z'))).toMatchObject({ kind: 'publish', record: { version: 1 } });
    expect(a.segmentAt(t('2026-06-01T00:00:00Z'))).toMatchObject({ kind: 'publish', record: { version: 2 } });
    expect(a.endsAtMs).toBe(t('2027-01-01T00:00:00Z'));
  });

  it('compiles each version’s projection, filter and topic, and knows every entity any version shares', () => {
    const state = amended(new AgreementHistory(doc));
    const plan = PublicationPlan.build([state], 'cand', contracts, 'tp');
    const a = plan.agreement(doc.id)!;
    expect([...a.entities].sort()).toEqual(['court', 'enforcement_case', 'judgment', 'person']);
    const v1 = a.rules(1, 'person')!;
    const v2 = a.rules(2, 'person')!;
    expect(v1.topic).toBe(`tp.cand.${doc.id}.person`);
    expect(v1.projection.fields).toContain('national_id');
    expect(v2.projection.fields).not.toContain('national_id');
    expect(v1.scopeHash).not.toBe(v2.scopeHash);
    expect(v1.share.filterFields).toEqual(['is_military']);
    expect(a.rules(1, 'court')).toBeNull();
    expect(v1.providerKeyIds).toEqual(['cand-c10-2025']);
    expect(plan.forEntity('court').map((x) => x.agreementId)).toEqual([doc.id]);
    expect(plan.forEntity('penalty')).toEqual([]);
    // Only agreements in which this ministry provides.
    expect(PublicationPlan.build([state], 'qdnd', contracts, 'tp').agreements).toEqual([]);
  });
});

describe('scope transitions', () => {
  const canSign = (): boolean => true;
  const record = (ts: ReturnType<typeof planTransitions>): Map<string, PublishedScope> => {
    const m = new Map<string, PublishedScope>();
    for (const x of ts) {
      const s = x.kind === 'record' ? x.scope : publishedAfter(x);
      m.set(scopeKey(s.agreementId, s.entity), s);
    }
    return m;
  };

  it('backfills every entity when an agreement first takes effect with an initial snapshot, and nothing before', () => {
    const state = new AgreementHistory(doc).confirm(doc, first);
    const plan = PublicationPlan.build([state], 'cand', contracts, 'thahs');
    expect(planTransitions(plan, new Map(), t('2025-06-30T00:00:00Z'), canSign)).toEqual([]);
    const now = planTransitions(plan, new Map(), t('2025-08-01T00:00:00Z'), canSign);
    expect(now.map((x) => (x.kind === 'publish' ? `${x.rules.entity}:${x.reason}:${x.fullScope}` : x.kind)).sort()).toEqual([
      'enforcement_case:first:true',
      'judgment:first:true',
      'person:first:true',
    ]);
    // Done once: the same moment asks nothing more.
    expect(planTransitions(plan, record(now), t('2025-08-01T00:00:00Z'), canSign)).toEqual([]);
  });

  it('widening and a new entity backfill; a pure narrowing only records; a new version with the same scope only records', () => {
    const h = new AgreementHistory(doc);
    const v1 = h.confirm(doc, first);
    const before = record(planTransitions(PublicationPlan.build([v1], 'cand', contracts, 'thahs'), new Map(), t('2025-08-01T00:00:00Z'), canSign));
    const v2 = amended(new AgreementHistory(doc));
    const after = planTransitions(PublicationPlan.build([v2], 'cand', contracts, 'thahs'), before, t('2026-02-01T00:00:00Z'), canSign);
    const kinds = Object.fromEntries(
      after.map((x) => [x.kind === 'publish' ? x.rules.entity : x.scope.entity, x.kind === 'publish' ? `publish:${x.reason}` : `record:${x.scope.state}:v${x.scope.version}`]),
    );
    expect(kinds).toEqual({ person: 'record:active:v2', court: 'publish:first', enforcement_case: 'record:active:v2', judgment: 'record:active:v2' });
    // Back to the wider person projection: a widening, every row of the scope again.
    const v3doc: AgreementDocument = { ...doc, version: 3 };
    const h3 = new AgreementHistory(doc);
    amended(h3);
    const v3 = h3.confirm(v3doc, { draft: '2026-05-01T00:00:00.000Z', propose: '2026-05-02T00:00:00.000Z', confirm: '2026-05-03T00:00:00.000Z' });
    const widened = planTransitions(PublicationPlan.build([v3], 'cand', contracts, 'thahs'), record(after), t('2026-06-01T00:00:00Z'), canSign);
    expect(widened.filter((x) => x.kind === 'publish').map((x) => x.kind === 'publish' && `${x.rules.entity}:${x.reason}`)).toEqual(['person:changed']);
    // court is no longer shared by v3: nothing more is published for it.
    expect(widened.find((x) => x.kind === 'record' && x.scope.entity === 'court')).toMatchObject({ scope: { state: 'inactive' } });
  });

  it('a new receiver key for the sealed fields publishes the whole scope again, sealed to it; the entities sealing nothing only record', () => {
    const sealedTo = (keyId: string, version: number): AgreementDocument => ({
      ...doc,
      version,
      data: { entities: doc.data.entities.map((e) => (e.entity === 'person' ? { ...e, fields: [...e.fields, 'religion'] } : e)) },
      security: { ...doc.security, fieldEncryption: { algorithm: FIELD_ENCRYPTION_ALGORITHM, keyId, publicKeySha256: 'ab'.repeat(32) } },
    });
    const v1doc = sealedTo('qdnd-enc-20250601-0a1b2c3d', 1);
    const h = new AgreementHistory(v1doc);
    const v1 = h.confirm(v1doc, first);
    const before = record(planTransitions(PublicationPlan.build([v1], 'cand', contracts, 'thahs'), new Map(), t('2025-08-01T00:00:00Z'), canSign));
    const rotated = h.confirm(sealedTo('qdnd-enc-20260101-11111111', 2), amend);
    const plan = PublicationPlan.build([rotated], 'cand', contracts, 'thahs');
    const after = planTransitions(plan, before, t('2026-02-01T00:00:00Z'), canSign);
    const kinds = Object.fromEntries(
      after.map((x) => [
        x.kind === 'publish' ? x.rules.entity : x.scope.entity,
        x.kind === 'publish' ? `publish:${x.reason}:${x.fullScope}` : `record:${x.scope.state}:v${x.scope.version}`,
      ]),
    );
    expect(kinds).toEqual({ person: 'publish:changed:true', enforcement_case: 'record:active:v2', judgment: 'record:active:v2' });
    const person = after.find((x) => x.kind === 'publish');
    expect(person?.kind === 'publish' && person.rules.sealTo?.keyId).toBe('qdnd-enc-20260101-11111111');
    // Done once; and a later version keeping the key (and the scope) only records.
    expect(planTransitions(plan, record(after), t('2026-02-01T00:00:00Z'), canSign)).toEqual([]);
    const kept = h.confirm(sealedTo('qdnd-enc-20260101-11111111', 3), {
      draft: '2026-05-01T00:00:00.000Z',
      propose: '2026-05-02T00:00:00.000Z',
      confirm: '2026-05-03T00:00:00.000Z',
    });
    const later = planTransitions(PublicationPlan.build([kept], 'cand', contracts, 'thahs'), record(after), t('2026-06-01T00:00:00Z'), canSign);
    expect(later.every((x) => x.kind === 'record' && x.scope.version === 3)).toBe(true);
  });

  it('a suspension parks; the resumption publishes the scope and the keys changed meanwhile', () => {
    const h = new AgreementHistory(doc);
    const active = h.confirm(doc, first);
    const published = record(planTransitions(PublicationPlan.build([active], 'cand', contracts, 'thahs'), new Map(), t('2025-08-01T00:00:00Z'), canSign));
    const suspended = h.suspend('2025-09-01T00:00:00.000Z', 'kiểm tra');
    const parked = planTransitions(PublicationPlan.build([suspended], 'cand', contracts, 'thahs'), published, t('2025-09-02T00:00:00Z'), canSign);
    expect(parked.every((x) => x.kind === 'record' && x.scope.state === 'parked')).toBe(true);
    const resumed = h.resume('2025-09-10T00:00:00.000Z', 'xong');
    const back = planTransitions(PublicationPlan.build([resumed], 'cand', contracts, 'thahs'), record(parked), t('2025-09-11T00:00:00Z'), canSign);
    expect(back.every((x) => x.kind === 'publish' && x.reason === 'resumed' && x.parkedKeys && x.fullScope)).toBe(true);
    // Without a key held for the provider nothing can be published: parked like a suspension.
    const unsigned = planTransitions(PublicationPlan.build([resumed], 'cand', contracts, 'thahs'), record(parked), t('2025-09-11T00:00:00Z'), () => false);
    expect(unsigned).toEqual([]);
  });

  it('an ended agreement publishes nothing more', () => {
    const h = new AgreementHistory(doc);
    const active = h.confirm(doc, first);
    const published = record(planTransitions(PublicationPlan.build([active], 'cand', contracts, 'thahs'), new Map(), t('2025-08-01T00:00:00Z'), canSign));
    const ended = h.terminate('2025-10-01T00:00:00.000Z', 'kết thúc');
    const plan = PublicationPlan.build([ended], 'cand', contracts, 'thahs');
    expect(plan.agreement(doc.id)!.ended(t('2025-10-02T00:00:00Z'))).toBe(true);
    const out = planTransitions(plan, published, t('2025-10-02T00:00:00Z'), canSign);
    expect(out.every((x) => x.kind === 'record' && x.scope.state === 'inactive')).toBe(true);
  });
});
