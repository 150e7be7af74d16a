import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadContracts } from '../contracts/contractLoader';
import type { AgreementDocument } from './agreementDocument';
import { AgreementValidationError } from './agreementValidationError';
import { catalogAgreementSource, DEFAULT_AGREEMENT_DIR, loadCatalogAgreementSources } from './catalogAgreementSource';
import { loadAgreementFile } from './loadAgreementFile';

describe('catalogAgreementSource', () => {
  const registry = loadContracts();

  it('takes every published agreement file, validated against the contract, with its filters in words', async () => {
    const sources = await loadCatalogAgreementSources(DEFAULT_AGREEMENT_DIR, registry);
    expect(sources.map((s) => `${s.id} v${s.version}`)).toEqual(['TTDL-CAND-QDND-2025-01 v1', 'TTDL-QDND-CAND-2025-01 v1']);
    const [candToQdnd, qdndToCand] = sources;
    expect(candToQdnd.provider).toMatchObject({ id: 'cand.c10', ministry: 'cand' });
    expect(candToQdnd.consumers.map((c) => c.id)).toEqual(['qdnd.cuc-dths']);
    expect(candToQdnd.dispatch).toEqual({ number: '125/C10-P4', date: '2025-06-20', channel: 'official_letter' });
    expect(candToQdnd.partnerStore).toEqual({ database: 'qdnd', schema: 'partner_cand' });
    expect(candToQdnd.method).toEqual({ scope: 'partial', initialSnapshot: true });
    expect(candToQdnd.purposes.map((p) => p.code)).toEqual(['ENFORCEMENT_SUPERVISION', 'STATISTICS']);
    expect(candToQdnd.entities.map((e) => [e.entity, e.filtered, e.filterVi])).toEqual([
      ['person', true, 'is_military = true'],
      ['enforcement_case', true, 'case_type ∈ {CUSTODIAL, COMMUNITY, DEATH} VÀ (closed_at rỗng HOẶC closed_at ≥ 2020-01-01T00:00:00+07:00)'],
      ['judgment', true, 'judgment_date ≥ 2015-01-01'],
    ]);
    expect(candToQdnd.entities[1].filterEn).toBe('case_type ∈ {CUSTODIAL, COMMUNITY, DEATH} AND (closed_at is null OR closed_at ≥ 2020-01-01T00:00:00+07:00)');
    expect(qdndToCand.entities[0]).toMatchObject({ entity: 'person', filtered: false, filterVi: 'mọi bản ghi (không lọc)', filterEn: 'every row (no filter)' });
    expect(qdndToCand.entities[1].filterVi).toBe('KHÔNG (status = UNKNOWN)');
  });

  it('states retention and deletion in both languages', async () => {
    const [candToQdnd, qdndToCand] = await loadCatalogAgreementSources(DEFAULT_AGREEMENT_DIR, registry);
    expect(candToQdnd.retention).toEqual({
      received: 'until_end',
      derived: 'P5Y',
      summaryVi: 'dữ liệu nhận được: đến khi thỏa thuận kết thúc; dữ liệu dẫn xuất: 5 năm kể từ khi nhận',
      summaryEn: 'received data: until the agreement ends; derived data: 5 years from receipt',
    });
    expect(candToQdnd.deletion.summaryVi).toBe(
      'xóa hẳn dữ liệu nhận được, 30 ngày sau khi thỏa thuận kết thúc (hết hạn hoặc chấm dứt); các chủ đề của thỏa thuận cũng được xóa khỏi nền tảng',
    );
    expect(candToQdnd.deletion.summaryEn).toBe(
      "received data hard-deleted 30 days after the agreement ends (expiry or termination); the agreement's topics are deleted from the platform too",
    );
    expect(qdndToCand.deletion).toMatchObject({
      method: 'anonymise',
      afterEnd: 'P0D',
      anonymiseFields: { person: ['national_id', 'passport_no', 'full_name', 'permanent_address'] },
    });
    expect(qdndToCand.deletion.summaryEn).toBe(
      'person anonymised (national_id, passport_no, full_name, permanent_address set to null), every other entity hard-deleted, when the agreement ends (expiry or termination); ' +
        "the agreement's topics are deleted from the platform too",
    );
    expect(qdndToCand.deletion.summaryVi).toMatch(
      /^ẩn danh person \(xóa giá trị national_id, passport_no, full_name, permanent_address\), xóa hẳn các thực thể khác, ngay khi thỏa thuận kết thúc/,
    );
    expect(qdndToCand.retention.summaryEn).toBe('received data: 10 years from receipt; derived data: until the agreement ends');
  });

  it('reads compound durations and singular units', async () => {
    const base: AgreementDocument = await loadAgreementFile(path.join(DEFAULT_AGREEMENT_DIR, 'cand-to-qdnd.yaml'));
    const d: AgreementDocument = { ...base, storage: { receivedRetention: 'P1Y6M', derivedRetention: 'P1D' }, deletion: { method: 'hard_delete', afterEnd: 'PT12H' } };
    const s = catalogAgreementSource(d);
    expect(s.retention.summaryVi).toBe('dữ liệu nhận được: 1 năm 6 tháng kể từ khi nhận; dữ liệu dẫn xuất: 1 ngày kể từ khi nhận');
    expect(s.retention.summaryEn).toBe('received data: 1 year 6 months from receipt; derived data: 1 day from receipt');
    expect(s.deletion.summaryVi).toMatch(/^xóa hẳn dữ liệu nhận được, 12 giờ sau khi thỏa thuận kết thúc/);
    expect(s.deletion.summaryEn).toMatch(/^received data hard-deleted 12 hours after the agreement ends/);
  });

  it('fails, naming the file, when an agreement file does not validate: no agreement is silently left out', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-catalog-agreements-'));
    try {
      const text = fs.readFileSync(path.join(DEFAULT_AGREEMENT_DIR, 'cand-to-qdnd.yaml'), 'utf8').replace('military_rank,', 'military_rank, shoe_size,');
      fs.writeFileSync(path.join(dir, 'broken.yaml'), text);
      await expect(loadCatalogAgreementSources(dir, registry)).rejects.toThrow(AgreementValidationError);
      await expect(loadCatalogAgreementSources(dir, registry)).rejects.toThrow(/broken\.yaml.*\n.*shoe_size/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
