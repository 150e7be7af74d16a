import * as fs from 'fs';
import * as os from 'os';
import { Command, InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig } from '../../../libs/config';
import { loadContracts } from '../../../libs/contracts/contractLoader';
import { createLogger } from '../../../libs/logger';
import type { CompareProgress, StoredRun } from '../../../libs/reconcile';
import { ReconcilerService, type RepairOutcome, type RunExport, type SettledRun } from '../../reconciler/reconcilerService';
import { pipelineNames } from '../../supervisor/pipelineNames';

interface ReconcileCliOptions {
  agreement: string;
  entity?: string[];
  incremental?: boolean;
  recheck?: string;
  json?: boolean;
  html?: string;
  startedBy?: string;
  workers: number;
  repair?: boolean;
  settle: boolean;
  topicPrefix: string;
}

interface ReportCliOptions {
  agreement: string;
  run?: string;
  format: 'html' | 'json';
  out?: string;
  from?: string;
  to?: string;
}

function intArg(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return n;
  };
}

function collect(v: string, previous: string[] = []): string[] {
  return [...previous, v];
}

/** Exit code of a run that found differences (as `thahs access-audit check` uses 3 for "not as it should be"). */
export const EXIT_DIFFERENCES = 3;

function service(workers: number, topicPrefix = 'thahs'): ReconcilerService {
  const config = loadConfig();
  const names = pipelineNames(topicPrefix);
  return new ReconcilerService({
    databases: { cand: config.candPgUrl, qdnd: config.qdndPgUrl },
    contracts: loadContracts(),
    log: createLogger('reconciler', process.env.THAHS_LOG_LEVEL ?? 'warn'),
    workers,
    pipeline: { kafkaBrokers: config.kafkaBrokers, topicPrefix: names.topicPrefix, slotName: names.slot },
  });
}

