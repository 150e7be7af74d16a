import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CatalogAgreementError, CatalogAgreementSource } from './catalogAgreement';
import { schemaFingerprint } from './catalogFingerprint';
import { buildCatalog } from './catalogModel';
import { assertCatalogCurrent, CATALOG_FILE_NAMES, renderCatalogFiles, staleCatalogFiles, writeCatalogFiles } from './catalogFiles';
import { CatalogStaleError } from './contractError';
import { loadContracts } from './contractLoader';
import { ContractRegistry } from './contractRegistry';
import { projectContract } from './projectedContract';

/**
 * The catalogue of the contract alone and with agreements given as plain data (what libs/agreements
 * catalogAgreementSource builds from a file). That docs/catalog matches the published agreements in
 * deploy/agreements is checked by services/cli/commands/catalog.test.ts, which may read both.
 */
function agreement(version: number, fields: string[], overrides: Partial<CatalogAgreementSource> = {}): CatalogAgreementSource {
  return {
    id: 'TTDL-TEST-2025-01',
    version,
    titleVi: 'Thỏa thuận thử nghiệm',
    titleEn: 'Test agreement',
    provider: { id: 'cand.c10', ministry: 'cand', nameVi: 'Cục C10, Bộ Công an' },
    consumers: [{ id: 'qdnd.cuc-dths', ministry: 'qdnd', nameVi: 'Cục Điều tra hình sự, Bộ Quốc phòng', nameEn: 'Criminal Investigation Department' }],
    dispatch: { number: '125/C10-P4', date: '2025-06-20', channel: 'official_letter' },
    period: { validFrom: '2025-07-01T00:00:00+07:00', validTo: '2030-07-01T00:00:00+07:00' },
    partnerStore: { database: 'qdnd', schema: 'partner_cand' },
    method: { scope: 'partial', initialSnapshot: true },
    purposes: [{ code: 'ENFORCEMENT_SUPERVISION', description: 'Theo dõi thi hành án đối với quân nhân' }],
    retention: { received: 'until_end', derived: 'P5Y', summaryVi: 'lưu đến khi kết thúc', summaryEn: 'kept until the end' },
    deletion: { method: 'hard_delete', afterEnd: 'P30D', summaryVi: 'xóa hẳn sau 30 ngày', summaryEn: 'hard-deleted after 30 days' },
    entities: [{ entity: 'person', fields, filtered: true, filterVi: 'is_military = true VÀ sex = F', filterEn: 'is_military = true AND sex = F' }],
    ...overrides,
  };
}

