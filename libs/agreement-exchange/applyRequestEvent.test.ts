import { randomUUID } from 'crypto';
import { validAgreementInput } from '../agreements/__fixtures__/agreementFixtures';
import {
  applyEvent,
  createAgreementEvent,
  generateSigningKey,
  publicKeyRing,
  signAgreementDocument,
  type AgreementDocument,
  type AgreementEventKind,
  type AgreementState,
  type SigningKey,
} from '../agreements';
import { applyRequestEvent } from './applyRequestEvent';
import { createRequestEvent } from './createRequestEvent';
import type { RequestEvent, RequestKind, RequestPayloads } from './requestEvent';
import { parseRequestEvent } from './requestEvent';
import type { RequestRefusalCode } from './requestRefusal';
import { requestEventHash } from './requestSigning';
import type { RequestState } from './requestState';
import type { UsageReport } from './usageReport';

const gen = {
  P: generateSigningKey('cand-c10-2025', 'cand.c10'),
  C: generateSigningKey('qdnd-cuc-dths-2025', 'qdnd.cuc-dths'),
  spare: generateSigningKey('cand-c10-spare', 'cand.c10'),
};
const keys = publicKeyRing(Object.values(gen).map((g) => ({ keyId: g.publicKey.keyId, party: g.publicKey.party, publicKey: g.publicKeyPem })));
const P = gen.P.signing;
const C = gen.C.signing;

function agreement(confirmed: boolean): AgreementState {
  const doc = validAgreementInput() as unknown as AgreementDocument;
  let s: AgreementState | null = null;
  const step = (kind: 'draft' | 'propose' | 'confirm', key: SigningKey, at: string): void => {
    const payload = kind === 'draft' ? { document: doc } : { signature: signAgreementDocument(doc, key) };
    const r = applyEvent(s, createAgreementEvent<AgreementEventKind>(s, kind, { agreementId: doc.id, version: 1, at, payload }, key), keys);
    if (!r.ok) throw r.refusal;
    s = r.state;
  };
  step('draft', P, '2025-06-01T00:00:00.000Z');
  step('propose', P, '2025-06-02T00:00:00.000Z');
  if (confirmed) step('confirm', C, '2025-06-03T00:00:00.000Z');
  return s!;
}

const A = agreement(true);
const period = { periodFrom: '2025-01-01T00:00:00.000Z', periodTo: '2026-01-01T00:00:00.000Z' };
const errorPayload = { entity: 'person', recordKey: randomUUID(), field: 'full_name', description: 'Họ tên sai' };

function ev<K extends RequestKind>(state: RequestState | null, kind: K, key: SigningKey, at: string, payload: RequestPayloads[K], agreementState = A): RequestEvent {
  return createRequestEvent(state, kind, { agreementId: agreementState.agreementId, basis: agreementState.lastEventHash, at, payload }, key);
}

function ok(state: RequestState | null, e: unknown, agreementState: AgreementState | null = A): RequestState {
  const r = applyRequestEvent(state, e, keys, agreementState);
  if (!r.ok) throw r.refusal;
  return r.state;
}

function refused(state: RequestState | null, e: unknown, code: RequestRefusalCode, agreementState: AgreementState | null = A): string {
  const r = applyRequestEvent(state, e, keys, agreementState);
  if (r.ok) throw new Error(`expected ${code}, the event was accepted`);
  expect(r.refusal.code).toBe(code);
  return r.refusal.reason;
}

function report(at: string): UsageReport {
  return {
    ...period,
    generatedAt: at,
    accessLog: { source: 'partner_state.access_log', available: false, note: 'absent', total: null, byPurpose: [], byEntity: [] },
    partnerStore: { store: 'qdnd.partner_cand', entities: [{ entity: 'person', rows: null, note: 'absent' }] },
  };
}

