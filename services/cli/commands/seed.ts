import { Command, InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig } from '../../../libs/config';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { DEFAULT_AS_OF, seedDatabase, type SeedProgress } from '../../../libs/datagen';

function ministryArg(v: string): Ministry {
  if (v !== 'cand' && v !== 'qdnd') throw new InvalidArgumentError('expected cand or qdnd');
  return v;
}

function intArg(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return n;
  };
}

function modeArg(v: string): 'auto' | 'bulk' | 'batches' {
  if (v !== 'auto' && v !== 'bulk' && v !== 'batches') throw new InvalidArgumentError('expected auto, bulk or batches');
  return v;
}

interface SeedCliOptions {
  ministry: Ministry;
  persons: number;
  seed: number;
  url?: string;
  asOf: string;
  mode: 'auto' | 'bulk' | 'batches';
  batchPersons: number;
  workers: number;
}

export function register(program: Command): void {
  program
    .command('seed')
    .description(
      'fill a ministry database with realistic generated THAHS data (migrates first; COPY). ' +
        'Appending is safe: each seed owns an ordinal space, so re-running a seed continues it and another seed adds other persons',
    )
    .requiredOption('--ministry <ministry>', 'cand | qdnd', ministryArg)
    .requiredOption('--persons <n>', 'persons to add', intArg(0))
    .option('--seed <s>', 'generator seed: the same seed on the same database state gives the same data', intArg(0), 1)
    .option('--url <url>', 'database URL (default: THAHS_CAND_PG_URL or THAHS_QDND_PG_URL)')
    .option('--as-of <date>', 'simulated today (YYYY-MM-DD); fixed so runs do not depend on the clock', DEFAULT_AS_OF)
    .option('--mode <mode>', 'bulk (one transaction, constraints rebuilt at the end), batches (commit per batch), auto (bulk if no persons yet)', modeArg, 'auto')
    .option('--batch-persons <n>', 'persons per COPY batch', intArg(1), 2000)
    .option('--workers <n>', 'generator threads; part of what makes a run reproducible, so it does not follow the CPU count', intArg(1), 2)
    .action(async (o: SeedCliOptions) => {
      const config = loadConfig();
      const url = o.url ?? (o.ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl);
      const bar = process.stderr.isTTY
        ? new SingleBar(
            { stream: process.stderr, format: `seed ${o.ministry} |{bar}| {percentage}% {value}/{total} persons | {rows} rows | {rate} rows/s | {phase}`, hideCursor: true },
            Presets.shades_classic,
          )
        : null;
      bar?.start(o.persons, 0, { rows: 0, rate: 0, phase: 'loading' });
      const onProgress = (p: SeedProgress) => {
        const rate = p.elapsedMs > 0 ? Math.round((p.rowsWritten * 1000) / p.elapsedMs) : 0;
        bar?.update(p.personsDone, { rows: p.rowsWritten, rate, phase: p.phase === 'constraints' ? 'rebuilding constraints' : 'loading' });
      };
      try {
        const r = await seedDatabase(
          { url, ministry: o.ministry, persons: o.persons, seed: o.seed, asOf: o.asOf, mode: o.mode, batchPersons: o.batchPersons, workers: o.workers },
          onProgress,
        );
        bar?.stop();
        const last = r.firstOrdinal + r.persons - 1;
        process.stdout.write(
          `seeded ${r.ministry}: ${r.persons} persons (seed ${r.seed}, ordinals ${r.firstOrdinal}–${last}, mode ${r.mode}), ` +
            `${r.rows} rows written in ${r.seconds.toFixed(1)} s = ${Math.round(r.rowsPerSecond)} rows/s\n`,
        );
      } catch (err) {
        bar?.stop();
        throw err;
      }
    });
}
