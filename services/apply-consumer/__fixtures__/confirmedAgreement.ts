import type { AgreementDocument, AgreementEvent, AgreementState } from '../../../libs/agreements';
import { AgreementHistory } from './agreementHistory';

/**
 * A signed, confirmed history of one agreement document for tests: the provider drafts and proposes,
 * every consumer confirms, each with a fresh key listed for it in the document. Returns the state and
 * the events (what a history file holds) with the parties' public keys.
 */
export function confirmedAgreement(
  doc: AgreementDocument,
  times: { draft: string; propose: string; confirm: string } = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' },
): { state: AgreementState; events: AgreementEvent[]; publicKeys: { keyId: string; party: string; publicKeyPem: string }[] } {
  const h = new AgreementHistory(doc);
  const state = h.confirm(doc, times);
  return { state, events: h.events, publicKeys: h.publicKeys };
}
