import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { DEFAULT_TOPIC_PREFIX } from '../../libs/contracts/agreementTopics';
import { ContractRegistry } from '../../libs/contracts/contractRegistry';
import { Ministry } from '../../libs/contracts/contractTypes';
import { formatLsn } from '../../libs/events';
import { createKafka } from '../../libs/kafka';
import { Logger } from '../../libs/logger';
import { ensurePublication, Lsn, parseLsn } from '../../libs/pgoutput';
import { registryAccess, registryClientArgs } from '../../libs/registry-client';
import { PipelineService } from '../supervisor/pipelineService';
import { AgreementFollower, type AgreementSource } from './agreementFollower';
import { AgreementPlan, PublicationPlan, RouteRules } from './agreementPlan';
import { ContractDriftError, SourceDatabaseError } from './cdcErrors';
import { cdcMetrics } from './cdcMetrics';
import { ChangeEvent } from './changeEvent';
import { ChangePublisher } from './changePublisher';
import { ChangeRouter } from './changeRouter';
import { ChangeSink } from './changeSink';
import { ProducerState } from './producerState';
import type { ProviderKeys } from './providerKeys';
import { PublishingPipeline } from './publishingPipeline';
import { PublishRoute } from './publishRoute';
import { RouteFloors } from './routeFloors';
import { RouteProvisioner } from './routeProvisioner';
import { planTransitions } from './scopeTransitions';
import { SnapshotCoordinator } from './snapshotCoordinator';
import { SenderThread } from './senderThread';
import { SerialQueries } from './serialQueries';
import { SlotMonitor } from './slotMonitor';
import { StreamingSource } from './streamingSource';
import { readRelation } from './tableRelation';
import { TableState, TableStates } from './tableState';
import { routeSealer } from './fieldSealing';
import { WatermarkEmitter } from './watermarkEmitter';

export type { AgreementSource } from './agreementFollower';

export interface CdcProducerOptions {
  ministry: Ministry;
  pgUrl: string;
  kafkaBrokers: string[];
  registryUrl: string;
  contracts: ContractRegistry;
  /** The agreements in which this ministry's bodies provide decide what is published, where, signed by whom. */
  agreements: AgreementSource;
  /** The provider bodies' signing keys held here. */
  keys: ProviderKeys;
  log: Logger;
  /** Schema of the ministry's own exchanged tables. Partner stores live elsewhere and are never published. */
  sourceSchema?: string;
  slotName?: string;
  publicationName?: string;
  partitions?: number;
  /** Topics are `<prefix>.<ministry>.<agreement>.<entity>` (default prefix `thahs`); tests use their own prefix. */
  topicPrefix?: string;
  heartbeatMs?: number;
  /** How often the agreements are read again (default 5 s). */
  agreementPollMs?: number;
  /** Upper bound of events per Kafka request. */
  publishBatch?: number;
  /** Called after Kafka acknowledged events, with the number of source changes they completed (benchmarks). */
  onAcked?: (events: readonly ChangeEvent[], ackedAtMs: number, sourceChanges: number) => void;
}

/**
 * Events per handler call and Kafka request. With the sender thread encoding one batch while the main
 * thread prepares the next, 2,000 ran as fast as 4,000 within this machine's noise (14.1–18.4k vs
 * 12.4–17.2k events/s, alternating runs) with ~40 MB less RSS at the same heap settings: kafkajs builds
 * each request in several doubling buffers.
 */
const PUBLISH_BATCH = 2000;
/** Least time between two looks at what the agreements ask, re-snapshot and re-publication requests, at transaction boundaries. */
const BOUNDARY_CHECK_MS = 1000;
/** After losing a server, the first attempt to start again comes after this, then doubling up to RESTART_MAX_MS. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
const NO_PLAN = PublicationPlan.empty();

/**
 * One ministry's change-data-capture producer, wiring its stages: the streaming source (the slot) and
 * the sink it hands changes to (ChangeSink: binding tables, parking, stopping a drifting one), the
 * agreement follower (the publication plan, taken at transaction boundaries), the per-agreement mapping
 * (ChangeRouter: entity list, row filter, projection of each agreement version in force at the
 * change's commit time), the publishing pipeline (encode, sign with the agreement's
 * provider key, send, then confirm the slot), the snapshot source (backfills when an agreement takes
 * effect, widens or resumes; re-snapshots; re-publications), and slot monitoring with heartbeats.
 * Only what an agreement in force allows leaves the provider; with no agreement nothing of an entity is
 * published, and the slot still advances. The slot's confirmed position moves only after Kafka has
 * acknowledged every event before it, so a crash at any point loses nothing (it may repeat events,
 * which consumers recognise by their position).
 */
