import * as fs from 'fs';
import { Command } from 'commander';
import { loadConfig, STACK_PROFILES } from '../../../libs/config';
import { COMPONENTS, ComponentName, formatStatus, StackManager } from '../../../libs/stack';

/**
 * The stack of the profile chosen: `--profile` wins over THAHS_STACK_PROFILE, which the settings read
 * (the profile changes the defaults of the folder, ports and client settings).
 */
function manager(profile: string | undefined): StackManager {
  if (profile !== undefined && !(STACK_PROFILES as readonly string[]).includes(profile))
    throw new Error(`unknown profile "${profile}"; expected one of ${STACK_PROFILES.join(', ')}`);
  return new StackManager(loadConfig(profile === undefined ? process.env : { ...process.env, THAHS_STACK_PROFILE: profile }));
}

const PROFILE_HELP = `stack profile: ${STACK_PROFILES.join(' | ')} (default: THAHS_STACK_PROFILE, else plain)`;

export function register(program: Command): void {
  const stack = program
    .command('stack')
    .description('Manage the local stack: PostgreSQL cand/qdnd/platform, Kafka (KRaft), schema registry; --profile secure: TLS, SASL/SCRAM, ACLs, passwords, three brokers')
    .option('--profile <name>', PROFILE_HELP);
  const profile = (): string | undefined => (stack.opts() as { profile?: string }).profile;
  stack
    .command('up')
    .description('install what is missing, start every server (idempotent) and print where each runs')
    .action(async () => {
      const rows = await manager(profile()).up();
      process.stdout.write(`${formatStatus(rows)}\n`);
    });
  stack
    .command('down')
    .description('stop every server, keeping data and downloads')
    .action(async () => {
      await manager(profile()).down();
      process.stdout.write('stack stopped\n');
    });
  stack
    .command('status')
    .description('show each server, whether it answers, its endpoint and its log file')
    .action(async () => {
      const rows = await manager(profile()).status();
      process.stdout.write(`${formatStatus(rows)}\n`);
      if (rows.some((r) => !r.running)) process.exitCode = 3;
    });
  stack
    .command('reset')
    .description('stop every server and delete all data (downloads are kept)')
    .action(async () => {
      await manager(profile()).reset();
      process.stdout.write('stack data deleted\n');
    });
  stack
    .command('logs')
    .description('print the last lines of a server log')
    .argument('<component>', COMPONENTS.join('|'))
    .option('-n, --lines <n>', 'number of lines', '50')
    .action((component: string, opts: { lines: string }) => {
      if (!(COMPONENTS as readonly string[]).includes(component)) throw new Error(`unknown component "${component}"; expected one of ${COMPONENTS.join(', ')}`);
      const file = manager(profile()).logFile(component as ComponentName);
      if (!fs.existsSync(file)) throw new Error(`no log yet at ${file}`);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      process.stdout.write(`${lines.slice(-Number(opts.lines) - 1).join('\n')}\n`);
    });
}
