import { Client, Pool, type PoolClient } from 'pg';
import { findVersion } from '../../libs/agreements';
import type { ContractRegistry } from '../../libs/contracts';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import { recordAccess } from '../../libs/partner-store';
import { MAX_REPUBLISH_KEYS, republishStatus, requestRepublish, type RepublishStatus } from '../../libs/republish';
import {
  DEFAULT_COMPARE_OPTIONS,
  ensureReconcileSchema,
  ReconcileBusyError,
  ReconcileError,
  RECONCILER_APPLICATION,
  runReconciliation,
  RunStore,
  type CompareOptions,
  type CompareProgress,
  type EntityOutcome,
  type RunScope,
  type StoredDifference,
  type StoredRun,
  type ReportModel,
  buildReportModel,
  operationStatistics,
  renderReportHtml,
} from '../../libs/reconcile';
import { resolveAgreement, type ResolvedAgreement } from './agreementScope';
import { recordFailedRun, recordRunMetrics } from './reconcileMetrics';
import { waitUntilApplied, type PipelineLocation } from './replicationProgress';

/** Orders LSNs (`X/Y`, hexadecimal) by position. */
function compareLsn(a: string, b: string): number {
  const v = (l: string): bigint => {
    const [hi, lo] = l.split('/');
    return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
  };
  const d = v(a) - v(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

function instant(option: string, v: string | undefined): string | null {
  if (v === undefined) return null;
  const ms = Date.parse(v);
  if (!/[zZ]|[+-]\d{2}:?\d{2}$/.test(v) || Number.isNaN(ms))
    throw new ReconcileError(`${option} must be an ISO 8601 instant with an offset, got ${JSON.stringify(v)}`, { field: option });
  return new Date(ms).toISOString();
}

/** Purpose code the reconciler's reads of partner data carry in the access log (Art. 5: inspection and evaluation). */
export const RECONCILE_PURPOSE = 'INTEGRITY_RECONCILIATION';

/** Lock class of the per-agreement run lock (the object is hashtext of the agreement id). */
const RUN_LOCK_CLASS = 741_950_152;

export interface ReconcilerServiceOptions {
  /** Connection URL of each ministry's database. */
  databases: Readonly<Record<Ministry, string>>;
  contracts: ContractRegistry;
  log: Logger;
  compare?: Partial<CompareOptions>;
  /** Connections per side reading the run's snapshot (more pay only when the two databases have cores of their own). */
  workers?: number;
  now?: () => Date;
  /**
   * Where the agreement's pipeline runs. With it, a run that finds differences waits for the consumer
   * to apply past the run's source LSN and re-checks them (`settle`), and `repair` can wait for
   * re-published keys; without it a run is exact for its two snapshots only.
   */
  pipeline?: PipelineLocation;
  /** Longest wait for the producer and the consumer, per round (default 120 s). */
  applyTimeoutMs?: number;
  /** Re-check rounds a settling run makes at most (default 4). */
  settleRounds?: number;
}

/** A run as compared, and what remained once the changes in flight at its snapshots were applied. */
export interface SettledRun {
  /** The run as its snapshots saw it. */
  first: StoredRun;
  /** The last re-check (the first run itself when it was clean or could not be settled). */
  final: StoredRun;
  /** Re-check runs made, in order. */
  rechecks: string[];
  /** Why the first run's differences were not re-checked, when they were not. */
  unsettled: string | null;
}

/** What `repair` did: the re-publication requests filed, and the keys still differing after they were applied. */
export interface RepairOutcome {
  /** The run whose differences were repaired. */
  repairedRunId: string;
  requests: RepublishStatus[];
  /** Keys re-published, per entity. */
  republished: Record<string, number>;
  /** The comparison after the repair (a re-check of the keys, or a full run when the run recorded only some of them). */
  after: SettledRun;
  /** Keys of the repaired run that no longer differ. */
  repaired: number;
  /** Keys that still differ after the repair. */
  remaining: number;
}

export interface ReconcileRequest {
  agreementId: string;
  /** Entities of the version in force to compare (all when empty or absent). */
  entities?: readonly string[];
  mode?: 'full' | 'incremental';
  /** Who started the run (operator, or the schedule). */
  startedBy: string;
  onProgress?: (p: CompareProgress) => void;
  onEntity?: (o: EntityOutcome) => void;
}

export interface RecheckRequest {
  agreementId: string;
  /** The stored run whose differing keys are checked again. */
  runId: string;
  startedBy: string;
  onProgress?: (p: CompareProgress) => void;
}

/** A stored run with its differing keys: the machine-readable export (JSON), which a repair step reads. */
export interface RunExport {
  format: 'thahs-reconcile-run/1';
  run: StoredRun;
  differences: StoredDifference[];
}

/**
 * The integrity reconciliation of Art. 5 as a service: `thahs reconcile` calls it, and the main job's
 * schedule will. A run resolves the agreement version in force from the receiver's signed history,
 * takes the agreement's run lock in the receiver's database (two runs of one agreement never overlap),
 * declares its reads of partner data in the access log, compares, stores the run in schema
 * thahs_reconcile and updates the metrics.
 *
 * Seams for what comes later: `recheck` is ACE's table-rerun — it compares only a stored run's
 * differing keys — which a repair step calls once the re-published keys have been applied, and which
 * exactness under live replication calls once the consumer is past the run's `sourceLsn`.
 */
export class ReconcilerService {
  private readonly options: CompareOptions;

  constructor(private readonly o: ReconcilerServiceOptions) {
    this.options = { ...DEFAULT_COMPARE_OPTIONS, ...o.compare };
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  async run(req: ReconcileRequest): Promise<StoredRun> {
    const resolved = await resolveAgreement(this.o.databases, this.o.contracts, req.agreementId, req.entities, this.now());
    const mode = req.mode ?? 'full';
    return this.locked(
      resolved.scope,
      mode,
      async (store, pool) => {
        await this.declareReads(pool, resolved.scope, req.startedBy);
        return runReconciliation(
          {
            scope: resolved.scope,
            mode,
            startedBy: req.startedBy,
            providerUrl: this.o.databases[resolved.scope.provider],
            receiverUrl: this.o.databases[resolved.scope.receiver],
            options: this.options,
            workers: this.o.workers ?? 1,
            onProgress: req.onProgress,
            onEntity: req.onEntity,
          },
          store,
        );
      },
      resolved,
    );
  }

  /** Compares again only the keys a stored run found differing, under the same agreement version. */
  async recheck(req: RecheckRequest): Promise<StoredRun> {
    const resolved = await resolveAgreement(this.o.databases, this.o.contracts, req.agreementId, undefined, this.now());
    const { scope } = resolved;
    const pool = this.pool(scope.receiver);
    let earlier: StoredRun | null;
    let differences: StoredDifference[];
    try {
      await ensureReconcileSchema(pool);
      const store = new RunStore(pool);
      earlier = await store.run(req.runId);
      differences = earlier ? await store.differences(req.runId) : [];
    } finally {
      await pool.end();
    }
    if (!earlier || earlier.agreementId !== req.agreementId) throw new ReconcileError('no such run of this agreement', { agreementId: req.agreementId, runId: req.runId });
    if (earlier.agreementVersion !== scope.agreementVersion) {
      throw new ReconcileError(`the run compared version ${earlier.agreementVersion}, version ${scope.agreementVersion} is in force now: run a full reconciliation`, {
        agreementId: req.agreementId,
        runId: req.runId,
      });
    }
    const keys = new Map<string, string[]>();
    for (const d of differences) keys.set(d.entity, [...(keys.get(d.entity) ?? []), d.key]);
    const narrowed: RunScope = { ...scope, entities: scope.entities.filter((e) => earlier!.entities.includes(e.entity)) };
    return this.locked(
      narrowed,
      'recheck',
      async (store, p) => {
        await this.declareReads(p, narrowed, req.startedBy);
        return runReconciliation(
          {
            scope: narrowed,
            mode: 'recheck',
            startedBy: req.startedBy,
            providerUrl: this.o.databases[scope.provider],
            receiverUrl: this.o.databases[scope.receiver],
            options: this.options,
            workers: this.o.workers ?? 1,
            recheck: { runId: req.runId, keys },
            onProgress: req.onProgress,
          },
          store,
        );
      },
      resolved,
    );
  }

  /**
   * Exactness under live replication: a run's differences include the changes still in flight at its
   * snapshots. Wait until the consumer has applied past the run's source LSN, re-check only the
   * differing keys, and repeat with the re-check's own LSN while keys keep dropping out (a key changed
   * again during the wait is in flight again); stop when a round keeps exactly the keys of the one
   * before — those differ for good — or when it is clean.
   */
  async settle(run: StoredRun, startedBy: string, onProgress?: (p: CompareProgress) => void): Promise<SettledRun> {
    const unsettled = (reason: string): SettledRun => ({ first: run, final: run, rechecks: [], unsettled: reason });
    if (run.status !== 'differences') return unsettled(run.status === 'clean' ? 'clean' : `the run ${run.status}`);
    if (!this.o.pipeline) return unsettled('no pipeline location given: exact for the two snapshots only');
    if (run.results.some((r) => r.keysTruncated)) return unsettled('the run recorded only some of its differing keys: a re-check would not cover the rest');
    const resolved = await resolveAgreement(this.o.databases, this.o.contracts, run.agreementId, run.entities, this.now());
    let current = run;
    let keys = await this.differingKeys(current);
    const rechecks: string[] = [];
    for (let round = 0; round < (this.o.settleRounds ?? 4) && current.status === 'differences'; round++) {
      const wait = await waitUntilApplied(this.o.databases[resolved.scope.provider], this.o.pipeline, resolved.scope, current.sourceLsn!, {
        timeoutMs: this.o.applyTimeoutMs ?? 120_000,
      });
      if (wait.outcome === 'skipped') {
        this.o.log.warn('reconcile differences not re-checked', { agreementId: run.agreementId, run: run.id, reason: wait.reason });
        return { first: run, final: current, rechecks, unsettled: wait.reason };
      }
      const next = await this.recheck({ agreementId: run.agreementId, runId: current.id, startedBy, onProgress });
      rechecks.push(next.id);
      const nextKeys = await this.differingKeys(next);
      const stable = nextKeys.size === keys.size && [...nextKeys].every((k) => keys.has(k));
      current = next;
      keys = nextKeys;
      if (stable) break;
    }
    this.o.log.info('reconcile run settled', { agreementId: run.agreementId, run: run.id, final: current.id, rechecks: rechecks.length, status: current.status });
    return { first: run, final: current, rechecks, unsettled: null };
  }

  /** `run` then `settle`: the result the schedule and the CLI report. */
  async runSettled(req: ReconcileRequest): Promise<SettledRun> {
    return this.settle(await this.run(req), req.startedBy, req.onProgress);
  }

  /**
   * Repair through the signed pipeline: the provider re-publishes every differing key of the run (its
   * current state, or a delete when it no longer shares the row) by a re-publication request its CDC
   * producer serves; once every request is done and the consumer has applied what they published, the
   * keys are re-checked (settled). The partner store is written by the apply consumer only.
   */
  async repair(runId: string, agreementId: string, startedBy: string, onProgress?: (p: CompareProgress) => void): Promise<RepairOutcome> {
    if (!this.o.pipeline) throw new ReconcileError('a repair needs the pipeline location (the producer publishes the keys)', { agreementId, runId });
    const { run, differences } = await this.exportRun(agreementId, runId);
    const ctx = { agreementId, runId, ministry: run.provider };
    const byEntity = new Map<string, string[]>();
    for (const d of differences) byEntity.set(d.entity, [...(byEntity.get(d.entity) ?? []), d.key]);
    const db = new Client({ connectionString: this.o.databases[run.provider], application_name: RECONCILER_APPLICATION });
    await db.connect();
    const ids: string[] = [];
    const requests: RepublishStatus[] = [];
    try {
      for (const [entity, keys] of byEntity) {
        for (let i = 0; i < keys.length; i += MAX_REPUBLISH_KEYS) {
          ids.push(
            await requestRepublish(db, {
              agreementId,
              entity,
              ids: keys.slice(i, i + MAX_REPUBLISH_KEYS),
              requestedBy: `${RECONCILER_APPLICATION}:${startedBy}`,
              reason: `reconcile run ${run.id}`,
            }),
          );
        }
      }
      this.o.log.info('reconcile repair requested', { ...ctx, requests: ids.length, keys: differences.length });
      const until = Date.now() + (this.o.applyTimeoutMs ?? 120_000);
      for (const id of ids) {
        for (;;) {
          const st = await republishStatus(db, id);
          if (st?.error) throw new ReconcileError(`the producer refused re-publication request ${id}: ${st.error}`, ctx);
          if (st?.doneAt) {
            requests.push(st);
            break;
          }
          if (Date.now() > until)
            throw new ReconcileError(`the producer did not serve re-publication request ${id} in time (is the CDC producer of ${run.provider} running?)`, ctx);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      await db.end();
    }
    const truncated = run.results.some((r) => r.keysTruncated);
    // Every request is published; the newest position the producer's slot has confirmed then covers it.
    const lsns = requests.map((r) => r.snapshotLsn).filter((l): l is string => l !== null);
    const resolved = await resolveAgreement(this.o.databases, this.o.contracts, agreementId, run.entities, this.now());
    const lsn = lsns.sort(compareLsn).pop() ?? run.sourceLsn!;
    const wait = await waitUntilApplied(this.o.databases[run.provider], this.o.pipeline, resolved.scope, lsn, { timeoutMs: this.o.applyTimeoutMs ?? 120_000 });
    if (wait.outcome === 'skipped') throw new ReconcileError(`cannot wait for the repair to apply: ${wait.reason}`, ctx);
    const after = truncated
      ? await this.runSettled({ agreementId, entities: run.entities, mode: 'full', startedBy, onProgress })
      : await this.settle(await this.recheck({ agreementId, runId: run.id, startedBy, onProgress }), startedBy, onProgress);
    const stillDiffering = await this.differingKeys(after.final);
    const republished = Object.fromEntries([...byEntity].map(([e, k]) => [e, k.length]));
    const remaining = after.final.results.reduce((s, r) => s + r.missing + r.extra + r.different, 0);
    const repaired = differences.filter((d) => !stillDiffering.has(`${d.entity}\u0000${d.key}`)).length;
    this.o.log.info('reconcile repair finished', { ...ctx, repaired, remaining, after: after.final.id });
    return { repairedRunId: run.id, requests, republished, after, repaired, remaining };
  }

  private async differingKeys(run: StoredRun): Promise<Set<string>> {
    if (run.status !== 'differences') return new Set();
    const { differences } = await this.exportRun(run.agreementId, run.id);
    return new Set(differences.map((d) => `${d.entity}\u0000${d.key}`));
  }

  /** When the newest run of the agreement in `mode` by `startedBy` started, from the receiver's stored runs. */
  async lastStarted(agreementId: string, receiver: Ministry, mode: 'full' | 'incremental', startedBy: string): Promise<Date | null> {
    const pool = this.pool(receiver);
    try {
      await ensureReconcileSchema(pool);
      return await new RunStore(pool).lastStarted(agreementId, mode, startedBy);
    } finally {
      await pool.end();
    }
  }

  /** A stored run (the newest of the agreement when no id is given) with its differing keys. */
  async exportRun(agreementId: string, runId?: string): Promise<RunExport> {
    const resolved = await resolveAgreement(this.o.databases, this.o.contracts, agreementId, undefined, this.now());
    const pool = this.pool(resolved.scope.receiver);
    try {
      await ensureReconcileSchema(pool);
      const store = new RunStore(pool);
      const run = runId === undefined ? await store.latest(agreementId) : await store.run(runId);
      if (!run || run.agreementId !== agreementId)
        throw new ReconcileError(runId === undefined ? 'the agreement has no stored run' : 'no such run of this agreement', { agreementId, runId });
      return { format: 'thahs-reconcile-run/1', run, differences: await store.differences(run.id) };
    } finally {
      await pool.end();
    }
  }

  /**
   * The evaluation report's content for a stored run (the newest when no id is given): the run, and over
   * the period (default: the year up to the end of the run) the receiver's update log, dead letters,
   * access log and the differences per reporting unit.
   */
  async reportModel(agreementId: string, runId?: string, period: { from?: string; to?: string } = {}): Promise<ReportModel> {
    const { run } = await this.exportRun(agreementId, runId);
    const resolved = await resolveAgreement(this.o.databases, this.o.contracts, agreementId, undefined, this.now());
    const record = findVersion(resolved.state, run.agreementVersion);
    const doc = record?.document ?? resolved.document;
    const end = run.finishedAt ?? this.now().toISOString();
    const to = instant('--to', period.to) ?? end;
    const from = instant('--from', period.from) ?? new Date(Date.parse(to) - 365 * 86_400_000).toISOString();
    if (Date.parse(from) >= Date.parse(to)) throw new ReconcileError(`the period must end after it starts (${from} – ${to})`, { agreementId, field: '--from' });
    const pool = this.pool(run.receiver);
    try {
      const statistics = await operationStatistics(pool, { agreementId, partnerSchema: run.partnerSchema, runId: run.id, period: { from, to } });
      const unitIds = [
        ...new Set(
          [...run.results.flatMap((r) => (r.byReportingUnit ?? []).map((u) => u.unit)), ...statistics.unitDifferences.map((d) => d.unit)].filter((u): u is string => u !== null),
        ),
      ];
      const unitLabels = await this.unitLabels(run.provider, unitIds);
      const entityLabels: Record<string, string> = {};
      const fieldLabels: Record<string, Record<string, string>> = {};
      for (const r of run.results) {
        if (!this.o.contracts.has(r.entity)) continue;
        const c = this.o.contracts.get(r.entity);
        entityLabels[r.entity] = c.docVi;
        fieldLabels[r.entity] = Object.fromEntries(c.fields.map((f) => [f.name, f.docVi]));
      }
      return buildReportModel({
        run,
        statistics,
        agreement: { titleVi: doc.titleVi, providerNameVi: doc.parties.provider.nameVi, receiverNamesVi: doc.parties.consumers.map((c) => c.nameVi) },
        entityLabels,
        fieldLabels,
        unitLabels,
        generatedAt: this.now().toISOString(),
      });
    } finally {
      await pool.end();
    }
  }

  async htmlReport(agreementId: string, runId?: string, period: { from?: string; to?: string } = {}): Promise<string> {
    return renderReportHtml(await this.reportModel(agreementId, runId, period));
  }

  /**
   * Code and name of reporting units (reference data, Tier 1) from the provider's own org_unit — the
   * source of truth the reconciler reads anyway; a read of the partner store here would be one more
   * access to log.
   */
  private async unitLabels(provider: Ministry, ids: readonly string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    if (ids.length === 0) return out;
    const pool = this.pool(provider);
    try {
      const r = await pool.query<{ id: string; label: string }>(`SELECT id::text AS id, unit_code || ' – ' || name AS label FROM thahs.org_unit WHERE id = ANY($1::uuid[])`, [ids]);
      for (const row of r.rows) out[row.id] = row.label;
    } finally {
      await pool.end();
    }
    return out;
  }

  private pool(ministry: Ministry): Pool {
    return new Pool({ connectionString: this.o.databases[ministry], max: 2, application_name: RECONCILER_APPLICATION });
  }

  /**
   * Runs `f` holding the agreement's run lock in the receiver's database (a session lock on a connection
   * kept for the run); a run of the same agreement still marked running is then known to be dead.
   */
  private async locked(scope: RunScope, mode: string, f: (store: RunStore, pool: Pool) => Promise<StoredRun>, resolved: ResolvedAgreement): Promise<StoredRun> {
    const pool = this.pool(scope.receiver);
    let lock: PoolClient | null = null;
    const ctx = { agreementId: scope.agreementId, ministry: scope.receiver };
    try {
      await ensureReconcileSchema(pool);
      lock = await pool.connect();
      const got = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [RUN_LOCK_CLASS, scope.agreementId]);
      if (!got.rows[0].ok) throw new ReconcileBusyError(ctx);
      const store = new RunStore(pool);
      const abandoned = await store.abandon(
        scope.agreementId,
        scope.entities.map((e) => e.entity),
      );
      if (abandoned > 0) this.o.log.warn('reconcile runs left running by a stopped process marked failed', { ...ctx, runs: abandoned });
      this.o.log.info('reconcile run starting', {
        ...ctx,
        version: scope.agreementVersion,
        mode,
        entities: scope.entities.map((e) => e.entity),
        providerCopy: resolved.providerCopy,
      });
      if (resolved.providerCopy === 'different') this.o.log.warn("the provider's history has another version in force than the receiver's", ctx);
      const run = await f(store, pool).catch((err: unknown) => {
        recordFailedRun(scope.agreementId, mode);
        throw err;
      });
      recordRunMetrics(run);
      for (const r of run.results) {
        this.o.log.info('reconcile entity result', {
          ...ctx,
          run: run.id,
          entity: r.entity,
          mode: r.mode,
          checked: r.checked,
          matched: r.matched,
          missing: r.missing,
          extra: r.extra,
          different: r.different,
          fallback: r.fallbackReason ?? undefined,
          ms: r.timings.totalMs,
        });
      }
      this.o.log.info('reconcile run finished', { ...ctx, run: run.id, status: run.status, ms: run.timings.totalMs });
      return run;
    } finally {
      if (lock) {
        await lock.query('SELECT pg_advisory_unlock($1, hashtext($2))', [RUN_LOCK_CLASS, scope.agreementId]).catch(() => undefined);
        lock.release();
      }
      await pool.end();
    }
  }

  /** The run's reads of partner data, declared in the receiver's access log before it makes them. */
  private async declareReads(pool: Pool, scope: RunScope, startedBy: string): Promise<void> {
    const present = await pool.query<{ t: string | null }>(`SELECT to_regclass('partner_state.access_log')::text AS t`);
    if (present.rows[0].t === null) return;
    for (const e of scope.entities) {
      const table = await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`"${scope.partnerSchema}"."${e.entity}"`]);
      if (table.rows[0].t !== null) await recordAccess(pool, `${RECONCILER_APPLICATION}:${startedBy}`, `${scope.partnerSchema}.${e.entity}`, RECONCILE_PURPOSE);
    }
  }
}
