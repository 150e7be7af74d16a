import * as path from 'path';
import { Command } from 'commander';
import { loadConfig } from '../../../libs/config';
import { repoRoot } from '../../../libs/config/repoRoot';
import { createKafka } from '../../../libs/kafka';
import { ADMIN_PRINCIPAL, agreementStatesOf, deriveAcls, formatRule, grantsFromAgreementFiles, grantsInForce, syncAcls, type AgreementGrant } from '../../../libs/kafka-access';
import { createLogger } from '../../../libs/logger';

/** The agreements that open topics: those in force in the ministries' databases, or the files of a folder. */
async function grants(fromFiles: string | undefined): Promise<AgreementGrant[]> {
  if (fromFiles !== undefined) return grantsFromAgreementFiles(path.resolve(repoRoot(), fromFiles));
  const config = loadConfig();
  return grantsInForce(await agreementStatesOf([config.candPgUrl, config.qdndPgUrl]));
}

export function register(program: Command): void {
  const acl = program
    .command('acl')
    .description("Kafka ACLs of the exchange, derived from the agreements in force (producers write their ministry's topics; receivers read their agreements' topics and groups)");
  acl
    .command('show')
    .description('print the ACLs the agreements call for, one per line')
    .option('--from-files <dir>', 'derive from the agreement files of a folder (e.g. deploy/agreements) instead of the databases')
    .action(async (opts: { fromFiles?: string }) => {
      for (const r of deriveAcls(await grants(opts.fromFiles))) process.stdout.write(`${formatRule(r)}\n`);
    });
  acl
    .command('sync')
    .description("make the cluster's ACLs of the exchange's principals exactly the derived ones, as the admin principal (run after agreements come into force or end)")
    .option('--from-files <dir>', 'derive from the agreement files of a folder instead of the databases')
    .option('--dry-run', 'only print what would be created and deleted')
    .action(async (opts: { fromFiles?: string; dryRun?: boolean }) => {
      const config = loadConfig();
      const kafka = createKafka('thahs-acl-sync', config.kafkaBrokers, createLogger('thahs-acl-sync', 'warn'), config.kafkaSaslUsername ? {} : { principal: ADMIN_PRINCIPAL });
      const r = await syncAcls(kafka, deriveAcls(await grants(opts.fromFiles)), { dryRun: opts.dryRun });
      for (const x of r.created) process.stdout.write(`${opts.dryRun ? 'would create' : 'created'} ${formatRule(x)}\n`);
      for (const x of r.deleted) process.stdout.write(`${opts.dryRun ? 'would delete' : 'deleted'} ${formatRule(x)}\n`);
      for (const f of r.foreign) process.stderr.write(`left alone (not the exchange's): ${f}\n`);
      process.stdout.write(`${r.created.length} created, ${r.deleted.length} deleted${opts.dryRun ? ' (dry run)' : ''}\n`);
    });
}
