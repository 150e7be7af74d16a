import type { Ministry } from '../../libs/contracts/contractTypes';
import { formatLsn } from '../../libs/events';
import type { Logger } from '../../libs/logger';
import type { SqlRunner } from '../../libs/pgoutput';
import type { AgreementPlan, PublicationPlan, RouteRules } from './agreementPlan';
import { ContractDriftError } from './cdcErrors';
import { cdcMetrics } from './cdcMetrics';
import { ContractBinding } from './contractBinding';
import type { PendingRepublish, ProducerState } from './producerState';
import type { PublishingPipeline } from './publishingPipeline';
import type { PublishRoute, SignedRoute } from './publishRoute';
import type { RouteFloors } from './routeFloors';
import { publishedAfter, scopeKey, type PublishedScope, type Transition } from './scopeTransitions';
import { publishFromSnapshot, type SnapshotJob, type SnapshotJobResult } from './snapshotSource';
import { readRelation } from './tableRelation';
import type { TableState, TableStates } from './tableState';

export interface SnapshotCoordinatorOptions {
  ministry: Ministry;
  pgUrl: string;
  /** The producer's name: snapshot connections are named after it. */
  name: string;
  /** Schema of the ministry's own exchanged tables. */
  schema: string;
  /** The producer's control connection (reads table definitions). */
  db: SqlRunner;
  state: ProducerState;
  tables: TableStates;
  floors: RouteFloors;
  pipeline: PublishingPipeline;
  log: Logger;
  sourceEpoch(): string;
  plan(): PublicationPlan;
  /** The newest plan the producer knows of, applied at the next boundary or not yet (what a snapshot checks its versions against). */
  latestPlan(): PublicationPlan;
  compile(table: TableState, agreement: AgreementPlan, rules: RouteRules): PublishRoute | null;
}

/** Snapshots a re-snapshot takes when agreement versions keep changing under it, before it gives up (and is retried). */
const MAX_SNAPSHOT_ATTEMPTS = 5;

/**
 * Everything the producer publishes from a consistent snapshot rather than from the stream, at a
 * transaction boundary: the backfills agreement changes call for (scopeTransitions.ts), operators'
 * re-snapshots of a table, and re-publications of keys (libs/republish). Each is read by the snapshot
 * source, sent through the publishing pipeline, and only once Kafka has every event are the floors
 * and the new scopes recorded — in that order, so a crash in between repeats the work rather than
 * skipping it. Keeps the record of what each agreement topic was last published under.
 */
export class SnapshotCoordinator {
  private readonly scopes = new Map<string, PublishedScope>();

  constructor(private readonly o: SnapshotCoordinatorOptions) {}

  /** What every agreement topic was last published under (loaded from the producer's state). */
  get published(): ReadonlyMap<string, PublishedScope> {
    return this.scopes;
  }

  async load(): Promise<void> {
    for (const s of await this.o.state.publishedScopes()) this.scopes.set(scopeKey(s.agreementId, s.entity), s);
  }

  /** Publishes snapshot jobs through the pipeline and waits until Kafka has every event. */
  private async fromSnapshot(jobs: SnapshotJob[], what: string): Promise<{ consistentPoint: bigint; results: SnapshotJobResult[] }> {
    const r = await publishFromSnapshot(jobs, {
      pgUrl: this.o.pgUrl,
      ministry: this.o.ministry,
      sourceEpoch: this.o.sourceEpoch(),
      applicationName: `${this.o.name}-${what}`,
      inForceAt: (rules, atMs) => this.inForceAt(rules, atMs),
      publish: async (events) => {
        for (const e of events) cdcMetrics.snapshotRows.inc({ ministry: this.o.ministry, agreement: e.meta.agreementId, entity: e.meta.entity });
        await this.o.pipeline.flush(events, null, 0);
      },
    });
    await this.o.pipeline.drain();
    return r;
  }

  /** Whether `rules` are those the agreement publishes under at `atMs` (in force, not suspended, not ended). */
  private inForceAt(rules: RouteRules, atMs: number): boolean {
    const a = this.o.latestPlan().agreement(rules.agreementId);
    if (!a || a.ended(atMs)) return false;
    const seg = a.segmentAt(atMs);
    return seg.kind === 'publish' && seg.record.version === rules.version;
  }

  /** The route a snapshot job publishes through, when the table is bound and a key is held. */
  private signedRoute(rules: RouteRules): SignedRoute | null {
    const table = this.o.tables.entity(rules.entity);
    if (!table || table.stopped !== undefined || !table.binding) return null;
    const a = this.o.plan().agreement(rules.agreementId);
    if (!a) return null;
    const route = table.route(rules, () => this.o.compile(table, a, rules));
    return route && route.canSign() ? route : null;
  }

