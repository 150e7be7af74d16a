import * as path from 'path';
import {
  applyEvent,
  createAgreementEvent,
  generateSigningKey,
  loadAgreementFile,
  pendingVersion,
  publicKeyRing,
  signAgreementDocument,
  type AgreementDocument,
  type AgreementEvent,
  type AgreementState,
  type SigningKey,
} from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { AgreementHistory } from '../apply-consumer/__fixtures__/agreementHistory';
import { planBootstrap } from './bootstrapPlan';

const contracts = loadContracts();
const lookup = (e: string) => (contracts.has(e) ? contracts.get(e) : undefined);
const NOW = Date.parse('2026-11-27T01:00:00Z');
const held = (p: string): string => (p === 'cand.c10' ? 'cand-c10-2025' : 'qdnd-cuc-dths-2025');
const times = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

/** Steps of a history that stops early (a draft, a proposal), each through applyEvent as the sync services would. */
function partialHistory(doc: AgreementDocument, upTo: 'draft' | 'propose'): AgreementState {
  const keys = new Map<string, SigningKey>();
  const gens = doc.security.keys.map((k) => generateSigningKey(k.keyIds[0], k.party));
  for (const g of gens) keys.set(g.signing.party, g.signing);
  const ring = publicKeyRing(gens.map((g) => ({ keyId: g.publicKey.keyId, party: g.publicKey.party, publicKey: g.publicKeyPem })));
  const provider = keys.get(doc.parties.provider.id)!;
  let state: AgreementState | null = null;
  const step = (e: AgreementEvent): void => {
    const r = applyEvent(state, e, ring);
    if (!r.ok) throw r.refusal;
    state = r.state;
  };
  step(createAgreementEvent(null, 'draft', { agreementId: doc.id, version: doc.version, at: times.draft, payload: { document: doc } }, provider));
  if (upTo === 'propose') {
    const s = state!;
    step(
      createAgreementEvent(
        s,
        'propose',
        { version: doc.version, at: times.propose, payload: { signature: signAgreementDocument(pendingVersion(s)!.document, provider) } },
        provider,
      ),
    );
  }
  return state!;
}

describe('planBootstrap: what brings an example agreement into force from the stored history', () => {
  let doc: AgreementDocument;
  beforeAll(async () => {
    doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: lookup });
  });

  it('drafts, proposes (provider) and confirms (each consumer) an agreement the store does not know', () => {
    expect(planBootstrap(null, doc, held, NOW)).toEqual({
      action: 'steps',
      steps: [
        { kind: 'draft', party: 'cand.c10', version: 1 },
        { kind: 'propose', party: 'cand.c10' },
        { kind: 'confirm', party: 'qdnd.cuc-dths' },
      ],
    });
  });

  it('does nothing when a version listing the held provider key is in force', () => {
    const state = new AgreementHistory(doc).confirm(doc, times);
    expect(planBootstrap(state, doc, held, NOW)).toEqual({ action: 'skip', reason: 'version 1 is in force' });
  });

  it('amends a version in force whose provider key is not held here (keys folder replaced)', () => {
    const state = new AgreementHistory(doc).confirm(doc, times);
    const plan = planBootstrap(state, doc, (p) => (p === 'cand.c10' ? 'cand.c10-20261127-0badc0de' : held(p)), NOW);
    expect(plan).toEqual({
      action: 'steps',
      steps: [
        { kind: 'draft', party: 'cand.c10', version: 2 },
        { kind: 'propose', party: 'cand.c10' },
        { kind: 'confirm', party: 'qdnd.cuc-dths' },
      ],
    });
  });

  it('finishes what an interrupted start left: a draft is drafted again, a proposal is confirmed by who has not signed', () => {
    expect(planBootstrap(partialHistory(doc, 'draft'), doc, held, NOW)).toEqual({
      action: 'steps',
      steps: [
        { kind: 'draft', party: 'cand.c10', version: 1 },
        { kind: 'propose', party: 'cand.c10' },
        { kind: 'confirm', party: 'qdnd.cuc-dths' },
      ],
    });
    expect(planBootstrap(partialHistory(doc, 'propose'), doc, held, NOW)).toEqual({ action: 'steps', steps: [{ kind: 'confirm', party: 'qdnd.cuc-dths' }] });
  });

  it('is blocked by a proposal that lists a key the missing signer does not hold', () => {
    const plan = planBootstrap(partialHistory(doc, 'propose'), doc, (p) => (p === 'qdnd.cuc-dths' ? 'qdnd.cuc-dths-20261127-0badc0de' : held(p)), NOW);
    expect(plan).toMatchObject({ action: 'blocked' });
    expect((plan as { reason: string }).reason).toMatch(/version 1 is proposed with keys not held here for qdnd\.cuc-dths/);
  });

  it('resumes a suspended agreement as the provider', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, times);
    const state = h.suspend('2026-01-01T00:00:00.000Z', 'audit');
    expect(planBootstrap(state, doc, held, NOW)).toEqual({ action: 'steps', steps: [{ kind: 'resume', party: 'cand.c10' }] });
  });

  it('cannot revive a terminated or expired agreement', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, times);
    const terminated = h.terminate('2026-01-01T00:00:00.000Z', 'ended by both sides');
    expect(planBootstrap(terminated, doc, held, NOW)).toMatchObject({ action: 'blocked', reason: expect.stringMatching(/terminated/) });
    const state = new AgreementHistory(doc).confirm(doc, times);
    expect(planBootstrap(state, doc, held, Date.parse('2031-01-01T00:00:00Z'))).toMatchObject({ action: 'blocked', reason: expect.stringMatching(/expired/) });
  });

  it('refuses a stored agreement whose provider differs from the example', async () => {
    const other = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/qdnd-to-cand.yaml'), { contracts: lookup });
    const state = new AgreementHistory(other).confirm(other, times);
    expect(planBootstrap(state, { ...doc, id: other.id }, held, NOW)).toMatchObject({ action: 'blocked', reason: expect.stringMatching(/provider is qdnd\.cuc-dths/) });
  });
});
