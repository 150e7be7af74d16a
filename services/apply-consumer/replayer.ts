import { randomUUID } from 'crypto';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { applyGroupId, dlqTopic } from '../../libs/contracts/agreementTopics';
import { checkedProducer, createKafka, EXCHANGE_TOPIC_MAX_MESSAGE_BYTES, installFetchFastPath } from '../../libs/kafka';
import type { ReceivedMessage } from '../../libs/kafka';
import type { DeadLetterRecordFull, ReplayRange } from '../../libs/ops';
import { checkPartnerSchema, PartnerPurger, PartnerStore, quoteIdent, TOMBSTONE_TABLE, withApplySessionOptions, type StoredHeaderValue } from '../../libs/partner-store';
import { EventVerifier } from '../../libs/signing';
import type { ApplyConsumerOptions } from './applyConsumer';
import { ChunkWriter, type ChunkResult } from './chunkWriter';
import type { RawEvent } from './deadLetterMessage';
import { DeadLetterSender } from './deadLetterSender';
import { EventAssessor, type Assessment } from './eventAssessor';
import { registrySchemaSource } from './schemaSource';
import { WireDecoder } from './wireDecoder';

/** What the replayer shares with the consumer's options, and the partner schema and prefix resolved. */
export type ReplayerOptions = Pick<
  ApplyConsumerOptions,
  | 'receiver'
  | 'provider'
  | 'agreementId'
  | 'policy'
  | 'contracts'
  | 'providerKeys'
  | 'pgUrl'
  | 'kafkaBrokers'
  | 'registryUrl'
  | 'log'
  | 'applyBatchSize'
  | 'partitionsConcurrently'
  | 'schemaSource'
> & {
  partnerSchema: string;
  topicPrefix: string;
};

/** Counts of a replay so far. */
export interface ReplayProgress {
  /** Events read from the ranges. */
  read: number;
  applied: number;
  /** Older than what the store holds (the pipeline got there first), or superseded within a chunk. */
  stale: number;
  withheld: number;
  deadLettered: number;
}

export type RetryOutcome = { outcome: 'applied' | 'stale' | 'withheld' } | { outcome: 'dead-again'; reason: string; detail: string };

/** What a rebuild removed before replaying: rows and tombstones per entity. */
export interface EmptiedStore {
  entity: string;
  rows: number;
  tombstones: number;
}

const FETCH_MAX_BYTES = 4 * 1024 * 1024;

/** A header from the dead-letter table back to bytes (text stays text). A value only its digest was kept of stays missing. */
function headerOf(v: StoredHeaderValue | null): Buffer | string | undefined {
  if (v === null) return undefined;
  if (typeof v === 'string') return v;
  return v.base64 === '' && v.decoded?.sha256 !== undefined ? undefined : Buffer.from(v.base64, 'base64');
}

export function rawHeaders(stored: Record<string, unknown>): IHeaders {
  const out: IHeaders = {};
  for (const [name, v] of Object.entries(stored)) {
    if (Array.isArray(v)) out[name] = (v as (StoredHeaderValue | null)[]).map(headerOf).filter((x): x is Buffer | string => x !== undefined) as Buffer[];
    else {
      const h = headerOf(v as StoredHeaderValue | null);
      if (h !== undefined) out[name] = h;
    }
  }
  return out;
}

/**
 * Sends events again through the apply consumer's own stages — the EventAssessor (proof, pinned
 * schemas, the agreement in force at the commit time, keys) and the ChunkWriter (position-checked
 * writes with the update log, dead letters) — so a replayed event is judged and written exactly as a
 * fetched one: one older than what the partner store holds is stale and changes nothing, whatever the
 * running pipeline applied meanwhile. Ranges are read by a throwaway consumer group that commits
 * nothing, so the agreement's own group is never moved.
 */
export class Replayer {
  private readonly store: PartnerStore;
  private readonly assessor: EventAssessor;
  private readonly group: string;
  private readonly partitionCounts = new Map<string, number>();
  private pool?: Pool;
  private kafka?: Kafka;
  private producer?: Producer;
  private writer?: ChunkWriter;

