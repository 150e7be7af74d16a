import { Command, InvalidArgumentError } from 'commander';
import { Pool } from 'pg';
import { AccessAuditCollector, checkAuditReadiness, formatOwnSessions, parseOwnSessions } from '../../../libs/access-audit';
import { loadConfig } from '../../../libs/config';
import type { Ministry } from '../../../libs/contracts/contractTypes';

function ministryArg(v: string): Ministry {
  if (v !== 'cand' && v !== 'qdnd') throw new InvalidArgumentError('expected cand or qdnd');
  return v;
}

interface AuditCliOptions {
  ministry: Ministry;
  url?: string;
  ownSessions?: string;
}

function withOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--ministry <ministry>', 'cand | qdnd: whose database (its access log, its server log)', ministryArg)
    .option('--url <url>', 'database URL (default: THAHS_CAND_PG_URL or THAHS_QDND_PG_URL)')
    .option('--own-sessions <list>', 'role:application[*],... whose reads are not collected (default: THAHS_ACCESS_AUDIT_OWN_SESSIONS)');
}

async function withPool<T>(o: AuditCliOptions, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const url = o.url ?? (o.ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl);
  const pool = new Pool({ connectionString: url, max: 1, application_name: `thahs-access-audit-${o.ministry}` });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/**
 * `thahs access-audit`: the reads of partner data pgaudit logged (by any database client, Art. 5.4),
 * collected into the ministry's access log on demand — what `npm start` does at an interval — and the
 * check of what the audit needs of the server.
 */
export function register(program: Command): void {
  const audit = program.command('access-audit').description("Art. 5.4: reads of partner data by any database client (pgaudit) in the ministry's access log");

  withOptions(audit.command('check').description('say whether reads of partner data are audited and can be collected (exit code 3 if not)')).action((o: AuditCliOptions) =>
    withPool(o, async (pool) => {
      const r = await checkAuditReadiness(pool);
      process.stdout.write(`${JSON.stringify({ ministry: o.ministry, ready: r.problems.length === 0, ...r }, null, 2)}\n`);
      if (r.problems.length > 0) process.exitCode = 3;
    }),
  );

  withOptions(audit.command('collect').description('append the audited reads not collected yet to the access log, once (exit code 3 if the audit does not work)')).action(
    (o: AuditCliOptions) =>
      withPool(o, async (pool) => {
        const ownSessions = o.ownSessions === undefined ? loadConfig().accessAuditOwnSessions : parseOwnSessions(o.ownSessions);
        const readiness = await checkAuditReadiness(pool);
        if (readiness.problems.length > 0) {
          process.stdout.write(`${JSON.stringify({ ministry: o.ministry, ready: false, ...readiness }, null, 2)}\n`);
          process.exitCode = 3;
          return;
        }
        const summary = await new AccessAuditCollector(pool, { ownSessions }).collect();
        process.stdout.write(
          `${JSON.stringify({ ministry: o.ministry, ownSessionRule: formatOwnSessions(ownSessions), ...summary, warnings: readiness.warnings, unauditedTables: readiness.unauditedTables }, null, 2)}\n`,
        );
      }),
  );
}
