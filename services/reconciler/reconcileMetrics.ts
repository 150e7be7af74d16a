import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../libs/metrics';
import type { StoredRun } from '../../libs/reconcile';

/**
 * The last result of each agreement and entity for Prometheus, plus run counters. Gauges hold the
 * newest run only, so an alert on `thahs_reconcile_last_differences > 0` fires until a clean run.
 */
const labels = ['agreement', 'entity'] as const;

const lastRows = new Gauge({
  name: 'thahs_reconcile_last_rows',
  help: 'Rows of the last reconciliation run per outcome (checked, matched, missing, extra, different)',
  labelNames: [...labels, 'outcome'],
  registers: [metricsRegistry],
});
const lastDifferences = new Gauge({
  name: 'thahs_reconcile_last_differences',
  help: 'Differing keys found by the last reconciliation run (missing + extra + different)',
  labelNames: labels,
  registers: [metricsRegistry],
});
const lastFinished = new Gauge({
  name: 'thahs_reconcile_last_finished_timestamp_seconds',
  help: 'When the last reconciliation run of the entity finished (Unix time)',
  labelNames: [...labels, 'mode'],
  registers: [metricsRegistry],
});
const lastDuration = new Gauge({
  name: 'thahs_reconcile_last_duration_seconds',
  help: 'How long the last reconciliation of the entity took',
  labelNames: [...labels, 'mode'],
  registers: [metricsRegistry],
});
const rowsHashed = new Counter({
  name: 'thahs_reconcile_rows_hashed_total',
  help: 'Rows hashed by reconciliation runs, per side (provider, partner)',
  labelNames: [...labels, 'side'],
  registers: [metricsRegistry],
});
const runs = new Counter({
  name: 'thahs_reconcile_runs_total',
  help: 'Reconciliation runs by mode and status (clean, differences, failed)',
  labelNames: ['agreement', 'mode', 'status'],
  registers: [metricsRegistry],
});

export function recordRunMetrics(run: StoredRun): void {
  runs.inc({ agreement: run.agreementId, mode: run.mode, status: run.status });
  for (const r of run.results) {
    const l = { agreement: run.agreementId, entity: r.entity };
    // A re-check compares only the keys that differed: it settles the differences of the run before,
    // whose checked and matched rows stay what the gauges show.
    const figures =
      r.mode === 'recheck'
        ? { missing: r.missing, extra: r.extra, different: r.different }
        : { checked: r.checked, matched: r.matched, missing: r.missing, extra: r.extra, different: r.different };
    for (const [outcome, n] of Object.entries(figures)) lastRows.set({ ...l, outcome }, n);
    lastDifferences.set(l, r.missing + r.extra + r.different);
    lastFinished.set({ ...l, mode: r.mode }, Date.parse(r.finishedAt) / 1000);
    lastDuration.set({ ...l, mode: r.mode }, (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000);
    rowsHashed.inc({ ...l, side: 'provider' }, r.rowsHashed.provider);
    rowsHashed.inc({ ...l, side: 'partner' }, r.rowsHashed.partner);
  }
}

/** A run that failed before storing any entity still counts. */
export function recordFailedRun(agreementId: string, mode: string): void {
  runs.inc({ agreement: agreementId, mode, status: 'failed' });
}

const nextScheduled = new Gauge({
  name: 'thahs_reconcile_schedule_next_timestamp_seconds',
  help: "When the main job's reconciliation schedule next runs an entry (Unix time), per mode and entry",
  labelNames: ['mode', 'entry'],
  registers: [metricsRegistry],
});

export function recordNextScheduled(mode: string, entry: string, at: Date): void {
  nextScheduled.set({ mode, entry }, at.getTime() / 1000);
}
