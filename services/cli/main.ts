import 'reflect-metadata';
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../../libs/config';
import { installFetchFastPath } from '../../libs/kafka';

/**
 * `thahs` — the operator CLI. Each file in ./commands registers one command group, so a new tool is
 * one new file (commander parses flags and prints help; hand-written argv parsing would not).
 */
export interface CommandModule {
  register(program: Command): void;
}

export function buildProgram(): Command {
  const program = new Command('thahs').description('Operate the THAHS data exchange between cand (Bộ Công an) and qdnd (Bộ Quốc phòng)').showHelpAfterError().exitOverride();
  const dir = path.join(__dirname, 'commands');
  for (const file of fs.readdirSync(dir).sort()) {
    if (!/\.(ts|js)$/.test(file) || /\.test\.|\.d\.ts$/.test(file)) continue;
    // Command groups are discovered from the folder, so a new tool is one new file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, file)) as Partial<CommandModule>;
    if (typeof mod.register === 'function') mod.register(program);
  }
  return program;
}

async function main(): Promise<void> {
  try {
    // Before any command fetches (a consumer, a replay); a kafkajs other than the pinned one is refused here.
    installFetchFastPath();
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`thahs: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`thahs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
