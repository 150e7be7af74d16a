import { boundKeyHash, publicKeySha256 } from './keyBinding';
import { allParties, partyKeyIds, type AgreementDocument, type ContractLookup } from './agreementDocument';
import type { AgreementEvent, DocumentSignature } from './agreementEvent';
import { parseAgreementEvent } from './agreementEvent';
import type { PublicKeyLookup } from './agreementKeys';
import { governingRecord, latestConfirmedVersion, openSuspension, pendingVersion, statusAt, versionRecordInForce } from './agreementQueries';
import { agreementDocumentHash, agreementEventHash, documentSignatureProblem, eventSignatureProblem } from './agreementSigning';
import type { AgreementState, AgreementVersionRecord } from './agreementState';
import { parseInstantMs } from './calendar';
import { canonicalJson } from './canonicalJson';
import { EventRefusal, type RefusalCode } from './eventRefusal';
import { parseAgreementDocument } from './parseAgreementDocument';
import { protectionChanges } from './protectedFields';
import { formatIssue } from './validationIssue';

export type ApplyResult = { ok: true; state: AgreementState } | { ok: false; refusal: EventRefusal };

export interface ApplyOptions {
  /** When given, documents carried by draft/join_request events are also checked against the contracts. */
  contracts?: ContractLookup;
}

class Refused {
  constructor(
    readonly code: RefusalCode,
    readonly reason: string,
  ) {}
}

/**
 * The agreement lifecycle as a pure state machine over signed events:
 *   draft → proposed → confirmed by every party (or refused / withdrawn) → active from valid-from →
 *   amended (new versions) / suspended ⇄ resumed → expired at valid-to, or terminated;
 *   joining (Art. 10.4): join_request by a new body → join_confirm / join_refuse by the provider.
 * Returns the new state, or a refusal naming why the event is not allowed. Nothing is mutated, so a
 * refused event leaves the caller's state untouched.
 */
export function applyEvent(state: AgreementState | null, event: AgreementEvent, keys: PublicKeyLookup, options: ApplyOptions = {}): ApplyResult {
  try {
    return { ok: true, state: transition(state, event, keys, options) };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, refusal: new EventRefusal(e.code, e.reason, event) };
    throw e;
  }
}

/** Folds a history from the start; stops at the first refused event. */
export function replayAgreementEvents(
  events: readonly AgreementEvent[],
  keys: PublicKeyLookup,
  options: ApplyOptions = {},
): { state: AgreementState | null; refusal?: EventRefusal; applied: number } {
  let state: AgreementState | null = null;
  for (let i = 0; i < events.length; i++) {
    const r = applyEvent(state, events[i], keys, options);
    if (!r.ok) return { state, refusal: r.refusal, applied: i };
    state = r.state;
  }
  return { state, applied: events.length };
}

function refuse(code: RefusalCode, reason: string): never {
  throw new Refused(code, reason);
}

function instant(text: string): number {
  const p = parseInstantMs(text);
  return p.ok ? p.value : refuse('malformed', p.reason);
}