export class CdcProducer implements PipelineService {
  readonly name: string;
  private readonly schema: string;
  private readonly slot: string;
  private readonly publication: string;
  private readonly prefix: string;
  private db?: Client;
  /** Every statement on `db` goes through this: the stream, the slot monitor's timers and the snapshots share it. */
  private control?: SerialQueries;
  private state?: ProducerState;
  private tables?: TableStates;
  private source?: StreamingSource;
  private sender?: SenderThread;
  private publisher?: ChangePublisher;
  private pipeline?: PublishingPipeline;
  private provisioner?: RouteProvisioner;
  private monitor?: SlotMonitor;
  private watermarks?: WatermarkEmitter;
  private router?: ChangeRouter;
  private follower?: AgreementFollower;
  private readonly floors = new RouteFloors();
  private snapshots?: SnapshotCoordinator;
  private sourceEpoch = '';
  private running = false;
  private stopped = false;
  private restarting?: Promise<void>;
  private wake?: () => void;
  private lastBoundaryCheck = 0;
  private confirmedLsn = 0n;

  constructor(private readonly o: CdcProducerOptions) {
    this.name = `cdc-producer-${o.ministry}`;
    this.schema = o.sourceSchema ?? 'thahs';
    this.slot = o.slotName ?? `thahs_cdc_${o.ministry}`;
    this.publication = o.publicationName ?? `thahs_exchange_${o.ministry}`;
    this.prefix = o.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  }

  healthy(): boolean {
    return this.running && (this.source?.streaming() ?? false);
  }

  private entities(): string[] {
    return this.o.contracts
      .list()
      .filter((c) => c.providers.includes(this.o.ministry))
      .map((c) => c.entity);
  }

