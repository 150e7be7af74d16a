import { fetchTopicOffsetsSettled } from '../../libs/kafka';
import type { Admin, Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { Pool, type PoolClient } from 'pg';
import { AgreementStore, databaseLabel, ensureExchangeTopics, migrateExchangeSchema, type ExchangeTopics } from '../../libs/agreement-exchange';
import type { ContractLookup, PublicKeyLookup } from '../../libs/agreements';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import type { PipelineService } from '../supervisor/pipelineService';
import { AgreementEventHandler, type Handled } from './agreementEventHandler';
import { awaitGroupCoordinator } from './coordinatorReady';
import { advancePosition, checkPosition, type ExchangeMessage } from './consumerPosition';
import { RequestEventHandler, type PreparedRequest } from './requestEventHandler';
import { SyncProcessingError } from './syncErrors';
import { syncMetrics } from './syncMetrics';

export interface AgreementSyncOptions {
  ministry: Ministry;
  /** This ministry's database, which receives the history. */
  pgUrl: string;
  kafka: Kafka;
  topics: ExchangeTopics;
  /** Consumer group prefix; default thahs-agreement-sync-<ministry>. */
  groupId?: string;
  /** The party public keys this ministry trusts (PartyKeyRing.lookup re-reads the keys folder on a miss). */
  keys: PublicKeyLookup;
  /** Documents in drafts and join requests are also checked against the published contracts. */
  contracts?: ContractLookup;
  log: Logger;
  /** How long a request waits for the agreement event it is based on before it is rejected (default 120 s). */
  basisWaitMs?: number;
}

/**
 * One ministry's copy of the agreement exchange: reads the agreements and requests topics from the
 * beginning, verifies and applies each signed event in topic order, and stores it in the ministry's
 * database (schema `agreement`) — or records it as rejected. Both ministries run one, over the same
 * topics and the same rules, so both databases hold the same history. It is the only writer of that
 * schema: the CLI publishes and waits for it.
 */
export class AgreementSyncService implements PipelineService {
  readonly name: string;
  private pool?: Pool;
  private consumers: Consumer[] = [];
  private running = false;
  private crashed = false;
  private stopping = false;
  private logStarts = new Map<string, string>();

  constructor(private readonly o: AgreementSyncOptions) {
    this.name = `agreement-sync-${o.ministry}`;
  }

  async start(): Promise<void> {
    const { ministry, log } = this.o;
    const applied = await migrateExchangeSchema(this.o.pgUrl);
    if (applied.length) log.info('agreement schema migrated', { ministry, database: databaseLabel(this.o.pgUrl), migrations: applied });
    const created = await ensureExchangeTopics(this.o.kafka, this.o.topics);
    if (created.length) log.info('exchange topics created', { ministry, topics: created });
    await this.readLogStarts();

    this.pool = new Pool({ connectionString: this.o.pgUrl, max: 4, application_name: this.name });
    const store = new AgreementStore(this.pool, databaseLabel(this.o.pgUrl));
    const agreements = new AgreementEventHandler(store, this.o.keys, this.o.contracts);
    const requests = new RequestEventHandler(store, this.o.keys, this.o.basisWaitMs ?? 120_000);
    const group = this.o.groupId ?? `thahs-agreement-sync-${ministry}`;

    // Two consumers: a request may wait for its basis on the agreements topic, which must keep flowing.
    await this.startConsumer(`${group}.agreements`, this.o.topics.agreements, 'agreement', (c, m) => agreements.handle(c, m));
    await this.startConsumer(
      `${group}.requests`,
      this.o.topics.requests,
      'request',
      async (c, m, p) => requests.handle(c, m, p!),
      (m, payload) =>
        requests.prepare(
          m,
          () => payload.heartbeat(),
          () => this.stopping,
        ),
    );
    this.running = true;
  }

  private async readLogStarts(): Promise<void> {
    await this.withAdmin(async (admin) => {
      for (const topic of [this.o.topics.agreements, this.o.topics.requests]) {
        for (const p of await fetchTopicOffsetsSettled(admin, topic)) this.logStarts.set(`${topic}/${p.partition}`, p.low);
      }
    });
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.o.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  private async startConsumer(
    groupId: string,
    topic: string,
    stream: 'agreement' | 'request',
    handle: (c: PoolClient, m: ExchangeMessage, prepared?: PreparedRequest) => Promise<Handled>,
    prepare?: (m: ExchangeMessage, payload: EachMessagePayload) => Promise<PreparedRequest>,
  ): Promise<void> {
    await this.withAdmin((admin) => awaitGroupCoordinator(admin, groupId, topic, this.o.log));
    const consumer = this.o.kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs restarts a consumer by itself after a retriable answer: nothing for a person to do
      // unless it gives up (restart false), which stops the history from following the exchange.
      const meta = { ministry: this.o.ministry, topic, error: e.payload.error.message, restart: e.payload.restart };
      if (e.payload.restart) this.o.log.warn('agreement-sync consumer restarting after a retriable broker answer', meta);
      else this.o.log.error('agreement-sync consumer crashed and stopped', meta);
      if (!e.payload.restart) this.crashed = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    this.consumers.push(consumer);
    await consumer.run({
      autoCommit: true,
      eachMessage: async (payload) => {
        const m: ExchangeMessage = { topic: payload.topic, partition: payload.partition, offset: payload.message.offset, value: payload.message.value };
        const prepared = prepare ? await prepare(m, payload) : undefined;
        const done = await this.inTransaction(
          m,
          stream,
          (c) => handle(c, m, prepared),
          (offset) => consumer.seek({ topic: m.topic, partition: m.partition, offset }),
        );
        if (done === 'seek' || done === 'skip') return;
        syncMetrics.events.inc({ ministry: this.o.ministry, stream, outcome: done.outcome });
        syncMetrics.lastOffset.set({ ministry: this.o.ministry, topic: m.topic, partition: String(m.partition) }, Number(m.offset) + 1);
        if (done.outcome === 'stored') {
          done.after();
          this.o.log.info('exchange event stored', {
            ministry: this.o.ministry,
            stream,
            subject: done.subjectId,
            kind: done.kind,
            actor: done.actor,
            seq: done.seq,
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
          });
        } else {
          this.o.log.warn('exchange event rejected', {
            ministry: this.o.ministry,
            stream,
            subject: done.subjectId,
            kind: done.kind,
            actor: done.actor,
            code: done.code,
            reason: done.reason,
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
          });
        }
      },
    });
  }

  private async inTransaction(m: ExchangeMessage, stream: string, work: (c: PoolClient) => Promise<Handled>, seek: (offset: string) => void): Promise<Handled | 'skip' | 'seek'> {
    const client = await this.pool!.connect();
    try {
      await client.query('BEGIN');
      const pos = await checkPosition(client, m, this.logStarts.get(`${m.topic}/${m.partition}`) ?? '0');
      if (pos.action !== 'process') {
        await client.query('ROLLBACK');
        if (pos.action === 'seek') {
          this.o.log.warn('exchange consumer ahead of the database; seeking back', {
            ministry: this.o.ministry,
            stream,
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            to: pos.offset,
          });
          seek(pos.offset);
          return 'seek';
        }
        return 'skip';
      }
      const handled = await work(client);
      await advancePosition(client, m);
      await client.query('COMMIT');
      return handled;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new SyncProcessingError(this.o.ministry, m.topic, m.partition, m.offset, (err as Error).message, err);
    } finally {
      client.release();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    for (const c of this.consumers) await c.disconnect().catch(() => undefined);
    this.consumers = [];
    await this.pool?.end().catch(() => undefined);
    this.pool = undefined;
  }

  healthy(): boolean {
    return this.running && !this.crashed;
  }
}