  /**
   * Brings every agreement topic to what its agreement asks now (scopeTransitions.ts): records what
   * publishes nothing, and publishes the backfills from one consistent snapshot; then the floors and
   * the new scopes are recorded, in that order, so a crash in between repeats the backfill rather than
   * skipping it.
   */
  async applyTransitions(transitions: Transition[]): Promise<void> {
    const { ministry, log } = this.o;
    const jobs: { t: Extract<Transition, { kind: 'publish' }>; job: SnapshotJob }[] = [];
    for (const t of transitions) {
      if (t.kind === 'record') {
        await this.recordScope(t.scope);
        if (t.scope.state === 'inactive' && (this.o.plan().agreement(t.scope.agreementId)?.ended(Date.now()) ?? true)) {
          await this.o.state.forgetAgreement(t.scope.agreementId);
          this.o.floors.forget(t.scope.agreementId);
        }
        log.info('agreement scope recorded', { ministry, agreement: t.scope.agreementId, entity: t.scope.entity, version: t.scope.version, state: t.scope.state });
        continue;
      }
      const route = this.signedRoute(t.rules);
      // A stopped table is published again by its re-snapshot; it takes the agreement's scope with it.
      if (!route) continue;
      const parked = t.parkedKeys ? await this.o.state.parkedForAgreement(t.rules.agreementId, t.rules.entity) : [];
      jobs.push({ t, job: { route, rules: t.rules, fullScope: t.fullScope, ...(t.fullScope ? { deleteIfOutside: parked } : { keys: parked }) } });
    }
    if (jobs.length === 0) return;
    const { consistentPoint, results } = await this.fromSnapshot(
      jobs.map((j) => j.job),
      'backfill',
    );
    const c = formatLsn(consistentPoint);
    for (let i = 0; i < jobs.length; i++) {
      const { t, job } = jobs[i];
      const r = results[i];
      const { agreementId, entity } = t.rules;
      if (r.stale) {
        // The scope stays as it was published: the next boundary plans it under the version in force.
        log.info('agreement backfill deferred: another version came into force while its snapshot was taken', {
          ministry,
          agreement: agreementId,
          entity,
          version: t.rules.version,
          reason: t.reason,
        });
        continue;
      }
      if (job.fullScope) {
        await this.o.state.setRouteFloor(agreementId, entity, c);
        this.o.floors.setRoute(agreementId, entity, consistentPoint);
      }
      if (r.keys.length > 0) {
        await this.o.state.setKeyFloors(agreementId, entity, r.keys, c);
        this.o.floors.setKeys(agreementId, entity, r.keys, consistentPoint);
      }
      await this.o.state.recordBackfill(agreementId, entity, t.reason, c, r.upserts + r.deletes, true);
      await this.recordScope(publishedAfter(t));
      const parked = job.keys ?? job.deleteIfOutside ?? [];
      if (parked.length > 0) await this.o.state.clearParkedForAgreement(agreementId, entity, parked);
      log.info('agreement scope published from a consistent snapshot', {
        ministry,
        agreement: agreementId,
        entity,
        version: t.rules.version,
        reason: t.reason,
        rows: r.upserts,
        deletes: r.deletes,
        floor: c,
      });
    }
  }

  private async recordScope(s: PublishedScope): Promise<void> {
    await this.o.state.recordScope(s);
    this.scopes.set(scopeKey(s.agreementId, s.entity), s);
  }

