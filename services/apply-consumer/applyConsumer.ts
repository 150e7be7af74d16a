import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Pool } from 'pg';
import type { AgreementState } from '../../libs/agreements';
import { agreementTopic, applyGroupId, DEFAULT_TOPIC_PREFIX, dlqTopic } from '../../libs/contracts/agreementTopics';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { protectFields } from '../../libs/contracts/protectedFields';
import { checkedProducer, createKafka, ensureTopics, EXCHANGE_TOPIC_MAX_MESSAGE_BYTES, installFetchFastPath } from '../../libs/kafka';
import type { ReceivedMessage } from '../../libs/kafka';
import type { Logger } from '../../libs/logger';
import { assertDatabaseMinistry } from '../../libs/model/migrate';
import { checkPartnerSchema, loadPartitionSequences, PartnerStore, withApplySessionOptions } from '../../libs/partner-store';
import { EventVerifier, PublicKeyRing, SigningKey } from '../../libs/signing';
import { PipelineService } from '../supervisor/pipelineService';
import { ApplyAccounting, type ApplyStats } from './applyAccounting';
import { applyMetrics } from './applyMetrics';
import { ApplyConsumerError } from './applyConsumerError';
import { ApplyGate } from './applyGate';
import { ChunkWriter } from './chunkWriter';
import type { RawEvent } from './deadLetterMessage';
import { DeadLetterSender } from './deadLetterSender';
import type { DeletionRecord } from './deletionRecord';
import { EnforcementLoop } from './enforcementLoop';
import { EpochWatch } from './epochWatch';
import { EventAssessor } from './eventAssessor';
import { SequenceWatch } from './sequenceWatch';
import { WatermarkReader } from './watermarkReader';
import { WatermarkWatch } from './watermarkWatch';
import { OffsetCommitter } from './offsetCommitter';
import { PartitionProgress } from './partitionProgress';
import type { PolicyResolver } from './policyResolver';
import { registrySchemaSource, SchemaSource } from './schemaSource';
import { WireDecoder } from './wireDecoder';

export type { ApplyStats } from './applyAccounting';

/**
 * What the broker gathers for a fetch before answering (or until fetchWaitMs), and the most it returns
 * per partition: during a backlog each partition's share fills whole database transactions of
 * applyBatchSize events. Every transaction costs the receiver's PostgreSQL a commit (a WAL flush) and
 * its statements' fixed work: with 1 MiB fetches (chunks of ~450–1,000 events) the receiver's
 * backends spent 3.8–4.3 CPU-s per 100,000 events in alternating runs where 4 MiB ones spent 1.4–3.4
 * (docs/benchmarks.md). At moderate rates fetchWaitMs answers first, so latency does not change.
 */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;
/** A chunk failing for a reason outside its events (registry, database, broker down) is retried after this, doubling up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;
/** While waiting to retry, the group is told the member lives at least this often (its session times out at 30 s). */
const HEARTBEAT_EVERY_MS = 3_000;

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
  /** Most events written in one database transaction (default 1,000). */
  applyBatchSize?: number;
  /** Partitions applied at the same time, each in its own transaction (default 2). */
  partitionsConcurrently?: number;
  /** Longest time the broker holds a fetch while gathering FETCH_MAX_BYTES (default 100 ms; THAHS_APPLY_FETCH_WAIT_MS). */
  fetchWaitMs?: number;
  /** Offsets of applied chunks are committed to Kafka at most this often (default 1,000 ms). */
  offsetCommitIntervalMs?: number;
  /** A partition with events waiting that applies none for this long is reported stalled (default 120 s; THAHS_APPLY_STALL_SEC). */
  stallMs?: number;
  /** How long after the provider's signed watermark announced an event the consumer may take to see it (default 30 s; THAHS_APPLY_WATERMARK_ALLOWANCE_SEC). */
  watermarkAllowanceMs?: number;
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

/** The options with every default resolved, once. */
interface Settings {
  prefix: string;
  group: string;
  name: string;
  dlqTopic: string;
  schema: string;
  batchSize: number;
  concurrency: number;
  fetchWaitMs: number;
  commitEveryMs: number;
  stallMs: number;
  dlqPartitions: number;
}

