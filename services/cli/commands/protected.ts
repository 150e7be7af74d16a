import { Command } from 'commander';
import * as path from 'path';
import { Client } from 'pg';
import { AgreementStore, databaseLabel } from '../../../libs/agreement-exchange';
import { loadConfig } from '../../../libs/config';
import { loadContracts } from '../../../libs/contracts/contractLoader';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { loadEncryptionPrivateKeys } from '../../../libs/field-encryption';
import { operatorName } from '../../../libs/ops';
import { ministryArg } from '../cliParsers';
import { readProtectedFields } from '../protectedRead';

interface ReadOptions {
  receiver: Ministry;
  agreement: string;
  entity: string;
  key: string;
  field: string[];
  purpose: string;
  reason: string;
  operator?: string;
  dbUrl?: string;
  keysDir?: string;
  json?: boolean;
}

const collect = (v: string, all: string[]): string[] => [...all, v];

/**
 * `thahs protected read`: the receiver's tool for the tier-3 fields an agreement seals (docs/agreements.md,
 * "Protected fields"). Each read is in the access log with who and why before anything is shown.
 */
export function register(program: Command): void {
  const protectedCmd = program.command('protected').description("tier-3 fields sealed to the receiver's encryption key: read them (every read is recorded in the access log)");
  protectedCmd
    .command('read')
    .description("open the sealed fields of one partner row with the receiver's private encryption key; the read is recorded in the access log first")
    .requiredOption('--receiver <ministry>', 'the receiving ministry, whose database holds the partner store: cand | qdnd', ministryArg)
    .requiredOption('--agreement <id>', 'the agreement the row was received under')
    .requiredOption('--entity <name>', 'the entity (table of the partner store)')
    .requiredOption('--key <uuid>', "the row's key")
    .option('--field <name>', 'a sealed field to open (repeatable; default: every field the agreement seals of the entity)', collect, [])
    .requiredOption('--purpose <code>', "one of the agreement's purpose codes, recorded in the access log")
    .requiredOption('--reason <text>', 'why, recorded in the access log (a case or request number; no personal data)')
    .option('--operator <name>', 'who reads, recorded in the access log (default: the login and host)')
    .option('--db-url <url>', "the receiver's database (default: THAHS_<RECEIVER>_PG_URL)")
    .option('--keys-dir <dir>', 'folder holding encryption/<keyId>.key.pem (default: THAHS_KEYS_DIR)')
    .option('--json', 'print JSON for scripts')
    .action(async (o: ReadOptions) => {
      const config = loadConfig();
      const url = o.dbUrl ?? (o.receiver === 'cand' ? config.candPgUrl : config.qdndPgUrl);
      const db = new Client({ connectionString: url, application_name: 'thahs-protected-read' });
      await db.connect();
      try {
        const state = await new AgreementStore(db, databaseLabel(url)).state(o.agreement);
        if (!state) throw new Error(`${o.receiver}'s database holds no history of agreement ${o.agreement}`);
        const r = await readProtectedFields({
          db,
          state,
          contracts: loadContracts(),
          entity: o.entity,
          rowKey: o.key,
          fields: o.field,
          privateKeys: loadEncryptionPrivateKeys(path.resolve(o.keysDir ?? config.keysDir)),
          who: operatorName(o.operator),
          purpose: o.purpose,
          reason: o.reason,
        });
        if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        else if (!r.found) process.stdout.write(`no row ${r.id} in ${r.partnerTable} (the read is recorded in the access log)\n`);
        else
          process.stdout.write(
            `${Object.entries(r.values)
              .map(([f, v]) => `${f}: ${v === null ? '(null)' : v}`)
              .join('\n')}\n`,
          );
      } finally {
        await db.end().catch(() => undefined);
      }
    });
}
