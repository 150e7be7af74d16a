import {
  applyEvent,
  createAgreementEvent,
  generateSigningKey,
  pendingVersion,
  publicKeyRing,
  signAgreementDocument,
  type AgreementDocument,
  type AgreementEvent,
  type AgreementState,
  type SigningKey,
} from '../../../libs/agreements';

/**
 * A signed, confirmed history of one agreement document for tests: the provider drafts and proposes,
 * every consumer confirms, each with a fresh key listed for it in the document. Returns the state and
 * the events (what a history file holds) with the parties' public keys.
 */
export function confirmedAgreement(
  doc: AgreementDocument,
  times: { draft: string; propose: string; confirm: string } = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' },
): { state: AgreementState; events: AgreementEvent[]; publicKeys: { keyId: string; party: string; publicKeyPem: string }[] } {
  const parties = [doc.parties.provider, ...doc.parties.consumers];
  const gens = parties.map((p) => {
    const keyId = doc.security.keys.find((k) => k.party === p.id)?.keyIds[0];
    if (!keyId) throw new Error(`no key listed for ${p.id}`);
    return generateSigningKey(keyId, p.id);
  });
  const keys = publicKeyRing(gens.map((g) => ({ keyId: g.publicKey.keyId, party: g.publicKey.party, publicKey: g.publicKeyPem })));
  const events: AgreementEvent[] = [];
  let state: AgreementState | null = null;
  const step = (make: (s: AgreementState | null) => AgreementEvent): void => {
    const e = make(state);
    const r = applyEvent(state, e, keys);
    if (!r.ok) throw r.refusal;
    state = r.state;
    events.push(e);
  };
  const [provider, ...consumers] = gens.map((g) => g.signing);
  const sign = (s: AgreementState | null, k: SigningKey) => signAgreementDocument(pendingVersion(s!)!.document, k);
  step((s) => createAgreementEvent(s, 'draft', { agreementId: doc.id, version: doc.version, at: times.draft, payload: { document: doc } }, provider));
  step((s) => createAgreementEvent(s, 'propose', { version: doc.version, at: times.propose, payload: { signature: sign(s, provider) } }, provider));
  for (const c of consumers) step((s) => createAgreementEvent(s, 'confirm', { version: doc.version, at: times.confirm, payload: { signature: sign(s, c) } }, c));
  return { state: state!, events, publicKeys: gens.map((g) => ({ keyId: g.publicKey.keyId, party: g.publicKey.party, publicKeyPem: g.publicKeyPem })) };
}