function settingsOf(o: ApplyConsumerOptions): Settings {
  const prefix = o.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  if (o.provider === o.receiver) throw new ApplyConsumerError(o.agreementId, applyGroupId(prefix, o.agreementId, o.receiver), `provider and receiver are both ${o.receiver}`);
  return {
    prefix,
    group: o.groupId ?? applyGroupId(prefix, o.agreementId, o.receiver),
    name: `apply-consumer-${o.agreementId}-${o.receiver}`,
    dlqTopic: dlqTopic(prefix, o.receiver, o.agreementId),
    schema: checkPartnerSchema(o.partnerSchema ?? `partner_${o.provider}`, o.provider),
    batchSize: o.applyBatchSize ?? 1000,
    concurrency: o.partitionsConcurrently ?? 2,
    fetchWaitMs: o.fetchWaitMs ?? 100,
    commitEveryMs: o.offsetCommitIntervalMs ?? 1000,
    stallMs: o.stallMs ?? 120_000,
    dlqPartitions: o.dlqPartitions ?? 1,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Applies one agreement's events from the provider's topics to the partner store in the receiver's
 * database, wiring its stages: the assessment (EventAssessor: authenticate, decode with pinned schemas,
 * check the agreement), the chunk writer (one transaction per chunk with the update log and the dead
 * letters), the offset committer (offsets only of what the store committed), the accounting (metrics),
 * the partition progress watch (stalls), and the agreement-enforcement loop (purges, retention, the
 * end). A chunk that fails for a reason outside its events is retried with backoff, its offsets never
 * committed past it. A crash anywhere repeats work but never applies an older state over a newer one,
 * so the effect is exactly once.
 */
export class ApplyConsumer implements PipelineService {
  readonly name: string;
  readonly groupId: string;
  readonly dlqTopic: string;
  private readonly s: Settings;
  private readonly store: PartnerStore;
  private readonly assessor: EventAssessor;
  private readonly epochs: EpochWatch;
  private readonly accounting: ApplyAccounting;
  private readonly offsets: OffsetCommitter;
  private readonly progress: PartitionProgress;
  private readonly sequence: SequenceWatch;
  private readonly watermarkWatch: WatermarkWatch;
  private watermarks?: WatermarkReader;
  private unboundKeys?: string[];
  /** Applying a chunk and enforcing the scope never interleave: a purge must not fall between an event's assessment and its write. */
  private readonly gate = new ApplyGate();
  private readonly partitionCounts = new Map<string, number>();
  /** Partitions held now (`topic/partition`), from the last group join. */
  private held: ReadonlySet<string> = new Set();
  /** Partitions assigned by the last join whose first chunk has not been taken: the store's record is read again before it. */
  private readonly unrestored = new Set<string>();
  /** Partitions whose record the last join reads (restoreAssigned): not watched for watermarks until it is read. */
  private awaitingRecord: ReadonlySet<string> = new Set();
  /** Counts group joins: a record read for an earlier assignment is not applied to a later one. */
  private joins = 0;
  private pool?: Pool;
  private kafka?: Kafka;
  private consumer?: Consumer;
  private producer?: Producer;
  private writer?: ChunkWriter;
  private enforcement?: EnforcementLoop;
  private stallTimer?: NodeJS.Timeout;
  private running = false;
  private crashed = false;
  /** Set when stop() begins: no new chunk starts, so the last offsets can be committed before kafkajs stops. */
  private stopping = false;

  constructor(private readonly o: ApplyConsumerOptions) {
    this.s = settingsOf(o);
    this.name = this.s.name;
    this.groupId = this.s.group;
    this.dlqTopic = this.s.dlqTopic;
    this.store = new PartnerStore({
      schema: this.s.schema,
      identity: { receiver: o.receiver, provider: o.provider, agreementId: o.agreementId, consumerGroup: this.groupId },
      // Sealed fields are stored as they arrived, in bytea columns: this process never holds the receiver's private key.
      contract: (entity) => protectFields(o.contracts.get(entity), o.policy.sealedFields?.(o.provider, entity) ?? []),
    });
    const ring = o.providerKeys;
    this.sequence = new SequenceWatch({ receiver: o.receiver, provider: o.provider, agreementId: o.agreementId, group: this.s.group, log: o.log });
    this.epochs = new EpochWatch({ receiver: o.receiver, provider: o.provider, agreementId: o.agreementId, partnerSchema: this.s.schema, pool: () => this.pool!, log: o.log });
    this.assessor = new EventAssessor({
      provider: o.provider,
      agreementId: o.agreementId,
      topicPrefix: this.s.prefix,
      contracts: o.contracts,
      verifier: new EventVerifier((keyId) => ring.get(keyId)),
      decoder: new WireDecoder(o.schemaSource ?? registrySchemaSource(o.registryUrl)),
      policy: o.policy,
      partitionsOf: (topic) => this.partitionCounts.get(topic),
      epochs: this.epochs,
      sequence: this.sequence,
    });
    this.accounting = new ApplyAccounting({ receiver: o.receiver, provider: o.provider, agreementId: o.agreementId, group: this.groupId, log: o.log });
    this.offsets = new OffsetCommitter({ commit: (offsets) => this.consumer!.commitOffsets(offsets), intervalMs: this.s.commitEveryMs, group: this.groupId, log: o.log });
    this.progress = new PartitionProgress({ group: this.groupId, stallMs: this.s.stallMs, log: o.log });
    const watermarkVerifier = new EventVerifier((keyId) => ring.get(keyId), 1024);
    this.watermarkWatch = new WatermarkWatch({
      receiver: o.receiver,
      provider: o.provider,
      agreementId: o.agreementId,
      group: this.groupId,
      prefix: this.s.prefix,
      topics: this.topics(),
      log: o.log,
      verify: (digest, proof) => watermarkVerifier.verify(digest, proof),
      keyAllowed: (keyId) => o.policy.keyAllowedNow?.(o.provider, keyId) ?? true,
      seen: (topic, partition, run) => this.sequence.seen(topic, partition, run),
      waiting: (topic, partition) => this.progress.waiting(topic, partition),
      allowanceMs: o.watermarkAllowanceMs ?? 30_000,
    });
  }

  /** Running, not crashed, and no partition stalled. */
  healthy(): boolean {
    return this.running && !this.crashed && !this.progress.anyStalled;
  }

  stats(): Readonly<ApplyStats> {
    return this.accounting.stats();
  }

  /** The agreement's topics of the entities it shares: the provider publishes nothing else to them. */
  topics(): string[] {
    return this.o.entities.map((e) => agreementTopic(this.s.prefix, this.o.provider, this.o.agreementId, e));
  }

  /** The topic deletion records are sent to. */
  get deletionTopic(): string {
    return this.o.enforcement?.topic ?? `${this.s.prefix}.deletion-records`;
  }

  /** Partitions stalled now (see PartitionProgress), for /health and operators. */
  stalledPartitions(): ReturnType<PartitionProgress['check']> {
    return this.progress.check();
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
    // A key file under a listed id but with another key than the agreement binds to it trusts no event.
    this.o.policy.requireKeysBound?.(this.o.providerKeys, (err) => {
      const unbound = new Set([...(this.unboundKeys ?? []), err.keyId]);
      this.unboundKeys = [...unbound];
      applyMetrics.keysUnbound.set({ receiver: this.o.receiver, provider: this.o.provider, agreement: agreementId }, unbound.size);
      log.error('a provider key file no longer matches the key the agreement binds to its id: its events are refused from now on; install the public key the agreement names', {
        group: this.groupId,
        agreement: err.agreementId,
        version: err.version,
        keyId: err.keyId,
        expectedSha256: err.expectedSha256,
        actualSha256: err.actualSha256,
      });
    });
    for (const e of this.o.entities) {
      if (!this.o.contracts.has(e)) throw new ApplyConsumerError(agreementId, this.groupId, `entity ${e} has no contract`);
      if (!this.o.contracts.get(e).providers.includes(this.o.provider)) throw new ApplyConsumerError(agreementId, this.groupId, `${this.o.provider} does not publish ${e}`);
    }
    // The access-audit collector recognises the consumer's guarded writes (which read the rows they
    // replace) by this name and the role (THAHS_ACCESS_AUDIT_OWN_SESSIONS).
    const pool = new Pool({ connectionString: withApplySessionOptions(this.o.pgUrl), max: this.s.concurrency + 1, application_name: `thahs-${this.name}` });
    this.pool = pool;
    pool.on('error', (err) => log.warn('idle database connection failed', { group: this.groupId, error: err.message }));
    const c = await pool.connect();
    try {
      const r = await c.query<{ present: boolean }>("SELECT to_regclass('thahs_meta.database_ministry') IS NOT NULL AS present");
      // A database with the ministry model must belong to the receiver; one without it holds only partner data.
      if (r.rows[0]?.present) await assertDatabaseMinistry((sql, params) => c.query(sql, params).then((x) => x.rows), this.o.receiver, this.o.pgUrl);
      await this.store.init(c);
    } finally {
      c.release();
    }
    await this.epochs.load();

    if (!installFetchFastPath()) {
      log.warn('kafkajs had decoded a fetch in this process before the consumer started: its own record decoding stays (slower, same records)', { group: this.groupId });
    }
    const kafka = createKafka(this.name, this.o.kafkaBrokers, log);
    this.kafka = kafka;
    await this.readTopics();
    // The dead letters of a chunk go in requests sized to this limit (DeadLetterSender).
    await ensureTopics(kafka, [{ topic: this.dlqTopic, partitions: this.s.dlqPartitions, cleanup: 'delete', maxMessageBytes: EXCHANGE_TOPIC_MAX_MESSAGE_BYTES }]);
    // Dead letters go in multi-partition requests, which kafkajs can acknowledge without a partition (checkedProducer).
    this.producer = checkedProducer(kafka, { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    this.writer = new ChunkWriter({
      pool: () => this.pool!,
      store: this.store,
      deadLetters: new DeadLetterSender(() => this.producer!, this.dlqTopic, Math.floor(EXCHANGE_TOPIC_MAX_MESSAGE_BYTES * 0.9), agreementId, this.groupId),
      group: this.groupId,
      log,
    });
    const e = this.o.enforcement;
    if (e) {
      // One partition, compacted, keyed by record id: every record stays, in the order written.
      await ensureTopics(kafka, [{ topic: this.deletionTopic, partitions: 1, cleanup: 'compact' }]);
      this.enforcement = new EnforcementLoop({
        receiver: this.o.receiver,
        provider: this.o.provider,
        agreementId,
        group: this.groupId,
        schema: this.s.schema,
        contracts: this.o.contracts,
        state: e.state,
        signingKey: e.signingKey,
        pool,
        producer: () => this.producer!,
        kafka,
        deletionTopic: this.deletionTopic,
        platformTopics: () => [...this.topics(), this.dlqTopic],
        pauseFetching: () => this.consumer?.pause(this.topics().map((topic) => ({ topic }))),
        gate: this.gate,
        log,
        everyMs: e.everyMs,
        retentionEveryMs: e.retentionEveryMs,
        onColumnsDropped: (entity) => this.store.forgetColumns(entity),
      });
      await this.enforcement.runNow();
      this.enforcement.start();
    }
    // A fetch answered with the first few events costs as many requests, offset commits and transactions
    // as it carries little; the broker waits for FETCH_MAX_BYTES, or fetchWaitMs at most.
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      minBytes: FETCH_MAX_BYTES,
      maxBytesPerPartition: FETCH_MAX_BYTES,
      maxWaitTimeInMs: this.s.fetchWaitMs,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (ev) => {
      const held = new Set(Object.entries(ev.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)));
      // New ones, and those whose record an earlier join was still reading (its result is dropped).
      const assigned = new Set([...held].filter((k) => !this.held.has(k) || this.awaitingRecord.has(k)));
      this.held = held;
      this.awaitingRecord = assigned;
      this.offsets.retainOnly(held);
      this.progress.retainOnly(held);
      this.sequence.retainOnly(held);
      for (const k of this.unrestored) if (!held.has(k)) this.unrestored.delete(k);
      for (const k of assigned) this.unrestored.add(k);
      // The partitions just assigned are watched once the store's record of them is read (restoreAssigned).
      this.watermarkWatch.retainOnly(new Set([...held].filter((k) => !assigned.has(k))));
      void this.restoreAssigned(++this.joins, held, assigned);
      // A rebalance may follow partitions added to a topic: the key check must use the new counts.
      void this.readTopics().catch((err: Error) => log.warn('reading the topics’ partition counts failed', { group: this.groupId, error: err.message }));
    });
    this.consumer.on(this.consumer.events.CRASH, (ev) => {
      log.error('consumer crashed', { group: this.groupId, error: ev.payload.error.message, restart: ev.payload.restart });
      if (!ev.payload.restart) this.crashed = true;
    });
    this.held = new Set();
    this.awaitingRecord = new Set();
    this.unrestored.clear();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics(), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions hold disjoint keys: while one waits on its transaction, another verifies and decodes.
      partitionsConsumedConcurrently: this.s.concurrency,
      eachBatch: (p) => this.onBatch(p),
    });
    this.offsets.start();
    this.watermarks = new WatermarkReader({ kafka, group: this.groupId, watch: this.watermarkWatch, log });
    this.watermarks.start();
    this.stallTimer = setInterval(() => this.progress.check(), Math.min(15_000, Math.max(1000, this.s.stallMs / 4)));
    this.running = true;
    log.info('apply consumer running', {
      group: this.groupId,
      agreement: agreementId,
      provider: this.o.provider,
      receiver: this.o.receiver,
      schema: this.s.schema,
      topics: this.topics(),
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.enforcement?.stop();
    this.offsets.stop();
    clearInterval(this.stallTimer);
    await this.watermarks?.stop();
    // The chunk in progress finishes its transaction; its offsets go out while the consumer can still
    // commit (kafkajs drops commits once stopped). disconnect() then lets the batch in progress end.
    await this.gate.exclusive(async () => undefined);
    if (this.consumer) await this.offsets.flush();
    await this.consumer?.disconnect();
    // Whatever purge is still running finishes before the connections close.
    await this.gate.exclusive(async () => undefined);
    await this.producer?.disconnect();
    await this.pool?.end();
    this.consumer = undefined;
    this.producer = undefined;
    this.pool = undefined;
  }

  /** Performs what the agreement makes due at `now` (also run on start and periodically); returns the deletion records written. */
  async enforceNow(now: Date = new Date()): Promise<DeletionRecord[]> {
    return this.enforcement ? this.enforcement.runNow(now) : [];
  }

  /** The agreement's topics must exist (the provider makes them); their partition counts check that each key is in its partition. */
  private async readTopics(): Promise<void> {
    const admin = this.kafka!.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = this.topics().filter((t) => !existing.has(t));
      if (missing.length > 0) {
        throw new ApplyConsumerError(
          this.o.agreementId,
          this.groupId,
          `provider topics do not exist yet (the ${this.o.provider} producer makes them once it knows the agreement): ${missing.join(', ')}`,
          missing[0],
        );
      }
      const { topics } = await admin.fetchTopicMetadata({ topics: this.topics() });
      for (const t of topics) this.partitionCounts.set(t.name, t.partitions.length);
    } finally {
      await admin.disconnect();
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    if (batch.messages.length > 0) this.progress.fetched(topic, partition, batch.messages[0].offset, batch.highWatermark);
    for (let i = 0; i < batch.messages.length; i += this.s.batchSize) {
      if (!isRunning() || isStale() || this.stopping) return;
      const chunk = batch.messages.slice(i, i + this.s.batchSize);
      if (!(await this.applyWithRetry(topic, partition, chunk, heartbeat, () => isRunning() && !isStale() && !this.stopping))) return;
      const last = chunk[chunk.length - 1].offset;
      resolveOffset(last);
      const next = (BigInt(last) + 1n).toString();
      // Sent by the committer's timer, with every other partition's.
      this.offsets.mark(topic, partition, next);
      this.progress.applied(topic, partition, next, batch.highWatermark);
      this.accounting.lag(topic, partition, BigInt(batch.highWatermark) - BigInt(next));
      await heartbeat();
    }
  }

  /**
   * Applies a chunk, retrying with backoff while it fails for a reason outside its events (the
   * registry, the database or the broker down): its offsets are never committed past it, and the
   * partition's stall alarm tells an operator when it lasts. False when the partition was given up
   * meanwhile (stop, rebalance): the next owner starts from the last committed offset.
   */
  private async applyWithRetry(topic: string, partition: number, chunk: KafkaMessage[], heartbeat: () => Promise<void>, live: () => boolean): Promise<boolean> {
    let wait = RETRY_FIRST_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.gate.shared(() => this.applyChunk(topic, partition, chunk));
        return true;
      } catch (err) {
        if (!live()) return false;
        const error = (err as Error).message;
        this.progress.failed(topic, partition, error);
        // One line at the first failure and then every tenth: a long outage is reported, not repeated.
        if (attempt === 1 || attempt % 10 === 0) {
          this.o.log.warn('applying a chunk failed for a reason outside its events; retrying', {
            group: this.groupId,
            topic,
            partition,
            offset: chunk[0].offset,
            attempt,
            retryInMs: wait,
            error,
          });
        }
        for (let waited = 0; waited < wait; waited += HEARTBEAT_EVERY_MS) {
          await sleep(Math.min(HEARTBEAT_EVERY_MS, wait - waited));
          if (!live()) return false;
          await heartbeat();
        }
        wait = Math.min(wait * 2, RETRY_MAX_MS);
      }
    }
  }

  /**
   * A member given partitions (its start, a rebalance) continues the gap checks from the partner store's
   * record of the group's committed work on them, so an event withheld across the hand-over is noticed.
   * When the record cannot be read, the watermark check of those partitions starts as if nothing was
   * known (their first chunk reads the record again, for the sequence check, or waits until it can).
   */
  private async restoreAssigned(join: number, held: ReadonlySet<string>, assigned: ReadonlySet<string>): Promise<void> {
    let continued = new Set<string>();
    const pool = this.pool;
    if (!pool) return;
    try {
      // One read for every partition of the agreement's topics; a join is rare.
      const states = (await loadPartitionSequences(pool, this.groupId, this.topics())).filter((st) => assigned.has(`${st.topic}/${st.partition}`));
      if (join !== this.joins) return;
      this.sequence.restore(states);
      continued = new Set(states.map((st) => `${st.topic}/${st.partition}`));
    } catch (err) {
      this.o.log.warn('reading the gap check’s record of the partitions assigned failed: their watermark check starts from the next watermark', {
        group: this.groupId,
        error: (err as Error).message,
      });
    }
    if (join !== this.joins) return;
    this.awaitingRecord = new Set();
    this.watermarkWatch.retainOnly(held, continued);
  }

  /** Before the first chunk of a partition just assigned: the member before may have committed more since the join read the record. */
  private async restoreBeforeFirstChunk(topic: string, partition: number): Promise<void> {
    const at = `${topic}/${partition}`;
    if (!this.unrestored.has(at)) return;
    const states = (await loadPartitionSequences(this.pool!, this.groupId, [topic])).filter((st) => st.partition === partition);
    this.sequence.restore(states);
    this.unrestored.delete(at);
  }

  private async applyChunk(topic: string, partition: number, messages: KafkaMessage[]): Promise<void> {
    const events: RawEvent[] = messages.map((m) => ({
      topic,
      partition,
      offset: m.offset,
      key: m.key,
      value: m.value,
      headers: m.headers ?? {},
      ...((m as KafkaMessage & Pick<ReceivedMessage, 'headersDropped'>).headersDropped ? { headersDropped: (m as Pick<ReceivedMessage, 'headersDropped'>).headersDropped } : {}),
    }));
    await this.restoreBeforeFirstChunk(topic, partition);
    const assessed = await this.assessor.assessAll(events);
    const state = this.sequence.state(topic, partition);
    const result = await this.writer!.write(assessed, state ? [state] : []);
    this.accounting.account(assessed, result);
  }
}
