import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadContracts } from '../contracts';
import { fixtureContracts } from './__fixtures__/agreementFixtures';
import { AgreementFileError, AgreementValidationError } from './agreementValidationError';
import { loadAgreementDirectory, loadAgreementFile, parseAgreementText } from './loadAgreementFile';

const DEPLOYED = path.resolve(__dirname, '..', '..', 'deploy', 'agreements');

function thrown(fn: () => unknown): AgreementValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AgreementValidationError) return e;
    throw e;
  }
  throw new Error('expected an AgreementValidationError');
}

describe('agreement files', () => {
  it('validates the example agreement of each ministry pair against the published contracts', async () => {
    const registry = loadContracts();
    const { documents, failures } = await loadAgreementDirectory(DEPLOYED, { contracts: (e) => (registry.has(e) ? registry.get(e) : undefined) });
    expect(failures.map((f) => f.message)).toEqual([]);
    expect(documents.map((d) => [path.basename(d.file), d.document.parties.provider.ministry, d.document.place.partnerStore.database])).toEqual([
      ['cand-to-qdnd.yaml', 'cand', 'qdnd'],
      ['qdnd-to-cand.yaml', 'qdnd', 'cand'],
    ]);
  });

  it('names the file, line, column and path of every problem', async () => {
    const text = (await fs.readFile(path.join(DEPLOYED, 'cand-to-qdnd.yaml'), 'utf8'))
      .replace("value: '2015-01-01'", "value: '2015-02-30'")
      .replace('values: [CUSTODIAL, COMMUNITY, DEATH]', 'values: [CUSTODIAL, PRISON]')
      .replace('  initialSnapshot: true', '  initialSnapshot: true\n  snapshot: full');
    const registry = loadContracts();
    const err = thrown(() => parseAgreementText(text, 'deploy/agreements/broken.yaml', { contracts: (e) => (registry.has(e) ? registry.get(e) : undefined) }));
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('deploy/agreements/broken.yaml: 3 problems');
    expect(lines.slice(1).map((l) => l.trim())).toEqual([
      expect.stringMatching(/^deploy\/agreements\/broken\.yaml:\d+:\d+ method\.snapshot: unknown key "snapshot"; expected one of: transport, scope, initialSnapshot$/),
      expect.stringMatching(/^deploy\/agreements\/broken\.yaml:\d+:\d+ data\.entities\[1\]\.filter\.and\[0\]\.values\[1\]: a string of 6 characters is not a symbol of case_type/),
      expect.stringMatching(
        /^deploy\/agreements\/broken\.yaml:\d+:\d+ data\.entities\[2\]\.filter\.value: judgment_date: the literal is not a valid date: day 30 does not exist in 2015-02 \(last day is 28\)$/,
      ),
    ]);
    const dateIssue = err.issues.find((i) => i.path === 'data.entities[2].filter.value')!;
    expect(text.split('\n')[dateIssue.line! - 1]).toContain("value: '2015-02-30'");
    expect(dateIssue.column).toBe(text.split('\n')[dateIssue.line! - 1].indexOf("'2015-02-30'") + 1);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const err = thrown(() => parseAgreementText('format: thahs-agreement/1\nid: A\nid: B\n', 'x.yaml'));
    expect(err.issues).toEqual([expect.objectContaining({ path: '', line: 3, message: expect.stringMatching(/^YAML syntax: Map keys must be unique/) })]);
    const bad = thrown(() => parseAgreementText('a: [1, 2\n', 'y.yml'));
    expect(bad.issues[0].message).toMatch(/^YAML syntax: /);
  });

  it('reads JSON files, refusing text that is YAML but not JSON', () => {
    const ok = thrown(() => parseAgreementText('{"format": "thahs-agreement/1"}', 'a.json', { contracts: fixtureContracts }));
    expect(ok.issues[0]).toMatchObject({ path: 'id', message: 'is required but missing', line: 1 });
    const notJson = thrown(() => parseAgreementText('format: x', 'a.json'));
    expect(notJson.issues[0].message).toMatch(/^not valid JSON: /);
  });

  it('refuses unreadable files and unknown extensions', async () => {
    await expect(loadAgreementFile('/nonexistent/a.yaml')).rejects.toThrow(new AgreementFileError('/nonexistent/a.yaml', 'cannot read: ENOENT'));
    await expect(loadAgreementFile('agreement.txt')).rejects.toThrow(AgreementFileError);
  });

  it('loads a folder, reporting every failing file and keeping the good ones', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'agreements-'));
    try {
      await fs.copyFile(path.join(DEPLOYED, 'qdnd-to-cand.yaml'), path.join(dir, 'good.yaml'));
      await fs.writeFile(path.join(dir, 'bad.json'), '{"format": "thahs-agreement/1", "id": "BAD-1"}');
      await fs.writeFile(path.join(dir, 'notes.txt'), 'ignored');
      const { documents, failures } = await loadAgreementDirectory(dir);
      expect(documents.map((d) => path.basename(d.file))).toEqual(['good.yaml']);
      expect(failures).toHaveLength(1);
      expect(failures[0].message).toMatch(/bad\.json: 14 problems\n/);
      expect(failures[0].message).toContain('bad.json:1:1 version: is required but missing');
    } finally {
      await fs.rm(dir, { recursive: true });
    }
  });
});
