import { allParties, latestConfirmedVersion, partyKeyIds, type AgreementDocument, type AgreementState, type PublicKeyLookup } from '../agreements';
import { parseRequestEvent, type RequestEvent } from './requestEvent';
import { RequestRefusal, type RequestRefusalCode } from './requestRefusal';
import { requestEventHash, requestSignatureProblem } from './requestSigning';
import { OPEN_REQUEST_STATUSES, type RequestState, type RequestStatus } from './requestState';

export type RequestApplyResult = { ok: true; state: RequestState } | { ok: false; refusal: RequestRefusal };

class Refused {
  constructor(
    readonly code: RequestRefusalCode,
    readonly reason: string,
  ) {}
}

function refuse(code: RequestRefusalCode, reason: string): never {
  throw new Refused(code, reason);
}

/**
 * The request lifecycle as a pure function, like applyEvent for agreements. `agreement` is the
 * agreement's state as it stood at the event's `basis` (the caller replays the history up to that
 * event), so both ministries judge a request against the same version of the agreement however far
 * each has read the agreements topic. The latest confirmed version at the basis decides who the
 * provider and the consumers are, which keys they sign with, and which entities and fields are shared.
 */
export function applyRequestEvent(state: RequestState | null, input: unknown, keys: PublicKeyLookup, agreement: AgreementState | null): RequestApplyResult {
  const parsed = parseRequestEvent(input);
  const field = (name: string): string => {
    const v = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[name] : undefined;
    return typeof v === 'string' ? v : '?';
  };
  if (!parsed.ok) {
    return { ok: false, refusal: new RequestRefusal('malformed', parsed.problems.slice(0, 5).join('; '), field('requestId'), field('kind'), field('actor')) };
  }
  const event = parsed.event;
  try {
    return { ok: true, state: transition(state, event, keys, agreement) };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, refusal: new RequestRefusal(e.code, e.reason, event.requestId, event.kind, event.actor) };
    throw e;
  }
}