/** The text of one agreement's section: from its heading (Markdown) or its <section> (HTML) to the next agreement or entity. */
function agreementText(text: string, id: string, version: number): string {
  const md = text.indexOf(`### Thỏa thuận ${id}, phiên bản ${version}`);
  const start = md >= 0 ? md : text.indexOf(`<section class="agreement" id="agreement-${id}-v${version}">`);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = text.slice(start + 1);
  const ends = [/\n### /, /\n## /, /<section class="agreement"/, /<section id="entity-/].map((re) => rest.search(re)).filter((i) => i >= 0);
  return text.slice(start, start + 1 + Math.min(...ends));
}

describe('service catalogue', () => {
  const registry = loadContracts();
  const files = renderCatalogFiles(registry);

  it('is reproducible: same contract and agreements, same bytes, whatever the load order', () => {
    const reversed = new ContractRegistry([...registry.list()].reverse());
    expect(renderCatalogFiles(reversed)).toEqual(files);
    expect(renderCatalogFiles(loadContracts())).toEqual(files);
    const two = [agreement(1, ['id', 'is_military']), agreement(2, ['id', 'full_name', 'is_military'])];
    expect(renderCatalogFiles(registry, [...two].reverse())).toEqual(renderCatalogFiles(registry, two));
  });

  it('of the contract alone names no topic: nothing is published without an agreement', () => {
    const doc = buildCatalog(registry);
    expect(doc.catalogVersion).toBe(2);
    expect(doc.agreements).toEqual([]);
    expect(doc.entities.flatMap((e) => e.services)).toEqual([]);
    const person = doc.entities.find((e) => e.entity === 'person');
    expect(person?.heldBy).toEqual([
      { ministry: 'cand', ministryVi: 'Bộ Công an' },
      { ministry: 'qdnd', ministryVi: 'Bộ Quốc phòng' },
    ]);
    expect(person?.fields.find((f) => f.name === 'date_of_birth')).toMatchObject({
      avroType: 'int (date)',
      nullable: false,
      sensitivity: 2,
      docVi: 'Ngày sinh',
      docEn: 'Date of birth',
    });
    expect(person?.fingerprints.value).toMatch(/^[0-9a-f]{64}$/);
    for (const text of [files['catalog.md'], files['catalog.html']]) {
      expect(text).toContain('Chưa có thỏa thuận nào được công bố');
      expect(text).toContain('Không thỏa thuận nào chia sẻ thực thể này');
    }
    const json = JSON.parse(files['catalog.json']) as typeof doc;
    expect(json.entities.map((e) => e.entity)).toEqual(registry.entities());
  });

  it('never names a whole-table topic thahs.<ministry>.<entity>, with or without agreements', () => {
    const withAgreement = renderCatalogFiles(registry, [agreement(1, ['id', 'is_military'])]);
    for (const text of [...Object.values(files), ...Object.values(withAgreement)]) {
      expect(text).not.toMatch(/thahs\.(?:cand|qdnd)\.[a-z_]+(?:-key|-value)?(?![A-Za-z0-9_.-])/);
    }
  });

  describe('with an agreement', () => {
    const source = agreement(1, ['full_name', 'date_of_birth', 'is_military', 'sex']);
    const doc = buildCatalog(registry, [source]);
    const rendered = renderCatalogFiles(registry, [source]);
    const topic = 'thahs.cand.TTDL-TEST-2025-01.person';

    it('holds, per shared entity, the agreement topic, its subjects, the projected fields in contract order and the filter', () => {
      expect(doc.agreements).toHaveLength(1);
      const [a] = doc.agreements;
      expect(a).toMatchObject({ id: 'TTDL-TEST-2025-01', version: 1, anchor: 'agreement-TTDL-TEST-2025-01-v1', titleVi: 'Thỏa thuận thử nghiệm' });
      expect(a.provider).toEqual({ id: 'cand.c10', ministry: 'cand', nameVi: 'Cục C10, Bộ Công an', ministryVi: 'Bộ Công an' });
      expect(a.consumers[0].ministryVi).toBe('Bộ Quốc phòng');
      const [person] = a.entities;
      expect(person).toMatchObject({
        entity: 'person',
        topic,
        keySubject: `${topic}-key`,
        valueSubject: `${topic}-value`,
        compatibility: 'BACKWARD',
        filtered: true,
        filterVi: 'is_military = true VÀ sex = F',
        filterEn: 'is_military = true AND sex = F',
        contractFieldCount: registry.get('person').fields.length,
      });
      // The key always travels; the order is the contract's, not the agreement's.
      expect(person.fields.map((f) => f.name)).toEqual(['id', 'full_name', 'date_of_birth', 'sex', 'is_military']);
      expect(person.fields.find((f) => f.name === 'date_of_birth')).toEqual({
        name: 'date_of_birth',
        avroType: 'int (date)',
        sensitivity: 2,
        docVi: 'Ngày sinh',
        docEn: 'Date of birth',
      });
      expect(person.fields.find((f) => f.name === 'sex')?.avroType).toBe('enum Sex');
    });

    it('gives the fingerprint of the value schema the producer registers, every field but the key optional', () => {
      const contract = registry.get('person');
      const registered = projectContract(contract, source.entities[0].fields).projected;
      const [person] = doc.agreements[0].entities;
      expect(person.fingerprints).toEqual({ key: schemaFingerprint(registered.keySchema), value: schemaFingerprint(registered.valueSchema) });
      expect(person.fingerprints.value).not.toBe(schemaFingerprint(contract.valueSchema));
      const fields = person.valueSchema.fields as Array<{ name: string; type: unknown }>;
      expect(fields.map((f) => f.name)).toEqual(['id', 'full_name', 'date_of_birth', 'sex', 'is_military']);
      expect(fields.filter((f) => f.name !== 'id').every((f) => Array.isArray(f.type) && f.type[0] === 'null')).toBe(true);
    });

    it('lists the agreement under the entities it shares, and only those', () => {
      const person = doc.entities.find((e) => e.entity === 'person');
      expect(person?.services).toEqual([
        {
          agreementId: 'TTDL-TEST-2025-01',
          agreementVersion: 1,
          agreementAnchor: 'agreement-TTDL-TEST-2025-01-v1',
          provider: 'cand',
          providerVi: 'Bộ Công an',
          receivers: ['qdnd'],
          topic,
          keySubject: `${topic}-key`,
          valueSubject: `${topic}-value`,
          compatibility: 'BACKWARD',
        },
      ]);
      expect(doc.entities.filter((e) => e.services.length > 0).map((e) => e.entity)).toEqual(['person']);
    });

    it('renders a section per agreement in Markdown and HTML: shared fields there, unshared ones not, the filter and the topic stated', () => {
      for (const text of [rendered['catalog.md'], rendered['catalog.html']]) {
        const section = agreementText(text, 'TTDL-TEST-2025-01', 1);
        for (const label of [
          'Bên cung cấp',
          'Bên nhận',
          'Công văn',
          'Thời hạn',
          'Nơi nhận dữ liệu',
          'Mục đích sử dụng',
          'Lưu trữ sau trao đổi',
          'Xóa dữ liệu',
          'Điều kiện lọc bản ghi',
        ]) {
          expect(section).toContain(label);
        }
        expect(section).toContain('125/C10-P4');
        expect(section).toContain('công văn giao liên');
        expect(section).toContain('partner_cand');
        expect(section).toContain('ENFORCEMENT_SUPERVISION');
        expect(section).toContain(topic);
        expect(section).toContain(`${topic}-value`);
        expect(section).toContain('is_military = true VÀ sex = F');
        expect(section).toContain('is_military = true AND sex = F');
        expect(section).toContain('5/35');
        for (const shared of ['full_name', 'date_of_birth', 'is_military']) expect(section).toContain(shared);
        for (const withheld of ['national_id', 'father_name', 'biometric_refs', 'military_rank']) expect(section).not.toContain(withheld);
        expect(section).toContain(doc.agreements[0].entities[0].fingerprints.value);
      }
      expect(rendered['catalog.md']).toContain('[TTDL-TEST-2025-01 v1](#thỏa-thuận-ttdl-test-2025-01-phiên-bản-1)');
      expect(rendered['catalog.html']).toContain('<a href="#agreement-TTDL-TEST-2025-01-v1">');
      const json = JSON.parse(rendered['catalog.json']) as typeof doc;
      expect(json.agreements[0].entities[0].fields.map((f) => f.name)).toEqual(['id', 'full_name', 'date_of_birth', 'sex', 'is_military']);
    });

    it('links only to anchors the HTML page has', () => {
      const html = rendered['catalog.html'];
      const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
      const targets = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
      expect(targets).toContain('agreement-TTDL-TEST-2025-01-v1');
      expect(targets).toContain('entity-person');
      expect(targets.filter((t) => !ids.has(t))).toEqual([]);
    });

    it('orders versions by number and shows each with its own fields on the same topic', () => {
      const both = buildCatalog(registry, [agreement(10, ['id', 'is_military', 'military_rank']), agreement(2, ['id', 'is_military'])]);
      expect(both.agreements.map((a) => a.version)).toEqual([2, 10]);
      expect(both.agreements.map((a) => a.entities[0].topic)).toEqual([topic, topic]);
      expect(both.agreements[1].entities[0].fields.map((f) => f.name)).toContain('military_rank');
      expect(both.agreements[0].entities[0].fields.map((f) => f.name)).not.toContain('military_rank');
      expect(both.entities.find((e) => e.entity === 'person')?.services.map((s) => s.agreementVersion)).toEqual([2, 10]);
    });

    it('refuses the same version twice, an entity without a contract and a field the contract does not have', () => {
      expect(() => buildCatalog(registry, [agreement(1, ['id']), agreement(1, ['id'])])).toThrow(CatalogAgreementError);
      expect(() => buildCatalog(registry, [agreement(1, ['id']), agreement(1, ['id'])])).toThrow(/TTDL-TEST-2025-01 v1: given twice/);
      const ghost = agreement(1, ['id'], { entities: [{ entity: 'ghost', fields: ['id'], filtered: false, filterVi: '-', filterEn: '-' }] });
      expect(() => buildCatalog(registry, [ghost])).toThrow(/entity ghost\): no contract/);
      expect(() => buildCatalog(registry, [agreement(1, ['id', 'shoe_size'])])).toThrow(/entity person\).*shoe_size not in the contract/);
    });
  });

  it('renders Vietnamese labels and every field in Markdown and HTML', () => {
    for (const text of [files['catalog.md'], files['catalog.html']]) {
      for (const label of ['Danh mục dịch vụ trao đổi dữ liệu THAHS', 'Trường', 'Kiểu', 'Mô tả', 'Mức nhạy cảm', 'Quy tắc tương thích', 'Bảng mã', 'Công bố theo thỏa thuận']) {
        expect(text).toContain(label);
      }
      for (const c of registry.list()) for (const f of c.fields) expect(text).toContain(f.name);
    }
  });

  it('is a standalone HTML page: inline CSS, no scripts, no external assets', () => {
    const html = renderCatalogFiles(registry, [agreement(1, ['id', 'is_military'])])['catalog.html'];
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="vi">')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|url\(|@import|https?:\/\//i);
    expect(html).toMatch(/<\/html>\n$/);
  });

  it('names the stale and the missing files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-catalog-'));
    try {
      writeCatalogFiles(dir, files);
      expect(staleCatalogFiles(dir, files)).toEqual([]);
      fs.appendFileSync(path.join(dir, 'catalog.md'), 'hand edit\n');
      fs.rmSync(path.join(dir, 'catalog.json'));
      expect(staleCatalogFiles(dir, files)).toEqual(['catalog.md', 'catalog.json']);
      expect(() => assertCatalogCurrent(dir, files)).toThrow(CatalogStaleError);
      expect(() => assertCatalogCurrent(dir, files)).toThrow(/catalog\.md.*catalog\.json/);
      expect(CATALOG_FILE_NAMES).toEqual(['catalog.md', 'catalog.html', 'catalog.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