/** What settling and repairing changed, in a few lines (stderr when --json keeps stdout for the run). */
function settleLines(settled: SettledRun, repair: RepairOutcome | null): string {
  const lines: string[] = [];
  if (settled.rechecks.length > 0)
    lines.push(`run ${settled.first.id} re-checked once the consumer had applied past its source LSN: ${settled.rechecks.join(', ')} (${settled.final.status})`);
  else if (settled.unsettled && settled.first.status === 'differences') lines.push(`differences not re-checked: ${settled.unsettled}`);
  if (repair) {
    const per = Object.entries(repair.republished)
      .map(([e, n]) => `${e} ${n}`)
      .join(', ');
    lines.push(
      `repair of run ${repair.repairedRunId}: re-published ${per || 'nothing'} in ${repair.requests.length} request(s); repaired ${repair.repaired}, still differing ${repair.remaining} (run ${repair.after.final.id})`,
    );
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

const PHASES: Record<CompareProgress['phase'], string> = {
  sample: 'placing boundaries',
  scan: 'hashing pages',
  bisect: 'bisecting ranges',
  changes: 'scanning for changes',
  keys: 'checking keys',
  fields: 'naming fields',
};

/**
 * A progress bar on stderr while stdout is a terminal (stdout stays clean for --json): it appears for
 * the long phases only (a table scan of more than a few thousand pages), one bar per phase.
 */
function progressBar(): { update(p: CompareProgress): void; stop(): void } {
  if (!process.stdout.isTTY) return { update: () => undefined, stop: () => undefined };
  let bar: SingleBar | null = null;
  let current = '';
  return {
    update(p) {
      const key = `${p.entity}:${p.phase}`;
      if (key !== current) {
        bar?.stop();
        bar = null;
        current = key;
        if ((p.phase === 'scan' || p.phase === 'changes') && p.total < 2000) return;
        if (p.phase !== 'scan' && p.phase !== 'changes' && p.total < 50) return;
        bar = new SingleBar(
          { stream: process.stderr, format: `${p.entity} | ${PHASES[p.phase]} |{bar}| {percentage}% {value}/{total}`, hideCursor: true, clearOnComplete: false },
          Presets.shades_classic,
        );
        bar.start(p.total, p.done);
        return;
      }
      bar?.update(p.done);
    },
    stop() {
      bar?.stop();
    },
  };
}

/** The run in a few lines for an operator: counts per entity and the first differing keys (ids and field names, never values). */
function summary(run: StoredRun, differences: RunExport['differences']): string {
  const lines = [
    `run ${run.id} of ${run.agreementId} version ${run.agreementVersion} (${run.mode}, ${run.provider} → ${run.receiver} ${run.partnerSchema}): ${run.status}` +
      `${run.error ? ` — ${run.error}` : ''}, started ${run.startedAt} by ${run.startedBy}, source LSN ${run.sourceLsn ?? '-'}`,
    `${'entity'.padEnd(26)} ${'mode'.padEnd(11)} ${'checked'.padStart(10)} ${'matched'.padStart(10)} ${'missing'.padStart(8)} ${'extra'.padStart(8)} ${'different'.padStart(9)} ${'seconds'.padStart(8)}`,
  ];
  for (const r of run.results) {
    lines.push(
      `${r.entity.padEnd(26)} ${r.mode.padEnd(11)} ${String(r.checked).padStart(10)} ${String(r.matched).padStart(10)} ${String(r.missing).padStart(8)} ${String(r.extra).padStart(8)} ${String(r.different).padStart(9)} ${(r.timings.totalMs / 1000).toFixed(1).padStart(8)}`,
    );
    if (r.fallbackReason) lines.push(`  compared in full: ${r.fallbackReason}`);
    const mine = differences.filter((d) => d.entity === r.entity);
    for (const d of mine.slice(0, 20)) lines.push(`  ${d.class.padEnd(9)} ${d.key}${d.fields.length > 0 ? `  fields: ${d.fields.join(', ')}` : ''}`);
    if (mine.length > 20 || r.keysTruncated)
      lines.push(`  … ${r.missing + r.extra + r.different - Math.min(mine.length, 20)} more (thahs reconcile-report --agreement ${run.agreementId} --run ${run.id} --format json)`);
  }
  return `${lines.join('\n')}\n`;
}

function write(out: string | undefined, text: string): void {
  if (out === undefined) process.stdout.write(text);
  else fs.writeFileSync(out, text);
}

/**
 * `thahs reconcile`: the integrity reconciliation of Art. 5 — the provider's shared rows against the
 * partner store under the agreement version in force, stored in the receiver's database (schema
 * thahs_reconcile). Exit code 3 when the two sides differ. `thahs reconcile-report` exports a stored
 * run: the evaluation report (HTML, Vietnamese labels) or JSON with the differing keys.
 */
export function register(program: Command): void {
  program
    .command('reconcile')
    .description("Art. 5: compare the provider's shared rows with the partner store under the agreement version in force (exit code 3 if they differ)")
    .requiredOption('--agreement <id>', 'the agreement')
    .option('--entity <entity>', 'an entity of the version in force (repeatable; default: all it shares)', collect)
    .option('--incremental', 're-hash only what changed since the last clean run of each entity (a full comparison where there is none)')
    .option('--recheck <runId>', 'compare again only the keys that run <runId> found differing')
    .option('--json', 'print the run and its differing keys as JSON')
    .option('--html <file>', 'also write the evaluation report (HTML) of the run to <file>')
    .option('--started-by <who>', 'who starts the run, recorded with it (default: the OS user)')
    .option('--workers <n>', 'connections per database reading the run snapshot (more pay when the databases have cores of their own)', intArg(1), 1)
    .option('--repair', 'have the provider re-publish every differing key through the signed pipeline, wait until applied, re-check')
    .option('--no-settle', 'report the snapshots as compared, without waiting for changes in flight and re-checking')
    .option('--topic-prefix <prefix>', 'prefix of the pipeline (topics, consumer group, slot) to wait for', 'thahs')
    .action(async (o: ReconcileCliOptions) => {
      if (o.recheck !== undefined && (o.incremental || o.entity))
        throw new InvalidArgumentError('--recheck takes the entities of the run it re-checks; drop --incremental and --entity');
      const s = service(o.workers, o.topicPrefix);
      const startedBy = o.startedBy ?? `${os.userInfo().username}@${os.hostname()}`;
      const bar = progressBar();
      let run: StoredRun;
      let settled: SettledRun;
      let repair: RepairOutcome | null = null;
      try {
        const onProgress = (p: CompareProgress): void => bar.update(p);
        const first =
          o.recheck !== undefined
            ? await s.recheck({ agreementId: o.agreement, runId: o.recheck, startedBy, onProgress })
            : await s.run({ agreementId: o.agreement, entities: o.entity, mode: o.incremental ? 'incremental' : 'full', startedBy, onProgress });
        settled = o.settle ? await s.settle(first, startedBy, onProgress) : { first, final: first, rechecks: [], unsettled: 'not asked to settle' };
        if (o.repair && settled.final.status === 'differences') {
          repair = await s.repair(settled.final.id, o.agreement, startedBy, onProgress);
          run = repair.after.final;
        } else run = settled.final;
      } finally {
        bar.stop();
      }
      const notes = settleLines(settled, repair);
      if (o.json) process.stderr.write(notes);
      const exported = await s.exportRun(o.agreement, run.id);
      if (o.html) fs.writeFileSync(o.html, await s.htmlReport(o.agreement, run.id));
      write(undefined, o.json ? `${JSON.stringify(exported, null, 2)}\n` : `${summary(run, exported.differences)}${notes}`);
      if (run.status === 'differences') process.exitCode = EXIT_DIFFERENCES;
    });

  program
    .command('reconcile-report')
    .description('the evaluation report (Art. 5) of a stored reconciliation run: HTML with Vietnamese labels for officials, or JSON with the differing keys')
    .requiredOption('--agreement <id>', 'the agreement')
    .option('--run <id>', 'the run (default: the newest run of the agreement)')
    .option(
      '--format <format>',
      'html | json',
      (v: string) => {
        if (v !== 'html' && v !== 'json') throw new InvalidArgumentError('expected html or json');
        return v;
      },
      'html',
    )
    .option('--out <file>', 'write to <file> instead of stdout')
    .option('--from <instant>', 'start of the period of the replication and access statistics (ISO 8601; default: a year before the run)')
    .option('--to <instant>', 'end of that period (default: the end of the run)')
    .action(async (o: ReportCliOptions) => {
      const s = service(1);
      if (o.format === 'json') {
        write(o.out, `${JSON.stringify(await s.exportRun(o.agreement, o.run), null, 2)}\n`);
        return;
      }
      write(o.out, await s.htmlReport(o.agreement, o.run, { from: o.from, to: o.to }));
    });
}
