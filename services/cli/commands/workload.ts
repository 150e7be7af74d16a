import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../../libs/config';
import type { Ministry } from '../../../libs/contracts/contractTypes';
import { parseMix, runWorkload, type WorkloadMix, type WorkloadReport } from '../../../libs/datagen';
import { createLogger } from '../../../libs/logger';

function ministryArg(v: string): Ministry {
  if (v !== 'cand' && v !== 'qdnd') throw new InvalidArgumentError('expected cand or qdnd');
  return v;
}

function numberArg(min: number, integer: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
    return n;
  };
}

function mixArg(v: string): WorkloadMix {
  try {
    return parseMix(v);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

interface WorkloadCliOptions {
  ministry: Ministry;
  rate: number;
  mix: WorkloadMix;
  duration?: number;
  seed: number;
  url?: string;
  connections?: number;
  reportEvery: number;
}

function describe(r: WorkloadReport, ministry: Ministry): string {
  return (
    `workload ${ministry}: ${r.elapsedSec.toFixed(1)} s, ${r.changes} changes (${r.inserted} inserted / ${r.updated} updated / ${r.deleted} deleted) ` +
    `in ${r.transactions} transactions, ${r.ratePerSec.toFixed(1)} changes/s overall, ${r.intervalRatePerSec.toFixed(1)}/s lately, ${r.failedTransactions} failed`
  );
}

export function register(program: Command): void {
  program
    .command('workload')
    .description('run a continuous realistic change stream (inserts, updates, deletes) against a seeded ministry database')
    .requiredOption('--ministry <ministry>', 'cand | qdnd', ministryArg)
    .requiredOption('--rate <r>', 'row changes per second', numberArg(0.01, false))
    .option('--mix <i:u:d>', 'shares of inserted:updated:deleted rows', mixArg, parseMix('70:25:5'))
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', numberArg(0, false))
    .option('--seed <s>', 'seed of the choices made', numberArg(0, true), 1)
    .option('--url <url>', 'database URL (default: THAHS_CAND_PG_URL or THAHS_QDND_PG_URL)')
    .option('--connections <n>', 'parallel connections (default: one per 800 changes/s)', numberArg(1, true))
    .option('--report-every <s>', 'seconds between progress lines', numberArg(0.5, false), 5)
    .action(async (o: WorkloadCliOptions) => {
      const config = loadConfig();
      const log = createLogger('workload', config.logLevel);
      const url = o.url ?? (o.ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const final = await runWorkload(
          {
            url,
            ministry: o.ministry,
            rate: o.rate,
            mix: o.mix,
            ...(o.duration === undefined ? {} : { durationSec: o.duration }),
            ...(o.connections === undefined ? {} : { connections: o.connections }),
            seed: o.seed,
            reportEverySec: o.reportEvery,
            onReport: (r) => {
              if (!r.final) process.stderr.write(`${describe(r, o.ministry)}\n`);
            },
            // Only the error class and constraint: PostgreSQL's detail text carries row values.
            onTransactionError: (err) => {
              const e = err as { code?: string; constraint?: string; message?: string };
              log.warn('workload transaction rolled back', { ministry: o.ministry, code: e.code, constraint: e.constraint });
            },
          },
          abort.signal,
        );
        process.stdout.write(`${describe(final, o.ministry)}\n`);
      } finally {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
      }
    });
}