function transition(state: RequestState | null, event: RequestEvent, keys: PublicKeyLookup, agreement: AgreementState | null): RequestState {
  const sig = requestSignatureProblem(event, keys);
  if (sig) refuse('bad_signature', sig);
  if (agreement === null || agreement.lastEventHash !== event.basis) {
    refuse('unknown_basis', `agreement event ${event.basis.slice(0, 12)}… is not in the history of ${event.agreementId}`);
  }
  if (agreement.agreementId !== event.agreementId) refuse('wrong_agreement', `the basis belongs to ${agreement.agreementId}, the request names ${event.agreementId}`);
  const confirmed = latestConfirmedVersion(agreement);
  if (!confirmed) refuse('no_confirmed_version', `agreement ${event.agreementId} has no confirmed version at the basis; requests concern an agreement the parties signed`);
  const doc = confirmed.document;
  if (!allParties(doc).some((p) => p.id === event.actor)) refuse('not_a_party', `${event.actor} is not a party of ${doc.id} version ${doc.version}`);
  if (!partyKeyIds(doc, event.actor).includes(event.keyId)) {
    refuse('key_not_listed', `key ${event.keyId} is not listed for ${event.actor} in ${doc.id} version ${doc.version} (security.keys)`);
  }

  if (state === null) {
    if (event.prev !== null) refuse('broken_chain', `request ${event.requestId} is unknown here; its first event has prev null`);
    return open(event, doc);
  }
  if (event.requestId !== state.requestId) refuse('wrong_agreement', `event is for request ${event.requestId}, state is ${state.requestId}`);
  if (event.agreementId !== state.agreementId) refuse('wrong_agreement', `request ${state.requestId} concerns ${state.agreementId}, not ${event.agreementId}`);
  if (event.prev !== state.lastEventHash) {
    refuse('broken_chain', `prev ${String(event.prev).slice(0, 12)}… does not name the last event ${state.lastEventHash.slice(0, 12)}… (missing, replayed or reordered event)`);
  }
  if (Date.parse(event.at) < Date.parse(state.lastEventAt)) refuse('out_of_order', `event at ${event.at} is earlier than the last event at ${state.lastEventAt}`);
  if (!OPEN_REQUEST_STATUSES.includes(state.status)) refuse('closed', `request ${state.requestId} is ${state.status}`);
  if (event.actor !== state.recipient) refuse('not_allowed', `only ${state.recipient}, to whom the request is addressed, may answer it`);

  const step = { by: event.actor, at: event.at };
  const next = (status: RequestStatus, patch: Partial<RequestState>): RequestState => ({
    ...state,
    ...patch,
    status,
    events: [...state.events, event],
    lastEventHash: requestEventHash(event),
    lastEventAt: event.at,
  });
  switch (event.kind) {
    case 'error_report':
    case 'usage_request':
      return refuse('broken_chain', `request ${state.requestId} is already open`);
    case 'error_acknowledge':
      if (state.type !== 'data_error' || state.status !== 'reported') refuse('not_allowed', `a ${state.type} request that is ${state.status} cannot be acknowledged`);
      return next('acknowledged', { acknowledgement: { ...step, note: event.payload.note } });
    case 'error_resolve':
      if (state.type !== 'data_error') refuse('not_allowed', 'only a data-error report is resolved');
      return next('resolved', { resolution: { ...step, resolution: event.payload.resolution } });
    case 'usage_answer': {
      if (state.type !== 'usage_report') refuse('not_allowed', 'only a usage-report request is answered with a report');
      const asked = state.subject as { periodFrom: string; periodTo: string };
      const r = event.payload.report;
      if (r.periodFrom !== asked.periodFrom || r.periodTo !== asked.periodTo) {
        refuse('not_allowed', `the report covers ${r.periodFrom}–${r.periodTo}, the request asked for ${asked.periodFrom}–${asked.periodTo}`);
      }
      return next('answered', { answer: { ...step, report: r } });
    }
    case 'request_refuse':
      return next('refused', { refusal: { ...step, reason: event.payload.reason } });
  }
}

function open(event: RequestEvent, doc: AgreementDocument): RequestState {
  const base = {
    requestId: event.requestId,
    agreementId: event.agreementId,
    requester: event.actor,
    openedAt: event.at,
    events: [event],
    lastEventHash: requestEventHash(event),
    lastEventAt: event.at,
  };
  const provider = doc.parties.provider.id;
  switch (event.kind) {
    case 'error_report': {
      const p = event.payload;
      if (!doc.parties.consumers.some((c) => c.id === event.actor)) refuse('not_allowed', `errors are reported by a consumer of ${doc.id}; ${event.actor} is the provider`);
      const share = doc.data.entities.find((e) => e.entity === p.entity);
      if (!share) refuse('not_shared', `${p.entity} is not exchanged under ${doc.id} version ${doc.version}`);
      if (!share.fields.includes(p.field)) refuse('not_shared', `field ${p.field} of ${p.entity} is not exchanged under ${doc.id} version ${doc.version}`);
      return { ...base, type: 'data_error', recipient: provider, status: 'reported', subject: p };
    }
    case 'usage_request': {
      const p = event.payload;
      if (event.actor !== provider) refuse('not_allowed', `only the provider ${provider} may ask for a usage report (Art. 14.1(b))`);
      if (!doc.parties.consumers.some((c) => c.id === p.consumer)) refuse('not_a_party', `${p.consumer} is not a consumer of ${doc.id} version ${doc.version}`);
      if (Date.parse(p.periodFrom) >= Date.parse(p.periodTo)) refuse('malformed', `the period ${p.periodFrom}–${p.periodTo} is empty`);
      return { ...base, type: 'usage_report', recipient: p.consumer, status: 'requested', subject: p };
    }
    default:
      return refuse('not_allowed', `request ${event.requestId} is unknown here; it must be opened by an error report or a usage-report request`);
  }
}
