import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Pool, PoolClient } from 'pg';
import type { AgreementState } from '../../libs/agreements';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { agreementTopic, applyGroupId, DEFAULT_TOPIC_PREFIX, dlqTopic } from '../../libs/contracts/agreementTopics';
import { createKafka, ensureTopics } from '../../libs/kafka';
import type { Logger } from '../../libs/logger';
import { assertDatabaseMinistry } from '../../libs/model/migrate';
import { checkPartnerSchema, DeadLetterRecord, PartnerStore, StoreChange } from '../../libs/partner-store';
import { EventVerifier, PublicKeyRing, SigningKey } from '../../libs/signing';
import { PipelineService } from '../supervisor/pipelineService';
import { ApplyConsumerError } from './applyConsumerError';
import { applyMetrics } from './applyMetrics';
import { reduceToNewest } from './batchReduction';
import { deadLetterMessage, deadLetterRecord, RawEvent } from './deadLetterMessage';
import type { DeletionRecord } from './deletionRecord';
import { deletionRecordMessage } from './deletionRecordMessage';
import { Assessment, EventAssessor } from './eventAssessor';
import { isRowDataError } from './eventRejection';
import type { PolicyResolver } from './policyResolver';
import { registrySchemaSource, SchemaSource } from './schemaSource';
import { ApplyGate } from './applyGate';
import { ScopeEnforcer } from './scopeEnforcer';
import { WireDecoder } from './wireDecoder';

/**
 * What the broker gathers for a fetch before answering (or until fetchWaitMs), and the most it returns
 * per partition: during a backlog each partition's share fills whole database transactions of
 * applyBatchSize events. Every transaction costs the receiver's PostgreSQL a commit (a WAL flush) and
 * its statements' fixed work: with 1 MiB fetches (chunks of ~450–1,000 events) the receiver's
 * backends spent 3.8–4.3 CPU-s per 100,000 events in alternating runs where 4 MiB ones spent 1.4–3.4
 * (docs/benchmarks.md). At moderate rates fetchWaitMs answers first, so latency does not change.
 */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Offsets reach Kafka at most this often. Each commit is a request and an append to
 * __consumer_offsets; one per chunk cost the consumer and the broker more than a few hundred events.
 * Offsets are only ever those of chunks the store has committed, so a crash repeats at most this
 * much, which the position check makes harmless.
 */
const OFFSET_COMMIT_INTERVAL_MS = 1000;

/** Purges and deletions the agreement requires of the receiver (Art. 12 (9)-(10), Art. 13); see ScopeEnforcer. */
export interface ApplyEnforcementOptions {
  /** The agreement's signed history as known now, e.g. `() => policy.current`. */
  state(): AgreementState | null;
  /** The receiver's key (libs/signing): signs the deletion records. */
  signingKey: SigningKey;
  /** Where deletion records go to the provider; default `<prefix>.deletion-records`. */
  topic?: string;
  /** How often what is due is looked at; default one minute. */
  everyMs?: number;
  /** Least time between two retention sweeps; default one hour. */
  retentionEveryMs?: number;
}

export interface ApplyConsumerOptions {
  /** The ministry whose database receives (holds the partner store). */
  receiver: Ministry;
  /** The ministry whose events are applied. */
  provider: Ministry;
  /** The agreement this consumer applies; names the consumer group and labels every record. */
  agreementId: string;
  /** Entities to subscribe to (the agreement's topics `<prefix>.<provider>.<agreement>.<entity>`). */
  entities: readonly string[];
  policy: PolicyResolver;
  contracts: ContractRegistry;
  /** Public keys trusted for the provider's events; the policy further restricts which may sign. */
  providerKeys: PublicKeyRing;
  /** The receiver's database. */
  pgUrl: string;
  kafkaBrokers: string[];
  registryUrl: string;
  log: Logger;
  /** Default `partner_<provider>`. */
  partnerSchema?: string;
  /** Default `thahs`; tests use their own. */
  topicPrefix?: string;
  /** Default `<prefix>-apply-<agreementId>-<receiver>` (applyGroupId); a new group replays the topics from the start. */
  groupId?: string;
  /** Most events written in one database transaction. */
  applyBatchSize?: number;
  /** Partitions applied at the same time, each in its own transaction (default 2). */
  partitionsConcurrently?: number;
  /** Longest time the broker holds a fetch while gathering FETCH_MAX_BYTES (default 100 ms; THAHS_APPLY_FETCH_WAIT_MS). */
  fetchWaitMs?: number;
  /** Offsets of applied chunks are committed to Kafka at most this often (default 1,000 ms). */
  offsetCommitIntervalMs?: number;
  dlqPartitions?: number;
  /** Where schemas are looked up by id; default the registry at registryUrl. */
  schemaSource?: SchemaSource;
  /**
   * Runs the ScopeEnforcer on start (before anything is applied) and then every `everyMs`, so a
   * narrowed scope, a retention period or the end of the agreement is acted upon without an operator.
   * Without it nothing is purged: only for tests of the apply path alone.
   */
  enforcement?: ApplyEnforcementOptions;
}

