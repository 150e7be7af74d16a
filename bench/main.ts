import * as fs from 'fs';
import * as path from 'path';

/**
 * `npm run bench -- <name> [args]` runs bench/<name>.ts. Each benchmark prints its figures as it goes
 * and its headline rate or ratio last, naming what it measured.
 */
export interface Benchmark {
  description: string;
  run(args: string[]): Promise<void>;
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const available = fs
    .readdirSync(__dirname)
    .filter((f) => /\.(ts|js)$/.test(f) && !/^main\.|\.test\.|\.d\.ts$/.test(f))
    .map((f) => f.replace(/\.(ts|js)$/, ''));
  if (!name || !available.includes(name)) {
    process.stderr.write(`usage: npm run bench -- <name> [args]\navailable: ${available.join(', ') || '(none)'}\n`);
    process.exitCode = 2;
    return;
  }
  // The benchmark named on the command line is loaded on demand: one run loads one benchmark's code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(__dirname, name)) as { benchmark: Benchmark };
  await mod.benchmark.run(args);
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