  /**
   * Publishes one table again for every agreement that shares it now, consistent with the stream (an
   * operator's `thahs resnapshot`, or the recovery of a table stopped by drift): every row in each
   * agreement's scope, deletes for the keys parked while the table was stopped that are no longer
   * there, then floors, and streaming of the table resumes.
   */
  async resnapshot(entity: string): Promise<void> {
    const { ministry, log } = this.o;
    const state = this.o.state;
    const table = this.o.tables.entity(entity);
    const rel = table ? await readRelation(this.o.db, this.o.schema, entity) : undefined;
    if (!table || !rel) {
      await state.finishRequest(entity, `no exchanged table ${this.o.schema}.${entity}`);
      return;
    }
    let binding: ContractBinding;
    try {
      binding = new ContractBinding(ministry, table.contract, rel);
    } catch (err) {
      if (!(err instanceof ContractDriftError)) throw err;
      await state.finishRequest(entity, err.message);
      log.error('re-snapshot refused: the table still drifts from its contract', { ministry, entity, field: err.field, reason: err.reason });
      return;
    }
    await this.o.pipeline.drain();
    const wasStopped = table.stopped !== undefined;
    table.stopped = undefined;
    table.rebind(rel, binding);
    const parked = (await state.takeParked(entity)).map((p) => p.id);
    // Jobs of the agreements sharing the table at `now` (all of them, or those in `only`).
    const planJobs = async (now: number, only?: ReadonlySet<string>): Promise<SnapshotJob[]> => {
      const jobs: SnapshotJob[] = [];
      for (const a of this.o.plan().forEntity(entity)) {
        if (a.ended(now) || (only && !only.has(a.agreementId))) continue;
        const seg = a.segmentAt(now);
        const rules = seg.kind === 'none' ? null : a.rules(seg.record.version, entity);
        if (!rules) continue;
        const route = this.signedRoute(rules);
        if (seg.kind === 'publish' && route) jobs.push({ route, rules, fullScope: true, deleteIfOutside: parked });
        // Suspended (or no key): the keys wait for the resumption like any other change made meanwhile.
        else if (parked.length > 0) await state.parkForAgreement(parked.map((id) => ({ agreementId: a.agreementId, entity, id, lsn: '0/0' })));
      }
      return jobs;
    };
    let rows = 0;
    const published: string[] = [];
    let jobs = await planJobs(Date.now());
    // A job whose version went out of force while the snapshot was taken is planned again at once.
    for (let attempt = 1; jobs.length > 0; attempt++) {
      const { consistentPoint, results } = await this.fromSnapshot(jobs, 'resnapshot');
      const c = formatLsn(consistentPoint);
      const stale = new Set<string>();
      for (let i = 0; i < jobs.length; i++) {
        const { rules } = jobs[i];
        if (results[i].stale) {
          stale.add(rules.agreementId);
          continue;
        }
        rows += results[i].upserts;
        published.push(rules.agreementId);
        await state.setRouteFloor(rules.agreementId, entity, c);
        this.o.floors.setRoute(rules.agreementId, entity, consistentPoint);
        await state.recordBackfill(rules.agreementId, entity, 'resnapshot', c, results[i].upserts + results[i].deletes, true);
        await this.recordScope({
          agreementId: rules.agreementId,
          entity,
          version: rules.version,
          scopeHash: rules.scopeHash,
          fields: rules.projection.fields,
          filter: rules.filter,
          audience: rules.audience,
          state: 'active',
        });
      }
      if (stale.size === 0) break;
      if (attempt === MAX_SNAPSHOT_ATTEMPTS) {
        // Not lost: the parked keys wait for the stale agreements, and the request says why it stopped.
        const why = `the agreements ${[...stale].join(', ')} changed version during each of ${attempt} snapshots`;
        for (const agreementId of stale) if (parked.length > 0) await state.parkForAgreement(parked.map((id) => ({ agreementId, entity, id, lsn: '0/0' })));
        if (wasStopped) await state.resumeTable(entity);
        await state.finishRequest(entity, why);
        log.error('table re-snapshot incomplete', { ministry, entity, agreements: published, stale: [...stale], rows, reason: why });
        return;
      }
      jobs = await planJobs(Date.now(), stale);
    }
    if (wasStopped) await state.resumeTable(entity);
    cdcMetrics.tablesStopped.set({ ministry }, this.o.tables.stoppedCount());
    await state.finishRequest(entity);
    log.info('table re-snapshot published', { ministry, entity, agreements: published, rows, resumed: wasStopped });
  }

  /** Re-publication requests (libs/republish): each key's state now, through the signed pipeline. */
  async republish(requests: readonly PendingRepublish[]): Promise<void> {
    const now = Date.now();
    const jobs: { requestId: string; job: SnapshotJob }[] = [];
    for (const r of requests) {
      const a = this.o.plan().agreement(r.agreementId);
      const seg = a && !a.ended(now) ? a.segmentAt(now) : undefined;
      const rules = seg && seg.kind === 'publish' ? a!.rules(seg.record.version, r.entity) : null;
      const route = rules ? this.signedRoute(rules) : null;
      if (!rules || !route) {
        const why = !a
          ? `no agreement ${r.agreementId} in which ${this.o.ministry} provides`
          : !rules
            ? `agreement ${r.agreementId} shares no ${r.entity} now (not in force, suspended or not shared)`
            : `table ${r.entity} is stopped or no provider key of ${r.agreementId} is held here`;
        await this.o.state.finishRepublish(r.requestId, { error: why });
        this.o.log.warn('re-publication refused', { ministry: this.o.ministry, request: r.requestId, agreement: r.agreementId, entity: r.entity, reason: why });
        continue;
      }
      jobs.push({ requestId: r.requestId, job: { route, rules, fullScope: false, keys: r.ids } });
    }
    if (jobs.length === 0) return;
    const { consistentPoint, results } = await this.fromSnapshot(
      jobs.map((j) => j.job),
      'republish',
    );
    const c = formatLsn(consistentPoint);
    for (let i = 0; i < jobs.length; i++) {
      const { requestId, job } = jobs[i];
      const r = results[i];
      // Left pending: the next boundary publishes the keys under the version in force then.
      if (r.stale) continue;
      await this.o.state.setKeyFloors(job.rules.agreementId, job.rules.entity, r.keys, c);
      this.o.floors.setKeys(job.rules.agreementId, job.rules.entity, r.keys, consistentPoint);
      await this.o.state.finishRepublish(requestId, { upserts: r.upserts, deletes: r.deletes, snapshotLsn: c });
      this.o.log.info('keys re-published', {
        ministry: this.o.ministry,
        request: requestId,
        agreement: job.rules.agreementId,
        entity: job.rules.entity,
        upserts: r.upserts,
        deletes: r.deletes,
        snapshotLsn: c,
      });
    }
  }
}
