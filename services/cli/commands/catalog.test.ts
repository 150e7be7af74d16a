import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { CatalogStaleError } from '../../../libs/contracts';
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

  it('--check fails naming the stale file and writes nothing', async () => {
    await run('catalog', '--out', dir);
    fs.writeFileSync(path.join(dir, 'catalog.html'), '<p>old</p>');
    await expect(run('catalog', '--out', dir, '--check')).rejects.toThrow(CatalogStaleError);
    await expect(run('catalog', '--out', dir, '--check')).rejects.toThrow(/catalog\.html/);
    expect(fs.readFileSync(path.join(dir, 'catalog.html'), 'utf8')).toBe('<p>old</p>');
  });
});
