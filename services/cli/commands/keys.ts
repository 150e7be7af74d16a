import { Command } from 'commander';
import { loadConfig } from '../../../libs/config';
import { generateEncryptionKeyPair } from '../../../libs/field-encryption';
import { generateKeyPair, PublicKeyRing } from '../../../libs/signing';

export function register(program: Command): void {
  const keys = program.command('keys').description('Ed25519 keys that authenticate exchanged events and agreement steps');
  const generator = (name: string, description: string, ministryHelp: string, generate: (dir: string, ministry: string) => { keyId: string; privateFile: string; publicFile: string }): void => {
    keys
      .command(name)
      .description(description)
      .requiredOption('--ministry <ministry>', ministryHelp)
      .option('--dir <dir>', 'keys folder (default: THAHS_KEYS_DIR)')
      .action((opts: { ministry: string; dir?: string }) => {
        if (!['cand', 'qdnd'].includes(opts.ministry)) throw new Error(`--ministry must be cand or qdnd, got "${opts.ministry}"`);
        const r = generate(opts.dir ?? loadConfig().keysDir, opts.ministry);
        process.stdout.write(`key id:      ${r.keyId}\nprivate key: ${r.privateFile} (keep secret)\npublic key:  ${r.publicFile}\n`);
      });
  };
  generator('generate', 'create a key pair in THAHS_KEYS_DIR; give the public file to the partner ministry', 'cand | qdnd', generateKeyPair);
  generator(
    'generate-encryption',
    "create the receiver's X25519 key pair for tier-3 fields in THAHS_KEYS_DIR (encryption/, public/encryption/); give the public file to the providing ministry",
    'cand | qdnd (the receiving ministry)',
    generateEncryptionKeyPair,
  );
  keys
    .command('list')
    .description('list the trusted public keys')
    .option('--dir <dir>', 'keys folder (default: THAHS_KEYS_DIR)')
    .action((opts: { dir?: string }) => {
      const ids = PublicKeyRing.fromDir(opts.dir ?? loadConfig().keysDir).ids();
      process.stdout.write(ids.length ? `${ids.join('\n')}\n` : 'no public keys\n');
    });
}
