import * as path from 'path';
import { repoRoot } from '../config/repoRoot';
import { deriveAcls, exchangeTopicList, formatRule, grantsFromAgreementFiles, principalForClient, type AgreementGrant } from '.';

const grant = (agreementId: string, provider: 'cand' | 'qdnd', receivers: ('cand' | 'qdnd')[], entities = ['person']): AgreementGrant => ({
  agreementId,
  provider,
  receivers,
  entities,
});
const lines = (grants: AgreementGrant[]): string[] => deriveAcls(grants).map(formatRule);

describe('deriveAcls', () => {
  it("lets a producer write only its own ministry's topics", () => {
    const l = lines([]);
    expect(l).toContain('producer-cand Write topic thahs.cand.*');
    expect(l).toContain('producer-cand IdempotentWrite cluster');
    expect(l.filter((x) => x.startsWith('producer-cand ') && x.includes('qdnd'))).toEqual([]);
    // Without agreements a receiver reads nothing; it may only send deletion records.
    expect(l.filter((x) => x.startsWith('apply-') && !x.includes('thahs.deletion-records'))).toEqual([]);
  });

  it("lets a receiver read exactly its agreements' topics and groups", () => {
    const l = lines([grant('AG-1', 'cand', ['qdnd']), grant('AG-2', 'qdnd', ['cand'])]);
    const applyQdnd = l.filter((x) => x.startsWith('apply-qdnd '));
    expect(applyQdnd).toEqual(
      expect.arrayContaining(['apply-qdnd Read topic thahs.cand.AG-1.*', 'apply-qdnd Read group thahs-apply-AG-1-qdnd', 'apply-qdnd Write topic thahs.dlq.qdnd.AG-1']),
    );
    expect(applyQdnd.some((x) => x.includes('AG-2'))).toBe(false);
    expect(l.filter((x) => x.startsWith('apply-cand ')).some((x) => x.includes('AG-1'))).toBe(false);
  });

  it('falls back to literal topic names when a prefix would cover another agreement with a dotted id', () => {
    const l = lines([grant('AGR', 'cand', ['qdnd'], ['person', 'judgment']), grant('AGR.x', 'cand', ['qdnd'])]);
    expect(l).toContain('apply-qdnd Read topic thahs.cand.AGR.person');
    expect(l).toContain('apply-qdnd Read topic thahs.cand.AGR.judgment');
    expect(l).not.toContain('apply-qdnd Read topic thahs.cand.AGR.*');
    expect(l).toContain('apply-qdnd Read topic thahs.cand.AGR.x.*');
  });

  it('is the same whatever the order of the agreements', () => {
    const a = [grant('AG-1', 'cand', ['qdnd']), grant('AG-2', 'qdnd', ['cand'])];
    expect(deriveAcls(a)).toEqual(deriveAcls([...a].reverse()));
  });

  it('reads the example agreements of deploy/', async () => {
    const grants = await grantsFromAgreementFiles(path.join(repoRoot(), 'deploy/agreements'));
    expect(grants[0]).toMatchObject({ agreementId: 'TTDL-CAND-QDND-2025-01', provider: 'cand', receivers: ['qdnd'] });
    const topics = exchangeTopicList(grants).map((t) => t.topic);
    expect(topics).toContain('thahs.cand.TTDL-CAND-QDND-2025-01.person');
    expect(topics).toContain('thahs.dlq.qdnd.TTDL-CAND-QDND-2025-01');
    expect(topics).toContain('thahs.agreements');
  });
});

describe('principalForClient', () => {
  it("maps the services' client ids to their principals", () => {
    expect(principalForClient('cdc-producer-qdnd')).toBe('producer-qdnd');
    expect(principalForClient('apply-consumer-TTDL.X-1-cand')).toBe('apply-cand');
    expect(principalForClient('thahs-agreement-sync-qdnd')).toBe('agreement-sync-qdnd');
    expect(principalForClient('thahs-events-show')).toBe('operator');
  });
});