function transition(state: AgreementState | null, event: AgreementEvent, keys: PublicKeyLookup, options: ApplyOptions): AgreementState {
  // Events may come from the wire: check the shape before trusting any field.
  const parsed = parseAgreementEvent(event);
  if (!parsed.ok)
    refuse(
      'malformed',
      parsed.issues
        .slice(0, 5)
        .map((i) => formatIssue(i))
        .join('; '),
    );
  const sigProblem = eventSignatureProblem(event, keys);
  if (sigProblem) refuse('bad_signature', sigProblem);
  const at = instant(event.at);

  if (state === null) {
    if (event.kind !== 'draft') refuse('not_allowed', `agreement ${event.agreementId} does not exist; its first event must be a draft`);
    if (event.prev !== null) refuse('broken_chain', 'the first event of an agreement has prev null');
  } else {
    if (event.agreementId !== state.agreementId) refuse('wrong_agreement', `event is for ${event.agreementId}, state is ${state.agreementId}`);
    if (event.prev !== state.lastEventHash) {
      refuse('broken_chain', `prev ${String(event.prev).slice(0, 12)}… does not name the last event ${state.lastEventHash.slice(0, 12)}… (missing, replayed or reordered event)`);
    }
    if (at < instant(state.lastEventAt)) refuse('out_of_order', `event at ${event.at} is earlier than the last event at ${state.lastEventAt}`);
    if (state.termination) refuse('terminated', `the agreement was terminated at ${state.termination.at} by ${state.termination.by}`);
  }

  const next = (s: AgreementState | null, patch: Partial<AgreementState> & Pick<AgreementState, 'versions'>): AgreementState => ({
    agreementId: event.agreementId,
    provider: s?.provider ?? patch.provider!,
    suspensions: s?.suspensions ?? [],
    ...(s?.termination ? { termination: s.termination } : {}),
    ...patch,
    events: [...(s?.events ?? []), event],
    lastEventHash: agreementEventHash(event),
    lastEventAt: event.at,
  });

  switch (event.kind) {
    case 'draft': {
      const doc = validDocument(event.payload.document, event, options);
      requireKey(doc, event);
      if (state === null) {
        if (event.version !== 1) refuse('wrong_version', `a new agreement starts at version 1, not ${event.version}`);
        return next(null, { provider: doc.parties.provider.id, versions: [draftRecord(doc, event)] });
      }
      if (doc.parties.provider.id !== state.provider) {
        refuse('provider_changed', `the provider of ${state.agreementId} is ${state.provider}; it cannot become ${doc.parties.provider.id}`);
      }
      const confirmed = latestConfirmedVersion(state);
      const flips = confirmed && options.contracts ? protectionChanges(confirmed.document, doc, options.contracts) : [];
      if (flips.length > 0) {
        refuse(
          'invalid_document',
          `${flips.join(', ')} would switch between sealed and clear from version ${confirmed!.version}: a field stays sealed (or clear) for the life of the agreement, so keep security.fieldEncryption as version ${confirmed!.version} has it, or make a new agreement`,
        );
      }
      const pending = pendingVersion(state);
      if (pending) {
        if (pending.status !== 'draft') {
          refuse(
            'not_allowed',
            `version ${pending.version} is ${pending.status} and awaits ${pending.origin === 'join' ? 'the provider' : 'confirmation'}; it must be withdrawn before redrafting`,
          );
        }
        if (event.version !== pending.version) refuse('wrong_version', `the draft in progress is version ${pending.version}`);
        return next(state, { versions: [...state.versions.slice(0, -1), draftRecord(doc, event)] });
      }
      const expected = state.versions[state.versions.length - 1].version + 1;
      if (event.version !== expected) refuse('wrong_version', `the next version of ${state.agreementId} is ${expected}`);
      if (latestConfirmedVersion(state) && statusAt(state, at) === 'expired') {
        refuse('expired', 'the agreement has expired; an amendment cannot revive it, draft a new agreement');
      }
      return next(state, { versions: [...state.versions, draftRecord(doc, event)] });
    }

    case 'propose': {
      const pending = requirePending(state!, event, 'draft');
      if (pending.origin !== 'draft') refuse('not_allowed', 'join requests are answered with join_confirm or join_refuse');
      requireKey(pending.document, event);
      requireDocumentSignature(pending, event.payload.signature, event, keys);
      requirePeriodOpen(pending.document, at);
      return next(state, {
        versions: replaceLast(state!, {
          ...pending,
          status: 'proposed',
          proposedBy: event.actor,
          proposedAt: event.at,
          requiredSigners: allParties(pending.document).map((p) => p.id),
          signatures: [event.payload.signature],
        }),
      });
    }

    case 'confirm':
    case 'join_confirm': {
      const pending = requirePending(state!, event, 'proposed');
      if (event.kind === 'confirm' && pending.origin !== 'draft') {
        refuse('not_allowed', `version ${pending.version} is a join request; the provider answers it with join_confirm`);
      }
      if (event.kind === 'join_confirm') {
        if (pending.origin !== 'join') refuse('not_allowed', `version ${pending.version} is a proposal, not a join request; parties answer it with confirm`);
        if (event.actor !== state!.provider) refuse('not_provider', `only the provider ${state!.provider} confirms a request to join`);
      }
      requireSigner(pending, event.actor);
      requireKey(pending.document, event);
      requireDocumentSignature(pending, event.payload.signature, event, keys);
      requirePeriodOpen(pending.document, at);
      const signatures = [...pending.signatures, event.payload.signature];
      const done = pending.requiredSigners.every((p) => signatures.some((s) => s.party === p));
      return next(state, {
        versions: replaceLast(state!, {
          ...pending,
          signatures,
          ...(done ? { status: 'confirmed' as const, confirmedAt: event.at } : {}),
        }),
      });
    }

    case 'refuse':
    case 'join_refuse': {
      const pending = requirePending(state!, event, 'proposed');
      if (event.kind === 'refuse' && pending.origin !== 'draft') {
        refuse('not_allowed', `version ${pending.version} is a join request; only the provider refuses it, with join_refuse`);
      }
      if (event.kind === 'join_refuse') {
        if (pending.origin !== 'join') refuse('not_allowed', `version ${pending.version} is a proposal, not a join request; parties answer it with refuse`);
        if (event.actor !== state!.provider) refuse('not_provider', `only the provider ${state!.provider} refuses a request to join`);
      }
      requireSigner(pending, event.actor);
      requireKey(pending.document, event);
      return next(state, {
        versions: replaceLast(state!, {
          ...pending,
          status: 'refused',
          refusal: { by: event.actor, reason: event.payload.reason, at: event.at, requester: pending.proposedBy! },
        }),
      });
    }

    case 'withdraw': {
      const pending = pendingVersion(state!);
      if (!pending) refuse('not_allowed', 'there is no draft or proposal to withdraw');
      if (event.version !== pending.version) refuse('wrong_version', `the pending version is ${pending.version}`);
      if (pending.status === 'draft') {
        requireParty(pending.document, event.actor);
      } else if (event.actor !== pending.proposedBy) {
        refuse('not_allowed', `only ${pending.proposedBy} who ${pending.origin === 'join' ? 'asked to join' : 'proposed'} version ${pending.version} may withdraw it`);
      }
      requireKey(pending.document, event);
      return next(state, {
        versions: replaceLast(state!, { ...pending, status: 'withdrawn', withdrawal: { by: event.actor, reason: event.payload.reason, at: event.at } }),
      });
    }

    case 'suspend': {
      const governing = versionRecordInForce(state!, at);
      if (!governing) refuse('not_in_force', `the agreement is ${statusAt(state!, at)} at ${event.at}; only an agreement in force can be suspended`);
      requireVersion(event, governing.version);
      requireParty(governing.document, event.actor);
      requireKey(governing.document, event);
      return next(state, {
        versions: state!.versions,
        suspensions: [...state!.suspensions, { by: event.actor, reason: event.payload.reason, from: event.at }],
      });
    }

    case 'resume': {
      const open = openSuspension(state!);
      if (!open) refuse('not_allowed', 'the agreement is not suspended');
      const g = governingRecord(state!, at);
      if (!g || g.expired) refuse('expired', `the agreement ${g ? `expired at ${g.record.document.period.validTo}` : 'has no version in effect'}; it cannot be resumed`);
      requireVersion(event, g.record.version);
      if (event.actor !== open.by && event.actor !== state!.provider) {
        refuse('not_allowed', `only ${open.by}, who suspended the agreement, or the provider ${state!.provider} may resume it`);
      }
      requireKey(g.record.document, event);
      return next(state, {
        versions: state!.versions,
        suspensions: [...state!.suspensions.slice(0, -1), { ...open, to: event.at, resumedBy: event.actor, resumeReason: event.payload.reason }],
      });
    }

    case 'terminate': {
      const latest = latestConfirmedVersion(state!);
      if (!latest) refuse('not_allowed', 'no version was ever confirmed; withdraw the pending version instead');
      if (statusAt(state!, at) === 'expired') refuse('expired', 'the agreement has already expired');
      requireVersion(event, latest.version);
      requireParty(latest.document, event.actor);
      requireKey(latest.document, event);
      const pending = pendingVersion(state!);
      return next(state, {
        versions: pending
          ? replaceLast(state!, { ...pending, status: 'withdrawn', withdrawal: { by: event.actor, reason: 'agreement terminated', at: event.at } })
          : state!.versions,
        termination: { by: event.actor, reason: event.payload.reason, at: event.at },
      });
    }

    case 'join_request': {
      if (!versionRecordInForce(state!, at)) {
        refuse('not_in_force', `the agreement is ${statusAt(state!, at)} at ${event.at}; only an agreement in force can be joined (Art. 10.4)`);
      }
      const pending = pendingVersion(state!);
      if (pending) refuse('not_allowed', `version ${pending.version} is ${pending.status}; a join request waits until it is settled`);
      const base = latestConfirmedVersion(state!)!;
      if (allParties(base.document).some((p) => p.id === event.actor)) refuse('already_party', `${event.actor} is already a party`);
      const expected = state!.versions[state!.versions.length - 1].version + 1;
      if (event.version !== expected) refuse('wrong_version', `the next version of ${state!.agreementId} is ${expected}`);
      const doc = validDocument(event.payload.document, event, options);
      requireJoinDocument(base.document, doc, event.actor);
      requireKey(doc, event);
      const record: AgreementVersionRecord = {
        ...draftRecord(doc, event),
        origin: 'join',
        status: 'proposed',
        proposedBy: event.actor,
        proposedAt: event.at,
        requiredSigners: [event.actor, state!.provider],
        signatures: [],
      };
      requireDocumentSignature(record, event.payload.signature, event, keys);
      return next(state, { versions: [...state!.versions, { ...record, signatures: [event.payload.signature] }] });
    }
  }
}

