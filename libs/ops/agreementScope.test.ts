import type { AgreementDocument, AgreementState, AgreementVersionRecord } from '../agreements';
import { agreementScope, roleOf, scopeGroup, scopeTopics, sharedFields } from './agreementScope';

function version(v: number, status: AgreementVersionRecord['status'], entities: string[], schema = 'partner_cand'): AgreementVersionRecord {
  const document = {
    id: 'TTDL-X-1',
    version: v,
    titleVi: 'Thỏa thuận thử',
    parties: { provider: { id: 'cand.c10', ministry: 'cand', nameVi: 'C10' }, consumers: [{ id: 'qdnd.cuc-dths', ministry: 'qdnd', nameVi: 'Cục' }] },
    data: { entities: entities.map((e) => ({ entity: e, fields: ['ministry', 'updated_at'] })) },
    place: { partnerStore: { database: 'qdnd', schema }, sites: [] },
    conditions: { purposes: [{ code: 'STATISTICS', description: '' }], restrictions: [] },
  } as unknown as AgreementDocument;
  return { version: v, origin: 'draft', document, documentHash: `h${v}`, status, draftedBy: 'cand.c10', draftedAt: '2025-01-01T00:00:00Z', requiredSigners: [], signatures: [] };
}

function state(versions: AgreementVersionRecord[]): AgreementState {
  return { agreementId: 'TTDL-X-1', provider: 'cand.c10', versions, suspensions: [], events: [], lastEventHash: 'x', lastEventAt: '2025-01-01T00:00:00Z' };
}

describe('agreementScope', () => {
  it('takes the entities of every confirmed version, the partner store of the newest, and ignores a pending draft', () => {
    const s = agreementScope(state([version(1, 'confirmed', ['person', 'judgment']), version(2, 'confirmed', ['person'], 'partner_cand_v2'), version(3, 'draft', ['court'])]))!;
    expect(s).toMatchObject({
      agreementId: 'TTDL-X-1',
      provider: 'cand',
      receiver: 'qdnd',
      entities: ['judgment', 'person'],
      partnerSchema: 'partner_cand_v2',
      purposes: ['STATISTICS'],
    });
    expect(roleOf(s, 'cand')).toBe('provider');
    expect(roleOf(s, 'qdnd')).toBe('receiver');
    expect(scopeTopics('thahs', s)).toEqual(['thahs.cand.TTDL-X-1.judgment', 'thahs.cand.TTDL-X-1.person']);
    expect(scopeGroup('thahs', s)).toBe('thahs-apply-TTDL-X-1-qdnd');
  });

  it('uses the latest version before anything is confirmed', () => {
    expect(agreementScope(state([version(1, 'proposed', ['court'])]))!.entities).toEqual(['court']);
  });

  it('adds the key to the shared fields and says null for an entity not shared', () => {
    const doc = version(1, 'confirmed', ['person']).document;
    expect(sharedFields(doc, 'person')).toEqual(['id', 'ministry', 'updated_at']);
    expect(sharedFields(doc, 'judgment')).toBeNull();
  });
});