/** Counts since start, for operators and tests. */
export interface ApplyStats {
  received: number;
  applied: number;
  superseded: number;
  stale: number;
  withheld: number;
  deadLettered: number;
}

type LabelCounts = Map<string, { labels: Record<string, string>; n: number }>;

/**
 * Counts one event under (entity, detail); the labels object is built once per group, not per event
 * (a spread and a JSON key per event were a visible share of the consumer's CPU).
 */
function bump(m: LabelCounts, entity: string, detail: string, labels: () => Record<string, string>): void {
  const k = `${entity}\u0000${detail}`;
  const e = m.get(k);
  if (e) e.n++;
  else m.set(k, { labels: labels(), n: 1 });
}

/**
 * Applies one agreement's events from the provider's topics to the partner store in the receiver's
 * database. Per batch: every event is authenticated, decoded and checked, then the agreement version in
 * force at its commit time projects and filters it (none in force: withheld); the batch is reduced to
 * the newest change per key and written in one transaction with the update log and the dead letters;
 * only then are the Kafka offsets committed. A crash anywhere repeats work but never applies an older
 * state over a newer one, so the effect is exactly once.
 */
export class ApplyConsumer implements PipelineService {
  readonly name: string;
  readonly groupId: string;
  readonly dlqTopic: string;
  private readonly prefix: string;
  private readonly schema: string;
  private readonly store: PartnerStore;
  private readonly assessor: EventAssessor;
  private pool?: Pool;
  private consumer?: Consumer;
  private producer?: Producer;
  private running = false;
  private crashed = false;
  private enforcer?: ScopeEnforcer;
  private enforceTimer?: NodeJS.Timeout;
  private enforcing = false;
  /** Per topic-partition, the next offset after the last chunk the store committed, not yet committed to Kafka. */
  private readonly pendingOffsets = new Map<string, { topic: string; partition: number; offset: string }>();
  private committingOffsets?: Promise<void>;
  private offsetTimer?: NodeJS.Timeout;
  /** Set when stop() begins: no new chunk starts, so the last offsets can be committed before kafkajs stops. */
  private stopping = false;
  private readonly latencyByEntity = new Map<string, { observe(v: number): void }>();
  /** Applying a chunk and enforcing the scope never interleave: a purge must not fall between an event's assessment and its write. */
  private readonly gate = new ApplyGate();
  private readonly counts: ApplyStats = { received: 0, applied: 0, superseded: 0, stale: 0, withheld: 0, deadLettered: 0 };

  constructor(private readonly o: ApplyConsumerOptions) {
    this.prefix = o.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
    this.groupId = o.groupId ?? applyGroupId(this.prefix, o.agreementId, o.receiver);
    this.name = `apply-consumer-${o.agreementId}-${o.receiver}`;
    this.dlqTopic = dlqTopic(this.prefix, o.receiver, o.agreementId);
    if (o.provider === o.receiver) throw new ApplyConsumerError(o.agreementId, this.groupId, `provider and receiver are both ${o.receiver}`);
    this.schema = checkPartnerSchema(o.partnerSchema ?? `partner_${o.provider}`, o.provider);
    this.store = new PartnerStore({
      schema: this.schema,
      identity: { receiver: o.receiver, provider: o.provider, agreementId: o.agreementId, consumerGroup: this.groupId },
      contract: (entity) => o.contracts.get(entity),
    });
    const ring = o.providerKeys;
    this.assessor = new EventAssessor({
      provider: o.provider,
      agreementId: o.agreementId,
      topicPrefix: this.prefix,
      contracts: o.contracts,
      verifier: new EventVerifier((keyId) => ring.get(keyId)),
      decoder: new WireDecoder(o.schemaSource ?? registrySchemaSource(o.registryUrl)),
      policy: o.policy,
    });
  }