function draftRecord(doc: AgreementDocument, event: AgreementEvent): AgreementVersionRecord {
  return {
    version: doc.version,
    origin: 'draft',
    document: doc,
    documentHash: agreementDocumentHash(doc),
    status: 'draft',
    draftedBy: event.actor,
    draftedAt: event.at,
    requiredSigners: allParties(doc).map((p) => p.id),
    signatures: [],
  };
}

function replaceLast(state: AgreementState, record: AgreementVersionRecord): AgreementVersionRecord[] {
  return [...state.versions.slice(0, -1), record];
}

function validDocument(input: AgreementDocument, event: AgreementEvent, options: ApplyOptions): AgreementDocument {
  const r = parseAgreementDocument(input, { contracts: options.contracts });
  if (!r.ok) {
    const shown = r.issues.slice(0, 10).map((i) => formatIssue(i));
    refuse('invalid_document', `${r.issues.length} problem(s): ${shown.join('; ')}${r.issues.length > 10 ? '; …' : ''}`);
  }
  const doc = r.document;
  if (doc.id !== event.agreementId) refuse('wrong_agreement', `the document is agreement ${doc.id}, the event is for ${event.agreementId}`);
  if (doc.version !== event.version) refuse('wrong_version', `the document is version ${doc.version}, the event says ${event.version}`);
  // The parsed copy is what gets hashed; it must be the very text that was signed.
  if (canonicalJson(doc) !== canonicalJson(input)) refuse('invalid_document', 'the document carries values that do not survive validation unchanged');
  return doc;
}

