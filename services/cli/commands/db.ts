import { Command } from 'commander';
import { Client } from 'pg';
import { migrateExchangeSchema } from '../../../libs/agreement-exchange';
import { loadConfig, redactSecrets } from '../../../libs/config';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { grantServiceRights, otherMinistry, prepareMinistryDatabase, roleCreationStatements, superuserGrantStatements } from '../../../libs/db-roles';
import { migrate } from '../../../libs/model';

function ministryOf(raw: string): Ministry {
  if (raw !== 'cand' && raw !== 'qdnd') throw new Error(`--ministry must be cand or qdnd, got "${raw}"`);
  return raw;
}

export function register(program: Command): void {
  const db = program.command('db').description("the ministry database's admin steps: least-privilege roles and what the owner prepares before services start");
  db.command('prepare')
    .description(
      "as the database owner: migrations, the partner store's bookkeeping (logs owned by the owner, append-only) and the service roles' grants; run before the services start with their own roles",
    )
    .requiredOption('--ministry <ministry>', 'cand | qdnd')
    .option('--db-url <url>', "the owner's URL (default: THAHS_<MINISTRY>_PG_URL)")
    .action(async (o: { ministry: string; dbUrl?: string }) => {
      const ministry = ministryOf(o.ministry);
      const config = loadConfig();
      const url = o.dbUrl ?? (ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl);
      try {
        await migrate(url, ministry);
        await migrateExchangeSchema(url);
        const c = new Client({ connectionString: url, application_name: 'thahs-db-prepare' });
        await c.connect();
        try {
          await prepareMinistryDatabase(c, otherMinistry(ministry));
          const schemas = await grantServiceRights(c, otherMinistry(ministry));
          process.stdout.write(`${ministry}: prepared; service roles granted on ${schemas.join(', ')}\n`);
        } finally {
          await c.end();
        }
      } catch (err) {
        throw new Error(`db prepare ${ministry}: ${redactSecrets((err as Error).message)}`);
      }
    });
  db.command('roles-sql')
    .description('print the statements a superuser runs once per cluster and database (roles without passwords: set each with \\password)')
    .requiredOption('--ministry <ministry>', 'cand | qdnd')
    .action((o: { ministry: string }) => {
      const ministry = ministryOf(o.ministry);
      process.stdout.write([...roleCreationStatements(), ...superuserGrantStatements(otherMinistry(ministry))].map((s) => `${s};`).join('\n') + '\n');
    });
}
