import { Command } from 'commander';
import { register } from './protected';

function program(): Command {
  const p = new Command('thahs').exitOverride();
  p.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  register(p);
  return p;
}

describe('thahs protected read', () => {
  it('requires who-why arguments: agreement, entity, row key, purpose and reason', async () => {
    const base = ['node', 'thahs', 'protected', 'read', '--receiver', 'qdnd', '--agreement', 'A', '--entity', 'person', '--key', '6f1c2a90-0d4e-4c35-9a51-1b1f2b6f0c11'];
    await expect(program().parseAsync([...base, '--reason', 'r'])).rejects.toThrow(/--purpose/);
    await expect(program().parseAsync([...base, '--purpose', 'P'])).rejects.toThrow(/--reason/);
    await expect(program().parseAsync(['node', 'thahs', 'protected', 'read', '--receiver', 'xx', '--agreement', 'A'])).rejects.toThrow(/cand or qdnd/);
  });

  it('takes --field more than once', () => {
    const read = program()
      .commands.find((c) => c.name() === 'protected')!
      .commands.find((c) => c.name() === 'read')!;
    read.action(() => undefined);
    read.parse(['--receiver', 'qdnd', '--agreement', 'A', '--entity', 'person', '--key', 'k', '--purpose', 'P', '--reason', 'r', '--field', 'religion', '--field', 'ethnicity'], {
      from: 'user',
    });
    expect(read.opts().field).toEqual(['religion', 'ethnicity']);
  });
});