function requireParty(doc: AgreementDocument, actor: string): void {
  if (!allParties(doc).some((p) => p.id === actor)) refuse('not_a_party', `${actor} is not a party of version ${doc.version}`);
}

/** The signing key must be one the document lists for the actor (the key ring alone is not enough). */
function requireKey(doc: AgreementDocument, event: AgreementEvent): void {
  requireParty(doc, event.actor);
  if (!partyKeyIds(doc, event.actor).includes(event.keyId)) {
    refuse('key_not_listed', `key ${event.keyId} is not listed for ${event.actor} in version ${doc.version} (security.keys)`);
  }
}

function requireVersion(event: AgreementEvent, version: number): void {
  if (event.version !== version) refuse('wrong_version', `the event names version ${event.version}, the version concerned is ${version}`);
}

function requirePending(state: AgreementState, event: AgreementEvent, status: 'draft' | 'proposed'): AgreementVersionRecord {
  const pending = pendingVersion(state);
  if (!pending) refuse('not_allowed', `there is no ${status} version to ${event.kind.replace('_', ' ')}`);
  if (event.version !== pending.version) refuse('wrong_version', `the pending version is ${pending.version}, not ${event.version}`);
  if (pending.status !== status) refuse('not_allowed', `version ${pending.version} is ${pending.status}, not ${status}`);
  return pending;
}

