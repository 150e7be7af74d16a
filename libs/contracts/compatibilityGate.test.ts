import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatGateIssues, runCompatibilityGate } from './compatibilityGate';
import { DEFAULT_SCHEMA_DIR } from './contractLoader';

describe('schema compatibility gate (BACKWARD against git history)', () => {
  it('every schema in schemas/ reads data written with its previous committed version', () => {
    const results = runCompatibilityGate(DEFAULT_SCHEMA_DIR);
    expect(results.filter((r) => r.part === 'value').length).toBeGreaterThanOrEqual(16);
    // Each line names the entity, the file and the field that broke.
    expect(formatGateIssues(results)).toEqual([]);
  });

  describe('in a scratch repository', () => {
    let repo: string;
    const original = fs.readFileSync(path.join(DEFAULT_SCHEMA_DIR, 'person.value.avsc'), 'utf8');
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.name=gate-test', '-c', 'user.email=gate-test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
        cwd: repo,
        stdio: 'ignore',
      });
    };
    const schemaDir = (): string => path.join(repo, 'schemas');
    const write = (text: string): void => fs.writeFileSync(path.join(schemaDir(), 'person.value.avsc'), text);
    const breaking = (): string => {
      const s = JSON.parse(original) as { fields: Array<{ name: string; type: unknown; default?: unknown }> };
      const f = s.fields.find((x) => x.name === 'passport_no');
      if (!f) throw new Error('passport_no missing');
      f.type = 'string';
      delete f.default;
      return `${JSON.stringify(s, null, 2)}\n`;
    };

    beforeEach(() => {
      repo = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-gate-'));
      fs.mkdirSync(schemaDir());
      git('init', '-q');
      write(original);
    });
    afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

    it('has nothing to compare before the first commit', () => {
      expect(runCompatibilityGate(schemaDir())).toEqual([{ file: 'person.value.avsc', entity: 'person', part: 'value', issues: [] }]);
    });

    it('reports a breaking working-tree change, naming entity and field', () => {
      git('add', '.');
      git('commit', '-q', '-m', 'v1');
      write(breaking());
      const lines = formatGateIssues(runCompatibilityGate(schemaDir()));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^person value \(person\.value\.avsc vs [0-9a-f]{12}\) field passport_no: /);
    });

    it('still reports it once committed, comparing with the last differing version', () => {
      git('add', '.');
      git('commit', '-q', '-m', 'v1');
      write(breaking());
      git('commit', '-q', '-am', 'v2');
      const [result] = runCompatibilityGate(schemaDir());
      expect(result.issues).toEqual([expect.objectContaining({ field: 'passport_no' })]);
    });

    it('accepts a compatible change and reports a deleted schema file', () => {
      git('add', '.');
      git('commit', '-q', '-m', 'v1');
      const s = JSON.parse(original) as { fields: unknown[] };
      s.fields.push({ name: 'note', type: ['null', 'string'], default: null, doc: 'Ghi chú | Note', 'x-sensitivity': 2 });
      write(JSON.stringify(s));
      expect(formatGateIssues(runCompatibilityGate(schemaDir()))).toEqual([]);
      fs.rmSync(path.join(schemaDir(), 'person.value.avsc'));
      expect(runCompatibilityGate(schemaDir())).toEqual([expect.objectContaining({ file: 'person.value.avsc', issues: [expect.objectContaining({ kind: 'schema-removed' })] })]);
    });
  });
});
