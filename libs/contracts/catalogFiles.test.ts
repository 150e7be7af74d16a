import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildCatalog } from './catalogModel';
import { assertCatalogCurrent, CATALOG_FILE_NAMES, DEFAULT_CATALOG_DIR, renderCatalogFiles, staleCatalogFiles, writeCatalogFiles } from './catalogFiles';
import { CatalogStaleError } from './contractError';
import { loadContracts } from './contractLoader';
import { ContractRegistry } from './contractRegistry';

describe('service catalogue', () => {
  const registry = loadContracts();
  const files = renderCatalogFiles(registry);

  it('docs/catalog matches the contract (regenerate with `thahs catalog` when this fails)', () => {
    expect(staleCatalogFiles(DEFAULT_CATALOG_DIR, files)).toEqual([]);
  });

  it('is reproducible: same contract, same bytes, whatever the load order', () => {
    const reversed = new ContractRegistry([...registry.list()].reverse());
    expect(renderCatalogFiles(reversed)).toEqual(files);
    expect(renderCatalogFiles(loadContracts())).toEqual(files);
  });

  it('lists one service per provider and entity with topic, subjects and the BACKWARD rule', () => {
    const doc = buildCatalog(registry);
    const services = doc.entities.flatMap((e) => e.services);
    expect(services).toHaveLength(32);
    const person = doc.entities.find((e) => e.entity === 'person');
    expect(person?.services).toEqual([
      expect.objectContaining({ provider: 'cand', topic: 'thahs.cand.person', keySubject: 'thahs.cand.person-key', valueSubject: 'thahs.cand.person-value', compatibility: 'BACKWARD' }),
      expect.objectContaining({ provider: 'qdnd', topic: 'thahs.qdnd.person', keySubject: 'thahs.qdnd.person-key', valueSubject: 'thahs.qdnd.person-value' }),
    ]);
    expect(person?.fields.find((f) => f.name === 'date_of_birth')).toMatchObject({ avroType: 'int (date)', nullable: false, sensitivity: 2, docVi: 'Ngày sinh', docEn: 'Date of birth' });
    expect(person?.fingerprints.value).toMatch(/^[0-9a-f]{64}$/);
    const json = JSON.parse(files['catalog.json']) as typeof doc;
    expect(json.entities.map((e) => e.entity)).toEqual(registry.entities());
  });

  it('renders Vietnamese labels and every field in Markdown and HTML', () => {
    for (const text of [files['catalog.md'], files['catalog.html']]) {
      for (const label of ['Danh mục dịch vụ trao đổi dữ liệu THAHS', 'Trường', 'Kiểu', 'Mô tả', 'Mức nhạy cảm', 'Quy tắc tương thích', 'Bảng mã']) {
        expect(text).toContain(label);
      }
      for (const c of registry.list()) for (const f of c.fields) expect(text).toContain(f.name);
      expect(text).toContain('thahs.qdnd.legal_person_enforcement-value');
    }
  });

  it('is a standalone HTML page: inline CSS, no scripts, no external assets', () => {
    const html = files['catalog.html'];
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