function requireSigner(pending: AgreementVersionRecord, actor: string): void {
  if (!pending.requiredSigners.includes(actor)) refuse('not_a_party', `${actor} is not among the signers of version ${pending.version}`);
  if (pending.signatures.some((s) => s.party === actor)) refuse('already_signed', `${actor} has already signed version ${pending.version}`);
}

function requireDocumentSignature(pending: AgreementVersionRecord, sig: DocumentSignature, event: AgreementEvent, keys: PublicKeyLookup): void {
  if (sig.party !== event.actor) refuse('bad_document_signature', `the document signature is by ${sig.party}, the event by ${event.actor}`);
  if (!partyKeyIds(pending.document, sig.party).includes(sig.keyId)) {
    refuse('key_not_listed', `key ${sig.keyId} is not listed for ${sig.party} in version ${pending.version}`);
  }
  const held = keys(sig.keyId);
  const bound = boundKeyHash(pending.document, sig.keyId);
  if (held && bound !== undefined && publicKeySha256(held.publicKey) !== bound) {
    refuse('key_not_bound', `key ${sig.keyId} held here is not the public key version ${pending.version} binds to it (SHA-256 ${bound})`);
  }
  if (sig.documentHash !== pending.documentHash) {
    refuse('bad_document_signature', `the signature is for document ${sig.documentHash.slice(0, 12)}…, version ${pending.version} is ${pending.documentHash.slice(0, 12)}…`);
  }
  const problem = documentSignatureProblem(pending.document, sig, keys);
  if (problem) refuse('bad_document_signature', problem);
}

function requirePeriodOpen(doc: AgreementDocument, at: number): void {
  if (at >= instant(doc.period.validTo)) refuse('period_over', `version ${doc.version} ends at ${doc.period.validTo}, before this event`);
}

/**
 * A join (Art. 10.4) adds the requester to the agreement in force and changes nothing else: the new
 * version may differ only by the appended consumer, that consumer's keys and the dispatch recording it.
 */
function requireJoinDocument(base: AgreementDocument, doc: AgreementDocument, joiner: string): void {
  const added = doc.parties.consumers[doc.parties.consumers.length - 1];
  if (!added || added.id !== joiner || doc.parties.consumers.length !== base.parties.consumers.length + 1) {
    refuse('join_mismatch', `the requester ${joiner} must be appended as the last consumer, the others unchanged`);
  }
  const strip = (d: AgreementDocument, withoutJoiner: boolean): Record<string, unknown> => {
    const { version: _v, dispatch: _d, ...rest } = d;
    return {
      ...rest,
      parties: { ...d.parties, consumers: withoutJoiner ? d.parties.consumers.slice(0, -1) : d.parties.consumers },
      security: { ...d.security, keys: d.security.keys.filter((k) => !withoutJoiner || k.party !== joiner) },
    };
  };
  const a = strip(base, false);
  const b = strip(doc, true);
  const differing = Object.keys({ ...a, ...b }).filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null));
  if (differing.length > 0) {
    refuse('join_mismatch', `a join may only add the requester (and its keys, and a new dispatch); it also changes: ${differing.join(', ')}`);
  }
}
