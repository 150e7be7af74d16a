import { Command } from 'commander';
import { loadConfig } from '../../../libs/config';
import { generateEncryptionKeyPair, loadEncryptionPublicKey } from '../../../libs/field-encryption';
import { publicKeySha256 } from '../../../libs/agreements';
import { generateKeyPair, PublicKeyRing } from '../../../libs/signing';

export function register(program: Command): void {
  const keys = program.command('keys').description('Ed25519 keys that authenticate exchanged events and agreement steps');
  const generator = (
    name: string,
    description: string,
    ministryHelp: string,
    generate: (dir: string, ministry: string) => { keyId: string; privateFile: string; publicFile: string },
  ): void => {
    keys
      .command(name)
      .description(description)
      .requiredOption('--ministry <ministry>', ministryHelp)
      .option('--dir <dir>', 'keys folder (default: THAHS_KEYS_DIR)')
      .action((opts: { ministry: string; dir?: string }) => {
        if (!['cand', 'qdnd'].includes(opts.ministry)) throw new Error(`--ministry must be cand or qdnd, got "${opts.ministry}"`);
        const r = generate(opts.dir ?? loadConfig().keysDir, opts.ministry);
        process.stdout.write(`key id:      ${r.keyId}\nprivate key: ${r.privateFile} (keep secret)\npublic key:  ${r.publicFile}\n`);
        // What the agreement binds to the id: security.keys[].publicKeySha256, or security.fieldEncryption.publicKeySha256.
        const dir = opts.dir ?? loadConfig().keysDir;
        const key = name === 'generate' ? PublicKeyRing.fromDir(dir).get(r.keyId)! : loadEncryptionPublicKey(dir, r.keyId);
        process.stdout.write(`sha-256:     ${publicKeySha256(key)}\n`);
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
    .description('list the trusted public keys, each with the SHA-256 an agreement binds to its id (security.keys[].publicKeySha256)')
    .option('--dir <dir>', 'keys folder (default: THAHS_KEYS_DIR)')
    .action((opts: { dir?: string }) => {
      const ring = PublicKeyRing.fromDir(opts.dir ?? loadConfig().keysDir);
      const ids = ring.ids();
      process.stdout.write(ids.length ? `${ids.map((id) => `${id}  ${publicKeySha256(ring.get(id)!)}`).join('\n')}\n` : 'no public keys\n');
    });
}
