import { partyKeyIds, pendingVersion, statusAt, versionRecordInForce, type AgreementDocument, type AgreementState } from '../../libs/agreements';

/** One lifecycle step the local demo takes through AgreementExchangeClient, acting as `party`. */
export type BootstrapStep =
  { kind: 'draft'; party: string; version: number } | { kind: 'propose'; party: string } | { kind: 'confirm'; party: string } | { kind: 'resume'; party: string };

export type BootstrapPlan = { action: 'skip'; reason: string } | { action: 'blocked'; reason: string } | { action: 'steps'; steps: BootstrapStep[] };

/**
 * What brings one example agreement into force from the history a ministry's database holds, so that
 * `npm start` can run on a stack in any state: nothing yet (draft, propose, confirm); a draft or
 * proposal left by an interrupted start (finish it); a version in force that lists a provider key not
 * held here (an amendment with the keys held); suspended (resume). Already in force with the held
 * key: nothing to do. Terminated or expired agreements cannot be revived under the same id.
 *
 * `signingKeyId(party)` is the key id that party's client signs with. The plan may need a second
 * round (after a resume, the in-force version is looked at again).
 */
export function planBootstrap(state: AgreementState | null, template: AgreementDocument, signingKeyId: (party: string) => string, nowMs: number): BootstrapPlan {
  const provider = template.parties.provider.id;
  const fresh = (version: number): BootstrapPlan => ({
    action: 'steps',
    steps: [
      { kind: 'draft', party: provider, version },
      { kind: 'propose', party: provider },
      ...template.parties.consumers.map((c) => ({ kind: 'confirm' as const, party: c.id })),
    ],
  });
  if (state === null) return fresh(template.version);
  if (state.provider !== provider) return { action: 'blocked', reason: `the stored agreement's provider is ${state.provider}, the example's ${provider}` };

  const status = statusAt(state, nowMs);
  if (status === 'terminated' || status === 'expired') {
    return { action: 'blocked', reason: `the agreement is ${status} and cannot come into force again under this id (thahs stack reset starts the local stack afresh)` };
  }
  if (status === 'suspended') return { action: 'steps', steps: [{ kind: 'resume', party: provider }] };
  if (status === 'active') {
    const doc = versionRecordInForce(state, nowMs)!.document;
    if (partyKeyIds(doc, provider).includes(signingKeyId(provider))) return { action: 'skip', reason: `version ${doc.version} is in force` };
  }

  const pending = pendingVersion(state);
  const last = state.versions[state.versions.length - 1].version;
  if (!pending) return fresh(last + 1);
  if (pending.status === 'draft') return fresh(pending.version);
  const signed = new Set(pending.signatures.map((s) => s.party));
  const unsigned = pending.requiredSigners.filter((p) => !signed.has(p));
  const stale = unsigned.filter((p) => !partyKeyIds(pending.document, p).includes(signingKeyId(p)));
  if (stale.length > 0) {
    return {
      action: 'blocked',
      reason: `version ${pending.version} is proposed with keys not held here for ${stale.join(', ')}; withdraw it (thahs agreement withdraw) or reset the stack`,
    };
  }
  return { action: 'steps', steps: unsigned.map((party) => ({ kind: 'confirm' as const, party })) };
}
