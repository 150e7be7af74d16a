import * as path from 'path';
import { loadAgreementFile, statusAt, type AgreementDocument } from '.';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { agreementEndAt, deletionDueAt, receivedRetention, scopeVersionAt } from './agreementTimeline';

const contracts = loadContracts();
const t = (iso: string): number => Date.parse(iso);
const first = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

describe('agreement timeline: the scope in force now and the end', () => {
  let doc: AgreementDocument;
  beforeAll(async () => {
    doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
  });

  it('follows the highest started version; a suspension does not change the scope', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, first);
    const v2 = { ...doc, version: 2, dispatch: { ...doc.dispatch, number: '126/C10-P4' } };
    h.confirm(v2, { draft: '2026-01-01T00:00:00.000Z', propose: '2026-01-02T00:00:00.000Z', confirm: '2026-01-03T00:00:00.000Z' });
    const s = h.state;
    expect(scopeVersionAt(s, t('2025-06-30T16:59:59.999Z'))).toBeNull();
    expect(scopeVersionAt(s, t('2025-07-01T00:00:00Z'))!.version).toBe(1);
    expect(scopeVersionAt(s, t('2026-01-02T23:59:59Z'))!.version).toBe(1);
    expect(scopeVersionAt(s, t('2026-01-03T00:00:00Z'))!.version).toBe(2);
    const suspended = h.suspend('2026-02-01T00:00:00.000Z', 'Tạm dừng để kiểm tra');
    expect(statusAt(suspended, t('2026-02-02T00:00:00Z'))).toBe('suspended');
    expect(scopeVersionAt(suspended, t('2026-02-02T00:00:00Z'))!.version).toBe(2);
    expect(agreementEndAt(suspended, t('2026-02-02T00:00:00Z'))).toBeNull();
    expect(scopeVersionAt(null, t('2026-01-03T00:00:00Z'))).toBeNull();
    expect(agreementEndAt(s, t('2027-01-01T00:00:00Z'))).toBeNull();
    // expiry at validTo of the version governing last
    const end = agreementEndAt(s, t('2030-07-01T00:00:00Z'))!;
    expect(scopeVersionAt(s, t('2030-06-30T17:00:00Z'))).toBeNull();
    expect(end).toEqual({ how: 'expired', endedAtMs: t('2030-06-30T17:00:00Z'), last: expect.objectContaining({ version: 2 }) });
    expect(statusAt(s, end.endedAtMs)).toBe('expired');
    // afterEnd P30D
    expect(new Date(deletionDueAt(end)).toISOString()).toBe('2030-07-30T17:00:00.000Z');
  });

  it('ends at termination, with the version then in force; nothing is in scope afterwards', () => {
    const h = new AgreementHistory(doc);
    h.confirm(doc, first);
    h.terminate('2026-03-01T08:00:00.000Z', 'Kết thúc trao đổi');
    const s = h.state;
    expect(scopeVersionAt(s, t('2026-03-01T07:59:59.999Z'))!.version).toBe(1);
    expect(scopeVersionAt(s, t('2026-03-01T08:00:00Z'))).toBeNull();
    expect(agreementEndAt(s, t('2026-03-01T07:59:59.999Z'))).toBeNull();
    const end = agreementEndAt(s, t('2026-03-02T00:00:00Z'))!;
    expect(end.how).toBe('terminated');
    expect(end.endedAtMs).toBe(t('2026-03-01T08:00:00Z'));
    expect(end.last.version).toBe(1);
    expect(deletionDueAt({ ...end, last: { ...end.last, document: { ...end.last.document, deletion: { method: 'hard_delete', afterEnd: 'P0D' } } } })).toBe(end.endedAtMs);
  });

  it('a gap before a later confirmed version is not an end', () => {
    const short = { ...doc, period: { validFrom: '2025-07-01T00:00:00+07:00', validTo: '2026-01-01T00:00:00+07:00' } };
    const h = new AgreementHistory(short);
    h.confirm(short, first);
    const later = { ...doc, version: 2, period: { validFrom: '2026-06-01T00:00:00+07:00', validTo: '2027-01-01T00:00:00+07:00' } };
    h.confirm(later, { draft: '2025-12-01T00:00:00.000Z', propose: '2025-12-02T00:00:00.000Z', confirm: '2025-12-03T00:00:00.000Z' });
    const s = h.state;
    const inGap = t('2026-03-01T00:00:00Z');
    expect(scopeVersionAt(s, inGap)).toBeNull();
    expect(agreementEndAt(s, inGap)).toBeNull();
    expect(scopeVersionAt(s, t('2026-06-01T00:00:00Z'))!.version).toBe(2);
    expect(agreementEndAt(s, t('2027-01-01T00:00:00Z'))!.last.version).toBe(2);
  });

  it('an agreement never confirmed has no end to act upon', () => {
    const h = new AgreementHistory(doc);
    expect(() => h.state).toThrow();
    expect(agreementEndAt(null, Date.now())).toBeNull();
  });

  it('reads the received-data retention', () => {
    expect(receivedRetention(doc)).toBeNull();
    expect(receivedRetention({ ...doc, storage: { receivedRetention: 'P10Y', derivedRetention: 'until_end' } })).toBe('P10Y');
    expect(() => receivedRetention({ ...doc, storage: { receivedRetention: 'ten years', derivedRetention: 'until_end' } })).toThrow(RangeError);
  });
});