  constructor(private readonly o: ReplayerOptions) {
    this.group = applyGroupId(o.topicPrefix, o.agreementId, o.receiver);
    this.store = new PartnerStore({
      schema: checkPartnerSchema(o.partnerSchema, o.provider),
      identity: { receiver: o.receiver, provider: o.provider, agreementId: o.agreementId, consumerGroup: this.group },
      contract: (entity) => o.contracts.get(entity),
    });
    this.assessor = new EventAssessor({
      provider: o.provider,
      agreementId: o.agreementId,
      topicPrefix: o.topicPrefix,
      contracts: o.contracts,
      verifier: new EventVerifier((keyId) => o.providerKeys.get(keyId)),
      decoder: new WireDecoder(o.schemaSource ?? registrySchemaSource(o.registryUrl)),
      policy: o.policy,
      partitionsOf: (topic) => this.partitionCounts.get(topic),
    });
  }

  async open(): Promise<void> {
    installFetchFastPath();
    this.pool = new Pool({
      connectionString: withApplySessionOptions(this.o.pgUrl),
      max: (this.o.partitionsConcurrently ?? 2) + 1,
      application_name: `thahs-replay-${this.o.agreementId}-${this.o.receiver}`,
    });
    this.pool.on('error', (err) => this.o.log.warn('idle database connection failed', { group: this.group, error: err.message }));
    const c = await this.pool.connect();
    try {
      await this.store.init(c);
    } finally {
      c.release();
    }
    this.kafka = createKafka(`thahs-replay-${this.o.agreementId}`, this.o.kafkaBrokers, this.o.log);
    // Dead letters go in multi-partition requests, which kafkajs can acknowledge without a partition (checkedProducer).
    this.producer = checkedProducer(this.kafka, { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    const dlq = dlqTopic(this.o.topicPrefix, this.o.receiver, this.o.agreementId);
    this.writer = new ChunkWriter({
      pool: () => this.pool!,
      store: this.store,
      deadLetters: new DeadLetterSender(() => this.producer!, dlq, Math.floor(EXCHANGE_TOPIC_MAX_MESSAGE_BYTES * 0.9), this.o.agreementId, this.group),
      group: this.group,
      log: this.o.log,
    });
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
    this.producer = undefined;
    this.pool = undefined;
  }

  /**
   * Removes the agreement's rows of `entities` and their tombstones from the partner store, in one
   * transaction under the purge lock (no enforcement purge interleaves). What the running pipeline
   * applies afterwards stays; the replay from the earliest offset then brings back the rest.
   */
  async emptyStore(entities: readonly string[]): Promise<EmptiedStore[]> {
    const c = await this.pool!.connect();
    const s = quoteIdent(this.store.schema);
    try {
      await c.query('BEGIN');
      await new PartnerPurger(this.store.schema).lock(c, this.o.agreementId);
      const out: EmptiedStore[] = [];
      for (const entity of entities) {
        const exists = await c.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${s}.${quoteIdent(entity)}`]);
        if (!exists.rows[0].present) continue;
        const rows = await c.query(`DELETE FROM ${s}.${quoteIdent(entity)} WHERE _agreement_id = $1`, [this.o.agreementId]);
        const tombs = await c.query(`DELETE FROM ${s}.${quoteIdent(TOMBSTONE_TABLE)} WHERE entity = $1`, [entity]);
        out.push({ entity, rows: rows.rowCount ?? 0, tombstones: tombs.rowCount ?? 0 });
      }
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /** Replays the ranges; `onProgress` is told after every chunk. */
  async replay(ranges: readonly ReplayRange[], onProgress: (p: Readonly<ReplayProgress>) => void = () => undefined): Promise<ReplayProgress> {
    const progress: ReplayProgress = { read: 0, applied: 0, stale: 0, withheld: 0, deadLettered: 0 };
    const todo = new Map(ranges.filter((r) => r.end > r.start).map((r) => [`${r.topic}/${r.partition}`, r]));
    if (todo.size === 0) return progress;
    const topics = [...new Set([...todo.values()].map((r) => r.topic))];
    await this.readPartitionCounts(topics);
    const groupId = `${this.group}-replay-${randomUUID().slice(0, 8)}`;
    const consumer: Consumer = this.kafka!.consumer({ groupId, allowAutoTopicCreation: false, maxBytesPerPartition: FETCH_MAX_BYTES, maxWaitTimeInMs: 100 });
    let failed: Error | undefined;
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const done = (key: string): void => {
      todo.delete(key);
      if (todo.size === 0) finish();
    };
    const seekAll = (): void => {
      for (const r of todo.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: r.start.toString() });
    };
    consumer.on(consumer.events.CRASH, (ev) => {
      failed = ev.payload.error;
      finish();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.o.partitionsConcurrently ?? 2,
        eachBatch: (p) => this.onBatch(p, todo, done, progress, onProgress),
      });
      seekAll();
      await finished;
      if (failed) throw failed;
      return progress;
    } finally {
      await consumer.disconnect().catch(() => undefined);
      const admin = this.kafka!.admin();
      await admin
        .connect()
        .then(() => admin.deleteGroups([groupId]))
        .catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async onBatch(
    { batch, resolveOffset, heartbeat, isRunning, isStale, pause }: EachBatchPayload,
    todo: Map<string, ReplayRange>,
    done: (key: string) => void,
    progress: ReplayProgress,
    onProgress: (p: Readonly<ReplayProgress>) => void,
  ): Promise<void> {
    const key = `${batch.topic}/${batch.partition}`;
    const range = todo.get(key);
    if (!range) {
      pause();
      return;
    }
    const inRange = batch.messages.filter((m) => BigInt(m.offset) >= range.start && BigInt(m.offset) < range.end);
    const size = this.o.applyBatchSize ?? 1000;
    for (let i = 0; i < inRange.length; i += size) {
      if (!isRunning() || isStale()) return;
      const chunk = inRange.slice(i, i + size);
      const events: RawEvent[] = chunk.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        headers: m.headers ?? {},
        ...((m as typeof m & Pick<ReceivedMessage, 'headersDropped'>).headersDropped ? { headersDropped: (m as Pick<ReceivedMessage, 'headersDropped'>).headersDropped } : {}),
      }));
      const { assessed, result } = await this.applyEvents(events);
      progress.read += events.length;
      count(progress, assessed, result);
      resolveOffset(chunk[chunk.length - 1].offset);
      onProgress(progress);
      await heartbeat();
    }
    const last = batch.messages.length > 0 ? BigInt(batch.messages[batch.messages.length - 1].offset) : range.start - 1n;
    // Past the range, or at the partition's end already (compaction can leave its last offsets empty).
    if (last >= range.end - 1n || BigInt(batch.highWatermark) <= range.start || (batch.messages.length === 0 && BigInt(batch.highWatermark) >= range.end)) {
      pause();
      done(key);
    }
  }

  /** One dead letter, as stored, through verification, policy and the store again. */
  async retry(letter: DeadLetterRecordFull): Promise<RetryOutcome> {
    await this.readPartitionCounts([letter.topic]);
    const event: RawEvent = { topic: letter.topic, partition: letter.partition, offset: letter.offset, key: letter.key, value: letter.value, headers: rawHeaders(letter.headers) };
    const [a] = await this.assessor.assessAll([event]);
    if (a.kind === 'dead-letter') return { outcome: 'dead-again', reason: a.reason, detail: a.detail };
    if (a.kind === 'withheld') return { outcome: 'withheld' };
    const result = await this.writer!.write([a]);
    const again = result.recordedDeadLetters[0];
    if (again) return { outcome: 'dead-again', reason: again.reason, detail: again.detail };
    return { outcome: result.applied.length > 0 ? 'applied' : 'stale' };
  }

  private async applyEvents(events: RawEvent[]): Promise<{ assessed: Assessment[]; result: ChunkResult }> {
    const assessed = await this.assessor.assessAll(events);
    return { assessed, result: await this.writer!.write(assessed) };
  }

  private async readPartitionCounts(topics: readonly string[]): Promise<void> {
    const admin = this.kafka!.admin();
    await admin.connect();
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
      for (const t of meta) this.partitionCounts.set(t.name, t.partitions.length);
    } finally {
      await admin.disconnect();
    }
  }
}

function count(p: ReplayProgress, assessed: readonly Assessment[], r: ChunkResult): void {
  p.applied += r.applied.length;
  p.stale += r.stale.length + r.superseded.length;
  p.withheld += assessed.filter((a) => a.kind === 'withheld').length;
  p.deadLettered += r.recordedDeadLetters.length;
}