  healthy(): boolean {
    return this.running && !this.crashed;
  }

  stats(): Readonly<ApplyStats> {
    return { ...this.counts };
  }

  /** The agreement's topics of the entities it shares: the provider publishes nothing else to them. */
  topics(): string[] {
    return this.o.entities.map((e) => agreementTopic(this.prefix, this.o.provider, this.o.agreementId, e));
  }

  async start(): Promise<void> {
    try {
      await this.open();
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  private async open(): Promise<void> {
    const { log, agreementId } = this.o;
    this.stopping = false;
    if (this.o.entities.length === 0) throw new ApplyConsumerError(agreementId, this.groupId, 'no entity to consume');
    for (const e of this.o.entities) {
      if (!this.o.contracts.has(e)) throw new ApplyConsumerError(agreementId, this.groupId, `entity ${e} has no contract`);
      if (!this.o.contracts.get(e).providers.includes(this.o.provider)) throw new ApplyConsumerError(agreementId, this.groupId, `${this.o.provider} does not publish ${e}`);
    }
    // The access-audit collector recognises the consumer's guarded writes (which read the rows they
    // replace) by this name and the role (THAHS_ACCESS_AUDIT_OWN_SESSIONS).
    this.pool = new Pool({ connectionString: this.o.pgUrl, max: (this.o.partitionsConcurrently ?? 2) + 1, application_name: `thahs-${this.name}` });
    this.pool.on('error', (err) => log.warn('idle database connection failed', { group: this.groupId, error: err.message }));
    await this.withClient(async (c) => {
      await this.checkReceiverDatabase(c);
      await this.store.init(c);
    });

    const kafka = createKafka(this.name, this.o.kafkaBrokers, log);
    await this.checkTopics(kafka);
    await ensureTopics(kafka, [{ topic: this.dlqTopic, partitions: this.o.dlqPartitions ?? 1, cleanup: 'delete' }]);
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    await this.openEnforcement(kafka);
    // A fetch answered with the first few events costs as many requests, offset commits and transactions
    // as it carries little; the broker waits for FETCH_MAX_BYTES, or fetchWaitMs at most.
    this.consumer = kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false, minBytes: FETCH_MAX_BYTES, maxBytesPerPartition: FETCH_MAX_BYTES, maxWaitTimeInMs: this.o.fetchWaitMs ?? 100 });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      // Offsets of partitions this member no longer holds are the new owner's to commit.
      const held = new Set(Object.entries(e.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)));
      for (const k of [...this.pendingOffsets.keys()]) if (!held.has(k)) this.pendingOffsets.delete(k);
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      log.error('consumer crashed', { group: this.groupId, error: e.payload.error.message, restart: e.payload.restart });
      if (!e.payload.restart) this.crashed = true;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics(), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions hold disjoint keys: while one waits on its transaction, another verifies and decodes.
      partitionsConsumedConcurrently: this.o.partitionsConcurrently ?? 2,
      eachBatch: (p) => this.onBatch(p),
    });
    this.offsetTimer = setInterval(() => void this.flushOffsets(), this.o.offsetCommitIntervalMs ?? OFFSET_COMMIT_INTERVAL_MS);
    this.running = true;
    log.info('apply consumer running', { group: this.groupId, agreement: agreementId, provider: this.o.provider, receiver: this.o.receiver, schema: this.schema, topics: this.topics() });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearInterval(this.enforceTimer);
    this.enforceTimer = undefined;
    clearInterval(this.offsetTimer);
    // The chunk in progress finishes its transaction; its offsets go out while the consumer can still
    // commit (kafkajs drops commits once stopped). disconnect() then lets the batch in progress end.
    await this.gate.exclusive(async () => undefined);
    await this.flushOffsets();
    await this.consumer?.disconnect();
    // Whatever purge is still running finishes before the connections close.
    await this.gate.exclusive(async () => undefined);
    await this.producer?.disconnect();
    await this.pool?.end();
    this.consumer = undefined;
    this.producer = undefined;
    this.pool = undefined;
  }

  /** The topic deletion records are sent to. */
  get deletionTopic(): string {
    return this.o.enforcement?.topic ?? `${this.prefix}.deletion-records`;
  }

  /** Performs what the agreement makes due at `now` (also run on start and periodically); returns the deletion records written. */
  async enforceNow(now: Date = new Date()): Promise<DeletionRecord[]> {
    const enforcer = this.enforcer;
    if (!enforcer) return [];
    return this.gate.exclusive(() => enforcer.runDue(now));
  }

  private async openEnforcement(kafka: Kafka): Promise<void> {
    const e = this.o.enforcement;
    if (!e) return;
    // One partition, compacted, keyed by record id: every record stays, in the order written.
    await ensureTopics(kafka, [{ topic: this.deletionTopic, partitions: 1, cleanup: 'compact' }]);
    this.enforcer = new ScopeEnforcer(this.pool!, {
      receiver: this.o.receiver,
      provider: this.o.provider,
      agreementId: this.o.agreementId,
      schema: this.schema,
      state: e.state,
      contracts: this.o.contracts,
      signingKey: e.signingKey,
      publish: (r) => this.publishDeletionRecord(r),
      log: this.o.log,
      onColumnsDropped: (entity) => this.store.forgetColumns(entity),
      retentionEveryMs: e.retentionEveryMs,
      deleteTopics: () => this.deletePlatformTopics(kafka),
    });
    await this.enforceNow();
    this.enforceTimer = setInterval(() => this.enforcePeriodically(), e.everyMs ?? 60_000);
  }

  private enforcePeriodically(): void {
    if (this.enforcing || !this.running) return;
    this.enforcing = true;
    this.enforceNow()
      .catch((err: Error) => this.o.log.error('scope enforcement failed; retried at the next interval', { group: this.groupId, agreement: this.o.agreementId, error: err.message }))
      .finally(() => {
        this.enforcing = false;
      });
  }

  /**
   * Element (10) on the platform: the agreement's event topics and this receiver's dead-letter topic of
   * it are deleted, after fetching from them stops. The provider never creates them again for an
   * agreement that has ended. A topic already gone counts as deleted.
   */
  private async deletePlatformTopics(kafka: Kafka): Promise<string[]> {
    const topics = [...this.topics(), this.dlqTopic];
    this.consumer?.pause(this.topics().map((topic) => ({ topic })));
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const present = topics.filter((t) => existing.has(t));
      if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 });
      this.o.log.info('agreement topics deleted from the platform', { group: this.groupId, agreement: this.o.agreementId, topics: present.length });
      return topics;
    } finally {
      await admin.disconnect();
    }
  }

  private async publishDeletionRecord(record: DeletionRecord): Promise<void> {
    await this.producer!.send({ topic: this.deletionTopic, acks: -1, messages: [deletionRecordMessage(record)] });
  }

  private async checkReceiverDatabase(c: PoolClient): Promise<void> {
    const r = await c.query<{ present: boolean }>("SELECT to_regclass('thahs_meta.database_ministry') IS NOT NULL AS present");
    // A database with the ministry model must belong to the receiver; one without it holds only partner data.
    if (r.rows[0]?.present) await assertDatabaseMinistry((sql, params) => c.query(sql, params).then((x) => x.rows), this.o.receiver, this.o.pgUrl);
  }

  private async checkTopics(kafka: Kafka): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = this.topics().filter((t) => !existing.has(t));
      if (missing.length > 0) {
        throw new ApplyConsumerError(this.o.agreementId, this.groupId, `provider topics do not exist yet (start the ${this.o.provider} producer first): ${missing.join(', ')}`, missing[0]);
      }
    } finally {
      await admin.disconnect();
    }
  }

  private async withClient<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool!.connect();
    let broken = false;
    try {
      return await fn(c);
    } catch (err) {
      // A refused row leaves the connection sound; anything else may have broken it, so it is not reused.
      broken = !isRowDataError(err);
      throw err;
    } finally {
      c.release(broken);
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const size = this.o.applyBatchSize ?? 1000;
    for (let i = 0; i < batch.messages.length; i += size) {
      if (!isRunning() || isStale() || this.stopping) return;
      const chunk = batch.messages.slice(i, i + size);
      await this.gate.shared(() => this.applyChunk(batch.topic, batch.partition, chunk));
      const last = chunk[chunk.length - 1].offset;
      resolveOffset(last);
      // Sent by the offset timer, with every other partition's.
      this.pendingOffsets.set(`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() });
      const lag = BigInt(batch.highWatermark) - 1n - BigInt(last);
      applyMetrics.lag.set({ group: this.groupId, topic: batch.topic, partition: String(batch.partition) }, Number(lag > 0n ? lag : 0n));
      await heartbeat();
    }
  }

  /**
   * Commits every pending offset, one request for all partitions; concurrent callers share it. The
   * shared promise is cleared in a continuation, never synchronously: a flush with nothing to send
   * completes at once, and clearing it inside would run before the assignment and leave a settled
   * promise in place that made every later flush a no-op (found by applyCrash.test.ts).
   */
  private flushOffsets(): Promise<void> {
    if (this.committingOffsets) return this.committingOffsets;
    const run = this.commitPendingOffsets();
    this.committingOffsets = run;
    void run.finally(() => {
      if (this.committingOffsets === run) this.committingOffsets = undefined;
    });
    return run;
  }

  private async commitPendingOffsets(): Promise<void> {
    while (this.pendingOffsets.size > 0 && this.consumer) {
      const offsets = [...this.pendingOffsets.values()];
      this.pendingOffsets.clear();
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (err) {
        // The store is already ahead, so nothing is lost: tried again on the next flush unless a newer
        // offset arrived meanwhile or a rebalance took the partition (GROUP_JOIN drops those). Until
        // then a restart repeats events, which changes nothing.
        this.o.log.warn('offset commit failed after the store commit; retried on the next flush', { group: this.groupId, partitions: offsets.length, error: (err as Error).message });
        for (const o of offsets) {
          const k = `${o.topic}/${o.partition}`;
          if (!this.pendingOffsets.has(k)) this.pendingOffsets.set(k, o);
        }
        return;
      }
    }
  }

  private async applyChunk(topic: string, partition: number, messages: KafkaMessage[]): Promise<void> {
    const events: RawEvent[] = messages.map((m) => ({ topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {} }));
    const assessed: Assessment[] = await this.assessor.assessAll(events);
    await this.write(assessed);
    this.counts.received += messages.length;
  }

  /**
   * Writes assessed events in one transaction. When the store refuses a value (a row the column cannot
   * hold), the events are written in halves until the culprit stands alone and is dead-lettered, so one
   * bad row never blocks its partition.
   */
  private async write(assessed: Assessment[]): Promise<void> {
    try {
      await this.writeOnce(assessed);
    } catch (err) {
      if (!isRowDataError(err)) throw err;
      if (assessed.length > 1) {
        const half = Math.ceil(assessed.length / 2);
        await this.write(assessed.slice(0, half));
        await this.write(assessed.slice(half));
        return;
      }
      const only = assessed[0];
      if (only?.kind !== 'change') throw err;
      this.o.log.warn('partner store refused a row; dead-lettering the event', { group: this.groupId, topic: only.event.topic, partition: only.event.partition, offset: only.event.offset, sqlState: (err as { code?: string }).code });
      await this.writeOnce([{ kind: 'dead-letter', event: only.event, entity: only.change.entity, reason: 'store-rejected', detail: (err as Error).message }]);
    }
  }

  private async writeOnce(assessed: Assessment[]): Promise<void> {
    const changes = assessed.filter((a): a is Extract<Assessment, { kind: 'change' }> => a.kind === 'change');
    const { newest, superseded } = reduceToNewest(changes, (a) => a.change);
    const dead = assessed.filter((a): a is Extract<Assessment, { kind: 'dead-letter' }> => a.kind === 'dead-letter');
    const raw = new Map<DeadLetterRecord, RawEvent>();
    const deadLetters = dead.map((d) => {
      const rec = deadLetterRecord(d.event, d.reason, d.detail, d.entity);
      raw.set(rec, d.event);
      return rec;
    });
    const fields = new Map<string, Set<string>>();
    for (const { change } of newest) {
      const f = fields.get(change.entity) ?? new Set<string>(['id']);
      if (change.row) for (const k of Object.keys(change.row)) f.add(k);
      fields.set(change.entity, f);
    }
    if (newest.length === 0 && deadLetters.length === 0) {
      // Withheld only: nothing to write, the offsets may move on.
      this.account(assessed, [], [], superseded.map((a) => a.change), []);
      return;
    }
    const result = await this.withClient(async (c) => {
      for (const [entity, f] of fields) await this.store.prepare(c, entity, f);
      return this.store.apply(c, { changes: newest.map((a) => a.change), deadLetters }, (recorded) => this.publishDeadLetters(recorded, raw));
    });
    this.account(assessed, result.applied, result.stale, superseded.map((a) => a.change), result.recordedDeadLetters);
  }

  private async publishDeadLetters(recorded: DeadLetterRecord[], raw: ReadonlyMap<DeadLetterRecord, RawEvent>): Promise<void> {
    if (recorded.length === 0) return;
    const at = new Date();
    await this.producer!.send({
      topic: this.dlqTopic,
      acks: -1,
      messages: recorded.map((d) => deadLetterMessage(raw.get(d)!, d, this.o.agreementId, this.groupId, at)),
    });
  }

  /** The latency histogram's child for an entity, kept: prom-client hashes the labels on every observe otherwise. */
  private latencyOf(entity: string): { observe(v: number): void } {
    let h = this.latencyByEntity.get(entity);
    if (!h) {
      h = applyMetrics.latency.labels({ receiver: this.o.receiver, provider: this.o.provider, entity });
      this.latencyByEntity.set(entity, h);
    }
    return h;
  }

  private account(assessed: Assessment[], applied: StoreChange[], stale: StoreChange[], superseded: StoreChange[], recorded: DeadLetterRecord[]): void {
    const { receiver, provider, agreementId: agreement, log } = this.o;
    const base = (entity: string): Record<string, string> => ({ receiver, provider, entity, agreement });
    const appliedBy: LabelCounts = new Map();
    const skippedBy: LabelCounts = new Map();
    const withheldBy: LabelCounts = new Map();
    const deadBy: LabelCounts = new Map();
    const nowUs = Date.now() * 1000;
    for (const c of applied) {
      const action = c.row === null ? 'delete' : 'upsert';
      bump(appliedBy, c.entity, action, () => ({ ...base(c.entity), action }));
      this.latencyOf(c.entity).observe(Math.max(0, (nowUs - c.commitTsUs) / 1e6));
    }
    for (const c of stale) bump(skippedBy, c.entity, 'stale', () => ({ ...base(c.entity), reason: 'stale' }));
    for (const c of superseded) bump(skippedBy, c.entity, 'superseded', () => ({ ...base(c.entity), reason: 'superseded' }));
    for (const a of assessed) if (a.kind === 'withheld') bump(withheldBy, a.entity, '', () => base(a.entity));
    for (const d of recorded) {
      const entity = d.entity ?? 'unknown';
      bump(deadBy, entity, d.reason, () => ({ ...base(entity), reason: d.reason }));
      log.warn('event dead-lettered', { group: this.groupId, reason: d.reason, topic: d.topic, partition: d.partition, offset: d.offset });
    }
    for (const { labels, n } of appliedBy.values()) applyMetrics.applied.inc(labels, n);
    for (const { labels, n } of skippedBy.values()) applyMetrics.skipped.inc(labels, n);
    for (const { labels, n } of withheldBy.values()) applyMetrics.withheld.inc(labels, n);
    for (const { labels, n } of deadBy.values()) applyMetrics.deadLettered.inc(labels, n);
    this.counts.applied += applied.length;
    this.counts.stale += stale.length;
    this.counts.superseded += superseded.length;
    this.counts.withheld += assessed.filter((a) => a.kind === 'withheld').length;
    this.counts.deadLettered += assessed.filter((a) => a.kind === 'dead-letter').length;
  }
}
