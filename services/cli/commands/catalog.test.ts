import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { AgreementValidationError, DEFAULT_AGREEMENT_DIR, loadCatalogAgreementSources } from '../../../libs/agreements';
import { CatalogDocument, CatalogStaleError, DEFAULT_CATALOG_DIR, loadContracts, renderCatalogFiles, staleCatalogFiles } from '../../../libs/contracts';
import { register } from './catalog';

async function run(...args: string[]): Promise<void> {
  const program = new Command('thahs').exitOverride();
  register(program);
  await program.parseAsync(['node', 'thahs', ...args]);
}

describe('thahs catalog', () => {
  let dir: string;
  let stdout: jest.SpyInstance;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-catalog-cli-'));
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stdout.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the three files, then --check passes', async () => {
    await run('catalog', '--out', dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['catalog.html', 'catalog.json', 'catalog.md']);
    await run('catalog', '--out', dir, '--check');
    expect(stdout).toHaveBeenLastCalledWith(expect.stringContaining('up to date'));
  });

  it('docs/catalog matches the contract and deploy/agreements (regenerate with `thahs catalog` when this fails)', async () => {
    const registry = loadContracts();
    const files = renderCatalogFiles(registry, await loadCatalogAgreementSources(DEFAULT_AGREEMENT_DIR, registry));
    expect(staleCatalogFiles(DEFAULT_CATALOG_DIR, files)).toEqual([]);
    await run('catalog', '--check');
    expect(stdout).toHaveBeenLastCalledWith(expect.stringContaining('up to date'));
  });

  it('shows per published agreement the topic, the shared fields only and the filter', async () => {
    await run('catalog', '--out', dir);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'catalog.json'), 'utf8')) as CatalogDocument;
    const person = (id: string) => doc.agreements.find((a) => a.id === id)?.entities.find((e) => e.entity === 'person');
    const toQdnd = person('TTDL-CAND-QDND-2025-01');
    expect(toQdnd).toMatchObject({
      topic: 'thahs.cand.TTDL-CAND-QDND-2025-01.person',
      valueSubject: 'thahs.cand.TTDL-CAND-QDND-2025-01.person-value',
      filterVi: 'is_military = true',
    });
    expect(toQdnd?.fields.map((f) => f.name)).toContain('military_rank');
    expect(toQdnd?.fields.map((f) => f.name)).not.toContain('permanent_address');
    const toCand = person('TTDL-QDND-CAND-2025-01');
    expect(toCand?.topic).toBe('thahs.qdnd.TTDL-QDND-CAND-2025-01.person');
    expect(toCand?.fields.map((f) => f.name)).toContain('permanent_address');
    expect(toCand?.fields.map((f) => f.name)).not.toContain('military_rank');
    expect(toCand?.filtered).toBe(false);
    // No agreement shares court: no topic of it anywhere.
    expect(doc.entities.find((e) => e.entity === 'court')?.services).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'catalog.md'), 'utf8')).not.toMatch(/thahs\.(cand|qdnd)\.[^.`\s]*\.?court\b/);
  });

  it('--no-agreements gives the contract alone; --agreements reads another folder and refuses a file that does not validate', async () => {
    await run('catalog', '--out', dir, '--no-agreements');
    const alone = JSON.parse(fs.readFileSync(path.join(dir, 'catalog.json'), 'utf8')) as CatalogDocument;
    expect(alone.agreements).toEqual([]);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-catalog-agreements-'));
    try {
      fs.copyFileSync(path.join(DEFAULT_AGREEMENT_DIR, 'qdnd-to-cand.yaml'), path.join(folder, 'qdnd-to-cand.yaml'));
      await run('catalog', '--out', dir, '--agreements', folder);
      const one = JSON.parse(fs.readFileSync(path.join(dir, 'catalog.json'), 'utf8')) as CatalogDocument;
      expect(one.agreements.map((a) => a.id)).toEqual(['TTDL-QDND-CAND-2025-01']);
      fs.writeFileSync(path.join(folder, 'bad.yaml'), 'format: thahs-agreement/1\n');
      await expect(run('catalog', '--out', dir, '--agreements', folder)).rejects.toThrow(AgreementValidationError);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('--check fails naming the stale file and writes nothing', async () => {
    await run('catalog', '--out', dir);
    fs.writeFileSync(path.join(dir, 'catalog.html'), '<p>old</p>');
    await expect(run('catalog', '--out', dir, '--check')).rejects.toThrow(CatalogStaleError);
    await expect(run('catalog', '--out', dir, '--check')).rejects.toThrow(/catalog\.html/);
    expect(fs.readFileSync(path.join(dir, 'catalog.html'), 'utf8')).toBe('<p>old</p>');
  });
});
