import { randomUUID } from 'crypto';
import {
  createRequestEvent,
  ExchangePublisher,
  loadPartySigningKey,
  requestEventHash,
  StepRefusedError,
  type AgreementExchangeClient,
  type RequestState,
  type UsageReport,
} from '../../libs/agreement-exchange';
import { canonicalJson, type AgreementDocument } from '../../libs/agreements';
import { cand2qdndAgreement, startExchangeHarness, type ExchangeHarness } from './exchangeHarness';

/**
 * Issue 5, requests between the ministries: a data-error report (Art. 15.2(c)) and a usage-report
 * request (Art. 14.1(b)) travel between cand and qdnd as signed events, refusals carry their reason
 * back (Art. 14.1(a)), and both databases track the same status.
 */
describe('requests between cand and qdnd on the real stack', () => {
  let h: ExchangeHarness;
  let c10: AgreementExchangeClient;
  let dths: AgreementExchangeClient;
  let doc: AgreementDocument;

  beforeAll(async () => {
    h = await startExchangeHarness('requests', { basisWaitMs: 3_000 });
    const provider = h.addParty('cand.c10');
    const consumer = h.addParty('qdnd.cuc-dths');
    c10 = h.cand.client('cand.c10');
    dths = h.qdnd.client('qdnd.cuc-dths');
    doc = cand2qdndAgreement(h, { provider, consumer });
    await c10.draft(doc);
    await c10.propose(doc.id);
    await dths.confirm(doc.id);
  });

  afterAll(async () => {
    await h?.stop();
  });

  /** The request as each ministry's database holds it, once both have read everything published. */
  async function onBothSides(requestId: string): Promise<[RequestState, RequestState]> {
    await c10.catchUp();
    await dths.catchUp();
    const [a, b] = await Promise.all([h.cand.store.request(requestId), h.qdnd.store.request(requestId)]);
    expect(a).not.toBeNull();
    expect(b).toEqual(a);
    const [ea, eb] = await Promise.all([h.cand.store.requestEvents(requestId), h.qdnd.store.requestEvents(requestId)]);
    expect(eb.map((e) => e.eventHash)).toEqual(ea.map((e) => e.eventHash));
    return [a!, b!];
  }

  it('carries a data-error report from qdnd to cand, acknowledged then resolved, the status tracked on both sides', async () => {
    const recordKey = randomUUID();
    const report = await dths.reportError({ agreementId: doc.id, entity: 'person', recordKey, field: 'full_name', description: 'Họ tên ghi sai dấu so với bản án' });
    const requestId = report.event.requestId;
    let [onCand] = await onBothSides(requestId);
    expect(onCand).toMatchObject({
      type: 'data_error',
      status: 'reported',
      requester: 'qdnd.cuc-dths',
      recipient: 'cand.c10',
      subject: { entity: 'person', recordKey, field: 'full_name' },
    });
    expect((await h.cand.store.requests({ party: 'cand.c10', status: 'reported' })).map((r) => r.requestId)).toEqual([requestId]);

    // Only the provider answers an error report.
    await expect(dths.acknowledgeError(requestId, 'tự xác nhận')).rejects.toThrow(StepRefusedError);

    await c10.acknowledgeError(requestId, 'Đã tiếp nhận, đang kiểm tra');
    [onCand] = await onBothSides(requestId);
    expect(onCand.status).toBe('acknowledged');
    expect(onCand.acknowledgement).toMatchObject({ by: 'cand.c10', note: 'Đã tiếp nhận, đang kiểm tra' });

    await c10.resolveError(requestId, 'Đã sửa họ tên theo bản án gốc');
    const [, onQdnd] = await onBothSides(requestId);
    expect(onQdnd.status).toBe('resolved');
    expect(onQdnd.resolution).toMatchObject({ by: 'cand.c10', resolution: 'Đã sửa họ tên theo bản án gốc' });
    expect(onQdnd.events.map((e) => e.kind)).toEqual(['error_report', 'error_acknowledge', 'error_resolve']);
    await expect(c10.refuseRequest(requestId, 'too late')).rejects.toThrow(/closed/);
  });

  it('refuses a report with a reason that reaches the requester, and refuses locally what the agreement does not cover', async () => {
    await expect(dths.reportError({ agreementId: doc.id, entity: 'person', recordKey: randomUUID(), field: 'biometric_refs', description: 'x' })).rejects.toMatchObject({
      code: 'not_shared',
    });
    await expect(c10.reportError({ agreementId: doc.id, entity: 'person', recordKey: randomUUID(), field: 'full_name', description: 'x' })).rejects.toMatchObject({
      code: 'not_allowed',
    });
    const report = await dths.reportError({ agreementId: doc.id, entity: 'enforcement_case', recordKey: randomUUID(), field: 'status', description: 'Trạng thái chưa cập nhật' });
    await c10.refuseRequest(report.event.requestId, 'Bản ghi đúng theo quyết định thi hành án mới nhất');
    const [, onQdnd] = await onBothSides(report.event.requestId);
    expect(onQdnd.status).toBe('refused');
    expect(onQdnd.refusal).toMatchObject({ by: 'cand.c10', reason: 'Bản ghi đúng theo quyết định thi hành án mới nhất' });
    expect((await h.qdnd.store.requests({ party: 'qdnd.cuc-dths', status: 'refused' })).map((r) => r.requestId)).toEqual([report.event.requestId]);
  });

  it('carries a usage-report request from cand to qdnd and its answer back, from what the consumer database holds', async () => {
    const period = { periodFrom: '2026-01-01T00:00:00.000Z', periodTo: '2027-01-01T00:00:00.000Z' };
    await expect(dths.requestUsageReport({ agreementId: doc.id, consumer: 'qdnd.cuc-dths', reason: 'x', ...period })).rejects.toMatchObject({ code: 'not_allowed' });

    // No access log yet: the answer says so instead of reporting zero.
    const first = await c10.requestUsageReport({ agreementId: doc.id, consumer: 'qdnd.cuc-dths', reason: 'Nghi vấn sử dụng dữ liệu ngoài mục đích thống nhất', ...period });
    expect((await onBothSides(first.event.requestId))[1].status).toBe('requested');
    await dths.answerUsageReport(first.event.requestId);
    const [answered] = await onBothSides(first.event.requestId);
    expect(answered.status).toBe('answered');
    const r1 = answered.answer!.report;
    expect(r1.accessLog).toMatchObject({ available: false, total: null, source: 'partner_state.access_log' });
    expect(r1.accessLog.note).toMatch(/does not exist/);
    expect(r1.partnerStore.entities.map((e) => [e.entity, e.rows])).toEqual([
      ['person', null],
      ['enforcement_case', null],
      ['judgment', null],
    ]);

    // With an access log (the shape libs/partner-store creates: at, who, what, purpose) and received
    // rows, the answer counts the accesses in the period for the agreement's purposes.
    await h.qdnd.pool.query(`CREATE SCHEMA partner_state; CREATE SCHEMA partner_cand;
      CREATE TABLE partner_state.access_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(),
        who text NOT NULL, what text NOT NULL, purpose text NOT NULL);
      CREATE TABLE partner_cand.person (id uuid PRIMARY KEY)`);
    await h.qdnd.pool.query(`INSERT INTO partner_state.access_log (at, who, what, purpose) VALUES
      ('2026-03-01T00:00:00Z', 'can-bo-1', 'person', 'ENFORCEMENT_SUPERVISION'), ('2026-04-01T00:00:00Z', 'can-bo-2', 'enforcement_case', 'ENFORCEMENT_SUPERVISION'),
      ('2026-05-01T00:00:00Z', 'can-bo-1', 'person', 'STATISTICS'), ('2025-05-01T00:00:00Z', 'can-bo-1', 'person', 'STATISTICS'),
      ('2026-05-01T00:00:00Z', 'can-bo-3', 'person', 'OTHER_AGREEMENT_PURPOSE')`);
    await h.qdnd.pool.query('INSERT INTO partner_cand.person VALUES ($1), ($2)', [randomUUID(), randomUUID()]);
    const second = await c10.requestUsageReport({ agreementId: doc.id, consumer: 'qdnd.cuc-dths', reason: 'Kiểm tra định kỳ', ...period });
    await dths.answerUsageReport(second.event.requestId);
    const [onCand] = await onBothSides(second.event.requestId);
    const r2: UsageReport = onCand.answer!.report;
    expect(r2.accessLog.note).toMatch(/no agreement_id column: counted the accesses for this agreement's purposes \(ENFORCEMENT_SUPERVISION, STATISTICS\)/);
    expect(r2.accessLog).toMatchObject({
      available: true,
      total: 3,
      byPurpose: [
        { name: 'ENFORCEMENT_SUPERVISION', count: 2 },
        { name: 'STATISTICS', count: 1 },
      ],
      byEntity: [
        { name: 'enforcement_case', count: 1 },
        { name: 'person', count: 2 },
      ],
    });
    expect(r2.partnerStore.entities.find((e) => e.entity === 'person')?.rows).toBe(2);
    await expect(dths.answerUsageReport(second.event.requestId)).rejects.toThrow(/answered/);
  });

  it('rejects forged or baseless request events on both sides and records why', async () => {
    const dthsKey = loadPartySigningKey(h.qdnd.keysDir, 'qdnd.cuc-dths');
    const c10Key = loadPartySigningKey(h.cand.keysDir, 'cand.c10');
    const basis = (await h.qdnd.store.requireState(doc.id)).lastEventHash;
    const payload = { entity: 'person', recordKey: randomUUID(), field: 'full_name', description: 'Họ tên sai' };
    const genuine = createRequestEvent(null, 'error_report', { agreementId: doc.id, basis, at: new Date(), payload }, dthsKey);
    const altered = { ...genuine, payload: { ...payload, field: 'national_id' } };
    const impersonated = { ...createRequestEvent(null, 'error_report', { agreementId: doc.id, basis, at: new Date(), payload }, c10Key), actor: 'qdnd.cuc-dths' };
    const baseless = createRequestEvent(null, 'error_report', { agreementId: doc.id, basis: 'ab'.repeat(32), at: new Date(), payload }, dthsKey);
    const publisher = new ExchangePublisher(h.kafka, h.topics);
    for (const e of [altered, impersonated, baseless]) await publisher.publishRaw(h.topics.requests, e.requestId, canonicalJson(e), 'request');
    await publisher.disconnect();
    await c10.catchUp();
    await dths.catchUp();
    for (const side of [h.cand, h.qdnd]) {
      const rejected = await side.store.rejected({ stream: 'request' });
      const codeOf = (e: { requestId: string }): string | undefined => rejected.find((r) => r.subjectId === e.requestId)?.code;
      expect([codeOf(altered), codeOf(impersonated), codeOf(baseless)]).toEqual(['bad_signature', 'bad_signature', 'unknown_basis']);
      expect(await side.store.request(altered.requestId)).toBeNull();
      expect(await side.store.request(baseless.requestId)).toBeNull();
      expect(rejected.find((r) => r.subjectId === altered.requestId)?.eventHash).toBe(requestEventHash(altered));
    }
    await expect(h.qdnd.pool.query('DELETE FROM agreement.request_event')).rejects.toThrow(/append-only/);
  });
});