describe('data-error reports (Art. 15.2(c))', () => {
  it('goes reported → acknowledged → resolved, each step chained and answered by the provider', () => {
    const opened = ok(null, ev(null, 'error_report', C, '2025-08-01T00:00:00.000Z', errorPayload));
    expect(opened).toMatchObject({ type: 'data_error', status: 'reported', requester: 'qdnd.cuc-dths', recipient: 'cand.c10' });
    const acked = ok(opened, ev(opened, 'error_acknowledge', P, '2025-08-02T00:00:00.000Z', { note: 'đang xử lý' }));
    expect(acked.status).toBe('acknowledged');
    const resolved = ok(acked, ev(acked, 'error_resolve', P, '2025-08-03T00:00:00.000Z', { resolution: 'đã sửa' }));
    expect(resolved).toMatchObject({ status: 'resolved', resolution: { by: 'cand.c10', resolution: 'đã sửa' } });
    expect(resolved.events.map((e) => e.prev)).toEqual([null, requestEventHash(resolved.events[0]), requestEventHash(resolved.events[1])]);
    expect(refused(resolved, ev(resolved, 'request_refuse', P, '2025-08-04T00:00:00.000Z', { reason: 'x' }), 'closed')).toMatch(/resolved/);
  });

  it('is refused when it does not fit the agreement or comes from the wrong body', () => {
    expect(refused(null, ev(null, 'error_report', C, '2025-08-01T00:00:00.000Z', { ...errorPayload, field: 'biometric_refs' }), 'not_shared')).toMatch(/biometric_refs/);
    refused(null, ev(null, 'error_report', C, '2025-08-01T00:00:00.000Z', { ...errorPayload, entity: 'legal_person' }), 'not_shared');
    refused(null, ev(null, 'error_report', P, '2025-08-01T00:00:00.000Z', errorPayload), 'not_allowed');
    refused(null, ev(null, 'error_report', gen.spare.signing, '2025-08-01T00:00:00.000Z', errorPayload), 'key_not_listed');
    const opened = ok(null, ev(null, 'error_report', C, '2025-08-01T00:00:00.000Z', errorPayload));
    refused(opened, ev(opened, 'error_acknowledge', C, '2025-08-02T00:00:00.000Z', { note: '' }), 'not_allowed');
    refused(opened, ev(opened, 'usage_answer', P, '2025-08-02T00:00:00.000Z', { report: report('2025-08-02T00:00:00.000Z') }), 'not_allowed');
    refused(opened, ev(opened, 'error_acknowledge', P, '2025-07-31T00:00:00.000Z', { note: '' }), 'out_of_order');
    // A key of the provider not listed in the agreement.
    refused(opened, ev(opened, 'error_acknowledge', gen.spare.signing, '2025-08-02T00:00:00.000Z', { note: '' }), 'key_not_listed');
  });

  it('lets the provider refuse with a reason addressed to the requester', () => {
    const opened = ok(null, ev(null, 'error_report', C, '2025-08-01T00:00:00.000Z', errorPayload));
    const r = ok(opened, ev(opened, 'request_refuse', P, '2025-08-02T00:00:00.000Z', { reason: 'Bản ghi đúng' }));
    expect(r).toMatchObject({ status: 'refused', refusal: { by: 'cand.c10', reason: 'Bản ghi đúng' }, requester: 'qdnd.cuc-dths' });
  });
});

describe('usage-report requests (Art. 14.1(b))', () => {
  it('goes requested → answered for the period asked', () => {
    const opened = ok(null, ev(null, 'usage_request', P, '2025-08-01T00:00:00.000Z', { consumer: 'qdnd.cuc-dths', reason: 'nghi vấn', ...period }));
    expect(opened).toMatchObject({ type: 'usage_report', status: 'requested', recipient: 'qdnd.cuc-dths' });
    const wrongPeriod = { ...report('2025-08-02T00:00:00.000Z'), periodTo: '2025-12-31T00:00:00.000Z' };
    refused(opened, ev(opened, 'usage_answer', C, '2025-08-02T00:00:00.000Z', { report: wrongPeriod }), 'not_allowed');
    const answered = ok(opened, ev(opened, 'usage_answer', C, '2025-08-02T00:00:00.000Z', { report: report('2025-08-02T00:00:00.000Z') }));
    expect(answered.status).toBe('answered');
    expect(answered.answer?.report.accessLog.available).toBe(false);
  });

  it('is asked only by the provider, of a consumer, for a non-empty period', () => {
    refused(null, ev(null, 'usage_request', C, '2025-08-01T00:00:00.000Z', { consumer: 'qdnd.cuc-dths', reason: 'x', ...period }), 'not_allowed');
    refused(null, ev(null, 'usage_request', P, '2025-08-01T00:00:00.000Z', { consumer: 'qdnd.other', reason: 'x', ...period }), 'not_a_party');
    refused(
      null,
      ev(null, 'usage_request', P, '2025-08-01T00:00:00.000Z', { consumer: 'qdnd.cuc-dths', reason: 'x', periodFrom: period.periodTo, periodTo: period.periodFrom }),
      'malformed',
    );
  });
});

describe('authentication and basis', () => {
  const genuine = ev(null, 'error_report', C, '2025-08-01T00:00:00.000Z', errorPayload);

  it('refuses an altered or relabelled event and a malformed one', () => {
    expect(refused(null, { ...genuine, payload: { ...errorPayload, description: 'khác' } }, 'bad_signature')).toMatch(/does not verify/);
    expect(refused(null, { ...genuine, actor: 'cand.c10' }, 'bad_signature')).toMatch(/belongs to qdnd.cuc-dths/);
    expect(refused(null, { ...genuine, keyId: 'unknown-key' }, 'bad_signature')).toMatch(/unknown key/);
    refused(null, { ...genuine, extra: 1 }, 'malformed');
    expect(parseRequestEvent({ ...genuine, requestId: 'not-a-uuid' }).ok).toBe(false);
  });

  it('judges a request against the agreement at its basis', () => {
    refused(null, genuine, 'unknown_basis', null);
    const proposedOnly = agreement(false);
    refused(null, ev(null, 'error_report', C, '2025-08-01T00:00:00.000Z', errorPayload, proposedOnly), 'no_confirmed_version', proposedOnly);
    // A basis that names another point of the history than the state supplied.
    refused(null, genuine, 'unknown_basis', proposedOnly);
  });

  it('refuses replays and forks of a request', () => {
    const opened = ok(null, genuine);
    refused(opened, genuine, 'broken_chain');
    const ack = ev(opened, 'error_acknowledge', P, '2025-08-02T00:00:00.000Z', { note: '' });
    const acked = ok(opened, ack);
    refused(acked, ev(opened, 'error_resolve', P, '2025-08-03T00:00:00.000Z', { resolution: 'x' }), 'broken_chain');
  });
});