  /**
   * Starts streaming. A start that fails (a server unreachable, a bad setting) throws, so a supervisor
   * can say so; once running, losing a server — the source database, Kafka, the registry — for any
   * length of time is ridden out: the producer closes everything, waits with backoff (alarming while it
   * waits: /health, thahs_cdc_restarts_total, a log line at the first and then every tenth attempt) and
   * starts again from the slot's last confirmed position, so nothing is lost and what repeats is
   * recognised by its position.
   */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.open();
    } catch (err) {
      // The sender thread would keep the process alive after a failed start, and the control connection
      // would stay open in the source database.
      await this.close();
      throw err;
    }
  }

  /** Something this producer depends on failed while it ran: close, then open again with backoff until it works or stop() is called. */
  private fail(err: unknown, where: string): void {
    if (this.stopped || this.restarting) return;
    this.running = false;
    cdcMetrics.restarts.inc({ ministry: this.o.ministry });
    this.o.log.error('cdc producer lost a server it depends on; it starts again from the slot once the server answers', {
      ministry: this.o.ministry,
      slot: this.slot,
      where,
      error: (err as Error).message,
    });
    this.restarting = this.restartLoop().finally(() => {
      this.restarting = undefined;
    });
  }

  private async restartLoop(): Promise<void> {
    await this.close();
    let wait = RESTART_FIRST_MS;
    for (let attempt = 1; !this.stopped; attempt++) {
      await this.pause(wait);
      if (this.stopped) return;
      try {
        await this.open();
        this.o.log.info('cdc producer streaming again', { ministry: this.o.ministry, slot: this.slot, attempts: attempt });
        return;
      } catch (err) {
        await this.close();
        if (attempt % 10 === 1)
          this.o.log.warn('cdc producer could not start again yet; retrying with backoff', { ministry: this.o.ministry, attempt, retryInMs: wait, error: (err as Error).message });
        wait = Math.min(wait * 2, RESTART_MAX_MS);
      }
    }
  }

  /** Waits `ms`, or less when stop() is called meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      setTimeout(resolve, ms);
    });
  }

  private async open(): Promise<void> {
    const { ministry, log } = this.o;
    this.follower = undefined;
    this.lastBoundaryCheck = 0;
    const db = new Client({ connectionString: this.o.pgUrl, application_name: `${this.name}-control` });
    this.db = db;
    // A lost connection emits 'error'; unheard, it would end the process.
    db.on('error', (err) => this.fail(err, 'control connection'));
    await db.connect();
    const control = new SerialQueries(db);
    this.control = control;
    await control.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
    const encoding = (await control.query<{ server_encoding: string }>('SHOW server_encoding')).rows[0].server_encoding;
    if (encoding !== 'UTF8') throw new SourceDatabaseError(ministry, `its encoding is ${encoding}; exchanged text is UTF-8 and is copied from the WAL as it is`);
    const state = new ProducerState(control);
    this.state = state;
    await state.ensure();
    const entities = this.entities();
    const tables = new TableStates(this.o.contracts, entities);
    this.tables = tables;
    for (const [entity, reason] of await state.stoppedTables()) {
      const t = tables.entity(entity);
      if (t) t.stopped = reason;
    }
    for (const f of await state.routeFloors()) this.floors.setRoute(f.agreementId, f.entity, parseLsn(f.floor));
    for (const f of await state.keyFloors()) this.floors.setKeys(f.agreementId, f.entity, [f.id], parseLsn(f.floor));

    // REPLICA IDENTITY FULL: an update then carries the old row, whose values stand in for unchanged
    // TOAST columns and tell whether the row was inside an agreement's filter before.
    for (const e of entities) await control.query(`ALTER TABLE "${this.schema}"."${e}" REPLICA IDENTITY FULL`);
    // TRUNCATE is not published: it carries no keys. Reconciliation reports what it would leave behind.
    await ensurePublication(
      control,
      this.publication,
      entities.map((table) => ({ schema: this.schema, table })),
      ['insert', 'update', 'delete'],
    );

    const kafka = createKafka(this.name, this.o.kafkaBrokers, log);
    // TLS and credentials of the registry from the settings (the secure profile, a deployment), at the URL given.
    const registry = new SchemaRegistry(registryClientArgs(registryAccess({ ...loadConfig(), registryUrl: this.o.registryUrl })));
    this.provisioner = new RouteProvisioner(kafka, registry, this.o.partitions ?? 3);
    this.sender = await this.startSender();
    const provisioner = this.provisioner;
    this.publisher = new ChangePublisher(ministry, this.sender, undefined, (topic) => provisioner.partitionsOf(topic));
    const follower = new AgreementFollower({
      ministry,
      agreements: this.o.agreements,
      contracts: this.o.contracts,
      prefix: this.prefix,
      provisioner,
      limitRequests: (bytes) => this.publisher?.limitRequests(bytes),
      log,
      pollMs: this.o.agreementPollMs ?? 5000,
    });
    this.follower = follower;
    this.pipeline = new PublishingPipeline({
      ministry,
      publisher: this.publisher,
      confirm: (lsn) => this.confirm(lsn),
      log,
      onAcked: this.o.onAcked,
    });
    this.snapshots = new SnapshotCoordinator({
      ministry,
      pgUrl: this.o.pgUrl,
      name: this.name,
      schema: this.schema,
      db: control,
      state,
      tables,
      floors: this.floors,
      pipeline: this.pipeline,
      log,
      sourceEpoch: () => this.sourceEpoch,
      plan: () => follower.plan,
      latestPlan: () => follower.latestPlan(),
      compile: (table, a, rules) => this.compile(table, a, rules),
    });
    await this.snapshots.load();
    const sink = new ChangeSink({
      ministry,
      schema: this.schema,
      tables,
      state,
      router: () => this.router!,
      pipeline: this.pipeline,
      boundary: () => this.atBoundary(),
      log,
    });

    // Start-up drift check: every contract field must exist in its table with a mappable type.
    for (const t of tables.all()) {
      const rel = await readRelation(control, this.schema, t.entity);
      if (!rel) {
        await sink.stopTable(t, new ContractDriftError(ministry, t.entity, '*', 'the table does not exist'));
        continue;
      }
      sink.bind(rel);
    }

    this.source = new StreamingSource({
      pgUrl: this.o.pgUrl,
      slot: this.slot,
      publication: this.publication,
      applicationName: this.name,
      batch: this.o.publishBatch ?? PUBLISH_BATCH,
      log,
    });
    await this.dropSlotIfWalLost();
    const { slot, systemId } = await this.source.open();
    this.sourceEpoch = systemId;
    if (slot.created && this.snapshots.published.size > 0) await this.slotLost();
    this.router = new ChangeRouter({ ministry, sourceEpoch: systemId, floors: this.floors, compile: (table, a, rules) => this.compile(table, a, rules) }, follower.plan);
    // What the agreements ask is brought about before the first streamed change is routed: the first
    // backfills' floors then already stand.
    await follower.follow();
    await this.atBoundary(true);
    await this.source.start(sink);
    const source = this.source;
    void source.finished?.catch((err: unknown) => {
      if (this.source === source) this.fail(err, 'replication stream');
    });
    this.running = true;
    this.monitor = new SlotMonitor({
      ministry,
      slot: this.slot,
      db: control,
      log,
      heartbeatMs: this.o.heartbeatMs,
      queued: () => this.source?.queued() ?? 0,
      lastAckedCommitUs: () => this.pipeline?.lastAckedCommitUs ?? 0,
      running: () => this.running,
    });
    this.monitor.start();
    // Signed per-partition watermarks at the heartbeat interval: receivers alarm on events withheld at a partition's end.
    this.watermarks = new WatermarkEmitter({
      ministry,
      kafka,
      prefix: this.prefix,
      keys: this.o.keys,
      log,
      intervalMs: this.o.heartbeatMs ?? 10_000,
      plan: () => follower.plan,
      run: () => (this.pipeline && this.publisher ? { run: this.publisher.sequencer.run, acked: this.pipeline.acked, lastCommitUs: this.pipeline.lastAckedCommitUs } : undefined),
      sourceEpoch: () => this.sourceEpoch,
    });
    this.watermarks.start();
    follower.start();
    log.info('cdc producer streaming', {
      ministry,
      slot: this.slot,
      slotCreated: slot.created,
      publication: this.publication,
      sourceEpoch: systemId,
      agreements: follower.plan.agreements.map((a) => a.agreementId),
      stoppedTables: [...tables.all()].filter((t) => t.stopped !== undefined).map((t) => t.entity),
    });
  }

  /**
   * A slot whose WAL max_slot_wal_keep_size removed can never stream again: it is dropped, and the
   * slot made afresh is handled as a lost one (below).
   */
  private async dropSlotIfWalLost(): Promise<void> {
    const r = await this.control!.query<{ wal_status: string | null }>('SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [this.slot]);
    if (r.rows[0]?.wal_status !== 'lost') return;
    this.o.log.error('replication slot WAL lost (max_slot_wal_keep_size): the slot is dropped and made again', { ministry: this.o.ministry, slot: this.slot });
    await this.control!.query('SELECT pg_drop_replication_slot($1)', [this.slot]);
  }

  /**
   * The slot had to be created although this producer has published before: it was dropped (or its
   * WAL lost), so the changes made meanwhile were never streamed. Every published table is
   * re-snapshotted at the first transaction boundary (the operators' re-snapshot path): the partner
   * stores get every row in scope as it is now. Rows deleted meanwhile leave no trace a snapshot can
   * read, so the alarm stays raised (thahs_cdc_slots_lost_total, the status alarm slot-lost) until a
   * person has run reconcile.
   */
  private async slotLost(): Promise<void> {
    const entities = [...new Set([...this.snapshots!.published.values()].filter((s) => s.state !== 'inactive').map((s) => s.entity))].sort();
    cdcMetrics.slotsLost.inc({ ministry: this.o.ministry, slot: this.slot });
    this.o.log.error('replication slot lost: changes made while it was missing were not streamed; every published table is re-snapshotted', {
      ministry: this.o.ministry,
      slot: this.slot,
      entities,
    });
    for (const e of entities) await this.state!.requestSnapshot(e);
  }

  private startSender(): Promise<SenderThread> {
    return SenderThread.start({ clientId: this.name, brokers: this.o.kafkaBrokers, service: this.name, logLevel: this.o.log.level });
  }

  /**
   * An ended agreement's topics are deleted from the platform by its receiver (element 10). kafkajs asks
   * the broker for the metadata of every topic its producer ever sent to, and a deleted one makes every
   * later metadata refresh fail: once the plan stops publishing to a topic, the sender thread is
   * started afresh (after the sends in flight are acknowledged), with a client that never knew it.
   */
  private async retireEndedTopics(now: number): Promise<void> {
    const live = new Set<string>();
    for (const a of this.plan().agreements) if (!a.ended(now)) for (const e of a.entities) live.add(a.topic(e));
    const ended = [...this.publisher!.sentTopics].filter((t) => !live.has(t));
    if (ended.length === 0) return;
    await this.pipeline!.drain();
    const old = this.sender!;
    this.sender = await this.startSender();
    this.publisher!.useSender(this.sender);
    await old.stop();
    this.o.log.info('sender restarted without the topics of ended agreements', { ministry: this.o.ministry, topics: ended.length });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.restarting;
    await this.close();
  }

  /** Releases what open() took, whatever state it is in; errors of servers already gone are ignored. */
  private async close(): Promise<void> {
    this.running = false;
    this.follower?.stop();
    this.monitor?.stop();
    await this.watermarks?.stop();
    await this.pipeline?.settle().catch(() => undefined);
    const source = this.source;
    this.source = undefined;
    await source?.stop().catch(() => undefined);
    await this.sender?.stop().catch(() => undefined);
    this.sender = undefined;
    await this.db?.end().catch(() => undefined);
    this.db = undefined;
    this.control = undefined;
    this.pipeline = undefined;
  }

  private confirm(lsn: Lsn): void {
    // A send acknowledged after the stream closed (stop, restart): nothing to confirm to; the slot keeps
    // the last confirmed position and the next stream re-publishes from there (seen as 'publishing failed').
    if (!this.source) return;
    this.source.confirm(lsn);
    if (lsn > this.confirmedLsn) this.confirmedLsn = lsn;
  }

  // ---- following the agreements ----------------------------------------------------------------

  /** The plan in force on the stream (none before open() has read the agreements). */
  private plan(): PublicationPlan {
    return this.follower?.plan ?? NO_PLAN;
  }

  private canSign(rules: RouteRules): boolean {
    return this.o.keys.find(rules.providerKeyIds) !== undefined && routeSealer(rules, this.o.keys) !== null;
  }

  private compile(table: TableState, _a: AgreementPlan, rules: RouteRules): PublishRoute | null {
    if (!table.binding) return null;
    const schemas = this.provisioner!.encoderFor(rules);
    if (!schemas) return null;
    // A version sealing fields whose receiver key is not here publishes nothing, as one without a signing key.
    const sealer = routeSealer(rules, this.o.keys);
    return new PublishRoute(rules, table.binding, schemas, sealer === null ? undefined : this.o.keys.find(rules.providerKeyIds), sealer ?? undefined);
  }

  // ---- between transactions ----------------------------------------------------------------------

  /** Between transactions (the sink's boundary): a new plan and what it asks, operators' re-snapshot requests, re-publications. */
  private async atBoundary(force = false): Promise<void> {
    const failure = this.pipeline?.failed;
    if (failure) throw failure;
    const now = Date.now();
    const follower = this.follower!;
    if (!force && !follower.hasPending() && now - this.lastBoundaryCheck < BOUNDARY_CHECK_MS) return;
    this.lastBoundaryCheck = now;
    const next = follower.takePending();
    if (next) {
      this.router!.use(next);
      for (const t of this.tables!.all()) t.resetRoutes();
    }
    await this.retireEndedTopics(now);
    const snapshots = this.snapshots!;
    await snapshots.applyTransitions(planTransitions(follower.plan, snapshots.published, now, (r) => this.canSign(r)));
    for (const entity of await this.state!.snapshotRequests()) await snapshots.resnapshot(entity);
    const requests = await this.state!.pendingRepublish();
    if (requests.length > 0) await snapshots.republish(requests);
    if (this.floors.hasKeyFloors && this.confirmedLsn > 0n) {
      this.floors.dropKeysBelow(this.confirmedLsn);
      await this.state!.dropKeyFloorsBelow(formatLsn(this.confirmedLsn));
    }
    this.reportRoutes();
  }

  private reportRoutes(): void {
    const counts = { active: 0, parked: 0, inactive: 0 };
    for (const s of this.snapshots!.published.values()) counts[s.state]++;
    for (const [state, n] of Object.entries(counts)) cdcMetrics.routes.set({ ministry: this.o.ministry, state }, n);
  }
}
