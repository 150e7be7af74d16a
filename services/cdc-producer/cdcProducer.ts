import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Client } from 'pg';
import { ContractRegistry } from '../../libs/contracts/contractRegistry';
import { Ministry } from '../../libs/contracts/contractTypes';
import { formatLsn, SourcePosition } from '../../libs/events';
import { createKafka, ensureTopics, topicMaxMessageBytes } from '../../libs/kafka';
import { Logger } from '../../libs/logger';
import { emitHeartbeat, ensurePublication, importSnapshot, isHeartbeat, Lsn, parseLsn, Relation, ReplicationEvent, ReplicationStream, Tuple } from '../../libs/pgoutput';
import { SigningKey } from '../../libs/signing';
import { PipelineService } from '../supervisor/pipelineService';
import { ContractDriftError, SourceDatabaseError } from './cdcErrors';
import { cdcMetrics } from './cdcMetrics';
import { ChangeEvent } from './changeEvent';
import { ChangePublisher } from './changePublisher';
import { ContractBinding } from './contractBinding';
import { EventEncoder } from './eventEncoder';
import { ProducerState } from './producerState';
import { snapshotTable } from './snapshotSource';
import { SenderThread } from './senderThread';
import { exportTemporarySnapshot } from './temporarySnapshot';
import { readRelation } from './tableRelation';

export interface CdcProducerOptions {
  ministry: Ministry;
  pgUrl: string;
  kafkaBrokers: string[];
  registryUrl: string;
  contracts: ContractRegistry;
  signingKey: SigningKey;
  log: Logger;
  /** Schema of the ministry's own exchanged tables. Partner stores live elsewhere and are never published. */
  sourceSchema?: string;
  slotName?: string;
  publicationName?: string;
  partitions?: number;
  /** Topics are `<prefix>.<ministry>.<entity>` (default prefix `thahs`); tests use their own prefix. */
  topicPrefix?: string;
  heartbeatMs?: number;
  /** Upper bound of events per Kafka request (one signed Merkle batch). */
  publishBatch?: number;
  /** Called after Kafka acknowledged streamed events (benchmarks measure commit-to-ack with it). */
  onAcked?: (events: readonly ChangeEvent[], ackedAtMs: number) => void;
}

/**
 * Events per handler call and Kafka request. With the sender thread encoding one batch while the main
 * thread prepares the next, 2,000 ran as fast as 4,000 within this machine's noise (14.1–18.4k vs
 * 12.4–17.2k events/s, alternating runs) with ~40 MB less RSS at the same heap settings: kafkajs builds
 * each request in several doubling buffers.
 */
const PUBLISH_BATCH = 2000;

/** A change that was not published: its table is unbound or stopped, or the change revealed drift. */
interface SkippedChange {
  entity: string;
  op: 'c' | 'u' | 'd';
  /** The row's new tuple, or the old/key tuple of a delete: what parking needs for the key. */
  tuple: Tuple | null;
  position: SourcePosition;
  drift?: ContractDriftError;
}

interface OpenTransaction {
  finalLsn: Lsn;
  commitTimeUs: number;
  xid: number;
  index: number;
}

/**
 * One ministry's change-data-capture producer: pgoutput changes of the exchanged tables become signed
 * Avro events on `thahs.<ministry>.<entity>`. The slot's confirmed position moves only after Kafka has
 * acknowledged every event before it, so a crash at any point loses nothing (it may repeat events,
 * which consumers recognise by their position).
 */
export class CdcProducer implements PipelineService {
  readonly name: string;
  private readonly schema: string;
  private readonly slot: string;
  private readonly publication: string;
  private db?: Client;
  private stream?: ReplicationStream;
  private sender?: SenderThread;
  private publisher?: ChangePublisher;
  private state?: ProducerState;
  private bindings = new Map<number, ContractBinding | null>();
  /** Per exchanged entity, its registered schemas: bindings write values with them. */
  private readonly encoders = new Map<string, EventEncoder>();
  private stopped = new Map<string, string>();
  private tx?: OpenTransaction;
  private heartbeatTimer?: NodeJS.Timeout;
  private monitorTimer?: NodeJS.Timeout;
  private running = false;
  private lastAckedCommitUs = 0;
  /** Sends run one after another (the idempotent producer keeps one request in flight), but the next
   *  batch is decoded, encoded and signed while the previous one is on the wire. */
  private sendTail: Promise<void> = Promise.resolve();
  private readonly inFlight: Promise<void>[] = [];
  private publishFailure?: Error;
  private readonly idColumns = new Map<string, number>();
  /** Per entity: streamed changes committed before this LSN are covered by a re-snapshot. */
  private readonly floors = new Map<string, bigint>();
  private lastRequestCheck = 0;

  constructor(private readonly o: CdcProducerOptions) {
    this.name = `cdc-producer-${o.ministry}`;
    this.schema = o.sourceSchema ?? 'thahs';
    this.slot = o.slotName ?? `thahs_cdc_${o.ministry}`;
    this.publication = o.publicationName ?? `thahs_exchange_${o.ministry}`;
  }

  healthy(): boolean {
    return this.running && this.stream?.stats().state === 'streaming';
  }

  private entities(): string[] {
    return this.o.contracts
      .list()
      .filter((c) => c.providers.includes(this.o.ministry))
      .map((c) => c.entity);
  }

  async start(): Promise<void> {
    try {
      await this.open();
    } catch (err) {
      // The sender thread would keep the process alive after a failed start, and the control connection
      // would stay open in the source database.
      await this.stop().catch(() => undefined);
      this.sender = undefined;
      this.db = undefined;
      throw err;
    }
  }

  private async open(): Promise<void> {
    const { ministry, log } = this.o;
    this.db = new Client({ connectionString: this.o.pgUrl, application_name: `${this.name}-control` });
    await this.db.connect();
    await this.db.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
    const encoding = (await this.db.query<{ server_encoding: string }>('SHOW server_encoding')).rows[0].server_encoding;
    if (encoding !== 'UTF8') throw new SourceDatabaseError(ministry, `its encoding is ${encoding}; exchanged text is UTF-8 and is copied from the WAL as it is`);
    this.state = new ProducerState(this.db);
    await this.state.ensure();
    this.stopped = await this.state.stoppedTables();
    for (const [entity, lsn] of await this.state.floors()) this.floors.set(entity, parseLsn(lsn));

    const entities = this.entities();
    // REPLICA IDENTITY FULL: an update then carries the old row, whose values stand in for unchanged
    // TOAST columns, so a large value is never published as null or a placeholder.
    for (const e of entities) await this.db.query(`ALTER TABLE "${this.schema}"."${e}" REPLICA IDENTITY FULL`);
    // TRUNCATE is not published: it carries no keys. Reconciliation reports what it would leave behind.
    await ensurePublication(this.db, this.publication, entities.map((table) => ({ schema: this.schema, table })), ['insert', 'update', 'delete']);

    const registry = new SchemaRegistry({ host: this.o.registryUrl });
    const encoders = this.encoders;
    for (const e of entities) encoders.set(e, await EventEncoder.register(registry, `${this.o.topicPrefix ?? 'thahs'}.${ministry}.${e}`, this.o.contracts.get(e)));
    const kafka = createKafka(this.name, this.o.kafkaBrokers, log);
    await ensureTopics(kafka, [...encoders.values()].map((enc) => ({ topic: enc.topic, partitions: this.o.partitions ?? 3, cleanup: 'compact' as const })));
    this.sender = await SenderThread.start({ clientId: this.name, brokers: this.o.kafkaBrokers, service: this.name, logLevel: log.level });
    // A tenth below the smallest topic limit leaves room for Kafka's own framing of each batch.
    const maxMessageBytes = await topicMaxMessageBytes(kafka, [...encoders.values()].map((enc) => enc.topic));
    this.publisher = new ChangePublisher(ministry, this.sender, encoders, this.o.signingKey, Math.floor(maxMessageBytes * 0.9));

    // Start-up drift check: every contract field must exist in its table with a mappable type.
    for (const e of entities) {
      const rel = await readRelation(this.db, this.schema, e);
      if (!rel) {
        await this.stopTable(e, new ContractDriftError(ministry, e, '*', 'the table does not exist'));
        continue;
      }
      this.bind(rel);
    }

    this.stream = new ReplicationStream({
      connection: this.o.pgUrl,
      slot: this.slot,
      publications: [this.publication],
      protoVersion: 1,
      messages: true,
      walSenderSettings: { timezone: 'UTC', datestyle: 'ISO' },
      // Fewer, larger Kafka requests: each send is a round trip (one request in flight), so a backlog
      // drains faster in large handler calls; the queue bound keeps memory in check meanwhile.
      maxBatchSize: this.o.publishBatch ?? PUBLISH_BATCH,
      highWaterMark: this.o.publishBatch ?? PUBLISH_BATCH,
      applicationName: this.name,
      logger: log,
    });
    await this.stream.connect();
    const slot = await this.stream.ensureSlot('export');
    if (slot.created) {
      await this.state.clearSnapshotProgress();
      await this.initialSnapshot(slot.snapshotName, slot.consistentPoint);
    } else {
      // Tables whose initial snapshot never finished (a crash interrupted it, or the table joined the
      // exchange later) are re-read one by one with the re-snapshot mechanism: a snapshot of its own and
      // a floor in the stream. The slot stays, so the tables already published are not read again and
      // no change since the slot's consistent point is skipped.
      const progress = await this.state.snapshotProgress();
      const pending = entities.filter((e) => !this.stopped.has(e) && !progress.get(e)?.done);
      for (const e of pending) await this.state.requestSnapshot(e);
      if (pending.length > 0) log.warn('initial snapshot unfinished; re-reading the tables it did not finish', { ministry, slot: this.slot, entities: pending });
    }
    await this.stream.start((events) => this.handle(events));
    void this.stream.finished.catch((err: unknown) => {
      this.running = false;
      log.error('replication stream failed', { ministry, slot: this.slot, error: (err as Error).message });
    });
    this.running = true;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs ?? 10_000);
    this.monitorTimer = setInterval(() => void this.monitorSlot(), 15_000);
    log.info('cdc producer streaming', { ministry, slot: this.slot, publication: this.publication, entities: entities.length, stoppedTables: [...this.stopped.keys()] });
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.monitorTimer);
    await this.sendTail;
    await this.stream?.stop();
    await this.sender?.stop();
    await this.db?.end();
  }

  private bind(rel: Relation): void {
    // Remembered even for stopped tables: parking a change needs only its key.
    this.idColumns.set(rel.name, rel.columns.findIndex((c) => c.name === 'id'));
    if (rel.namespace !== this.schema || !this.o.contracts.has(rel.name) || this.stopped.has(rel.name)) {
      this.bindings.set(rel.oid, this.stopped.has(rel.name) ? null : this.bindings.get(rel.oid) ?? null);
      return;
    }
    this.bindings.set(rel.oid, this.newBinding(rel));
  }

  private newBinding(rel: Relation): ContractBinding {
    const encoder = this.encoders.get(rel.name);
    if (!encoder) throw new Error(`no registered schemas for ${rel.name}`);
    return new ContractBinding(this.o.ministry, this.o.contracts.get(rel.name), rel, encoder);
  }

  private async stopTable(entity: string, err: ContractDriftError): Promise<void> {
    this.stopped.set(entity, err.message);
    await this.state?.stopTable(entity, err.message);
    cdcMetrics.tablesStopped.set({ ministry: this.o.ministry }, this.stopped.size);
    this.o.log.error('table stopped by contract drift', { ministry: this.o.ministry, entity, field: err.field, reason: err.reason, lsn: err.lsn });
  }

  private async initialSnapshot(snapshotName: string | null, consistentPoint: bigint | null): Promise<void> {
    if (!snapshotName || consistentPoint === null) throw new Error('slot created without an exported snapshot');
    const { ministry, log } = this.o;
    // Every table is marked unfinished before the first row goes out, so a crash at any point leaves a
    // record of what a restart still has to read.
    for (const entity of this.entities()) if (!this.stopped.has(entity)) await this.state!.recordSnapshot(entity, formatLsn(consistentPoint), 0, false);
    const reader = new Client({ connectionString: this.o.pgUrl, application_name: `${this.name}-snapshot` });
    await reader.connect();
    await reader.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
    const snapshotTs = Date.now() * 1000;
    try {
      await importSnapshot(reader, snapshotName);
      for (const entity of this.entities()) {
        if (this.stopped.has(entity)) continue;
        const binding = [...this.bindings.values()].find((b) => b?.contract.entity === entity);
        if (!binding) continue;
        let rows = 0;
        await this.state!.recordSnapshot(entity, formatLsn(consistentPoint), 0, false);
        for await (const chunk of snapshotTable(reader, binding, consistentPoint, ministry, snapshotTs)) {
          await this.publisher!.publish(chunk);
          this.o.onAcked?.(chunk, Date.now());
          rows += chunk.length;
          cdcMetrics.snapshotRows.inc({ ministry, entity }, chunk.length);
          await this.state!.recordSnapshot(entity, formatLsn(consistentPoint), rows, false);
        }
        await this.state!.recordSnapshot(entity, formatLsn(consistentPoint), rows, true);
        log.info('snapshot of table published', { ministry, entity, rows, consistentPoint: formatLsn(consistentPoint) });
      }
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
  }

  /** One handler call: map the decoded messages, publish them, then let the slot advance. */
  private async handle(events: readonly ReplicationEvent[]): Promise<void> {
    if (this.tx === undefined && Date.now() - this.lastRequestCheck > 1000) {
      this.lastRequestCheck = Date.now();
      for (const entity of await this.state!.snapshotRequests()) await this.resnapshot(entity);
    }
    const out: ChangeEvent[] = [];
    let confirm: Lsn | null = null;
    let commitUs = 0;
    for (const ev of events) {
      const m = ev.message;
      let skipped: SkippedChange | null = null;
      switch (m.tag) {
        case 'begin':
          this.tx = { finalLsn: m.finalLsn, commitTimeUs: Number(m.commitTime), xid: m.xid, index: 0 };
          break;
        case 'relation':
          await this.onRelation(m.relation);
          break;
        case 'insert':
          skipped = this.onChange(out, m.relation, 'c', m.newTuple, null);
          break;
        case 'update':
          skipped = this.onChange(out, m.relation, 'u', m.newTuple, m.oldTuple ?? m.keyTuple);
          break;
        case 'delete':
          skipped = this.onChange(out, m.relation, 'd', null, m.oldTuple ?? m.keyTuple);
          break;
        case 'commit':
          commitUs = this.tx?.commitTimeUs ?? 0;
          this.tx = undefined;
          confirm = ev.confirmLsn;
          break;
        case 'message':
          if (isHeartbeat(m) && ev.confirmLsn !== null && this.tx === undefined) confirm = ev.confirmLsn;
          break;
        default:
          break;
      }
      if (skipped) await this.onSkippedChange(skipped);
      if (out.length >= (this.o.publishBatch ?? PUBLISH_BATCH)) await this.flush(out, null, 0);
    }
    await this.flush(out, confirm, commitUs);
  }

  /**
   * Queues the events behind the sends already in flight; once Kafka acknowledged them (and so
   * everything queued before), the slot may advance to `confirm`. At most two batches wait on the wire
   * so memory stays bounded and the stream's backpressure reaches PostgreSQL.
   */
  private async flush(out: ChangeEvent[], confirm: Lsn | null, commitUs: number): Promise<void> {
    if (this.publishFailure) throw this.publishFailure;
    const events = out.splice(0);
    if (events.length === 0 && confirm === null) return;
    const prepared = this.publisher!.prepare(events);
    const sent = this.sendTail.then(async () => {
      if (this.publishFailure) throw this.publishFailure;
      await this.publisher!.send(prepared);
      const now = Date.now();
      if (events.length > 0) this.o.onAcked?.(events, now);
      for (const e of events) cdcMetrics.events.inc({ ministry: this.o.ministry, entity: e.entity, op: e.meta.op });
      // Never confirm past an unacknowledged event: this runs only after every earlier send succeeded.
      if (confirm !== null) this.stream!.confirm(confirm);
      if (commitUs > 0) {
        this.lastAckedCommitUs = commitUs;
        cdcMetrics.commitToAck.observe({ ministry: this.o.ministry }, Math.max(0, now / 1000 - commitUs / 1e6));
      }
    });
    this.sendTail = sent.catch((err: Error) => {
      this.publishFailure ??= err;
      this.running = false;
      this.o.log.error('publishing failed; the slot stays at the last acknowledged position', { ministry: this.o.ministry, error: err.message });
    });
    this.inFlight.push(sent);
    while (this.inFlight.length > 2) await this.inFlight.shift()!.catch(() => undefined);
    if (this.publishFailure) throw this.publishFailure;
  }

  private async onRelation(rel: Relation): Promise<void> {
    try {
      this.bind(rel);
    } catch (err) {
      if (!(err instanceof ContractDriftError)) throw err;
      this.bindings.set(rel.oid, null);
      await this.stopTable(rel.name, err);
    }
  }

  /**
   * Maps one change onto events, synchronously (an await per change cost a promise and a microtask turn
   * per event). A change of a table not published now — unbound, stopped by drift, or found drifting by
   * this very change — comes back as a SkippedChange for onSkippedChange.
   */
  private onChange(out: ChangeEvent[], rel: Relation, op: 'c' | 'u' | 'd', newTuple: Tuple | null, oldTuple: Tuple | null): SkippedChange | null {
    const tx = this.tx;
    if (!tx) throw new Error(`change outside a transaction on ${rel.namespace}.${rel.name}`);
    const position: SourcePosition = { lsn: tx.finalLsn, index: tx.index++ };
    const binding = this.bindings.get(rel.oid);
    const entity = rel.name;
    const meta = (o: 'c' | 'u' | 'd', p: SourcePosition) => ({ op: o, position: p, xid: tx.xid, commitTs: tx.commitTimeUs, ministry: this.o.ministry, entity });
    if (binding === undefined || binding === null) return { entity, op, tuple: newTuple ?? oldTuple, position };
    const floor = this.floors.get(entity);
    if (floor !== undefined && position.lsn < floor) return null;
    try {
      const id = binding.keyOf((newTuple ?? oldTuple)!);
      if (op === 'd') {
        out.push({ entity, id, value: null, meta: meta('d', position) });
        return null;
      }
      const oldId = oldTuple ? binding.keyOf(oldTuple) : id;
      if (oldId !== id) out.push({ entity, id: oldId, value: null, meta: meta('d', position) });
      out.push({ entity, id, value: binding.encodeValue(newTuple!, oldTuple, tx.finalLsn), meta: meta(op, position) });
      return null;
    } catch (err) {
      if (!(err instanceof ContractDriftError)) throw err;
      this.bindings.set(rel.oid, null);
      return { entity, op, tuple: newTuple ?? oldTuple, position, drift: err };
    }
  }

  /** A change onChange did not publish: stops its table if the change revealed drift, parks it if the table is stopped. */
  private async onSkippedChange(c: SkippedChange): Promise<void> {
    if (c.drift) await this.stopTable(c.entity, c.drift);
    if (this.stopped.has(c.entity)) await this.park(c.entity, c.op, c.tuple, c.position);
  }

  /**
   * Publishes one table again, consistent with the stream: rows of a temporary slot's exported
   * snapshot at position (its consistent point − 1), tombstones for keys parked as deleted while the
   * table was stopped, then a floor so the stream's older changes to it are not published after them.
   * Runs inside the stream handler at a transaction boundary, so nothing else is published meanwhile.
   */
  private async resnapshot(entity: string): Promise<void> {
    const { ministry, log } = this.o;
    const state = this.state!;
    const rel = this.o.contracts.has(entity) ? await readRelation(this.db!, this.schema, entity) : undefined;
    if (!rel) {
      await state.finishRequest(entity, `no exchanged table ${this.schema}.${entity}`);
      return;
    }
    let binding: ContractBinding;
    try {
      this.idColumns.set(entity, rel.columns.findIndex((c) => c.name === 'id'));
      binding = this.newBinding(rel);
    } catch (err) {
      if (!(err instanceof ContractDriftError)) throw err;
      await state.finishRequest(entity, err.message);
      log.error('re-snapshot refused: the table still drifts from its contract', { ministry, entity, field: err.field, reason: err.reason });
      return;
    }
    await this.sendTail;
    const snap = await exportTemporarySnapshot(this.o.pgUrl);
    const reader = new Client({ connectionString: this.o.pgUrl, application_name: `${this.name}-resnapshot` });
    let rows = 0;
    try {
      await reader.connect();
      await reader.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
      await importSnapshot(reader, snap.snapshotName);
      await snap.release();
      const c = snap.consistentPoint;
      let n = 0;
      for await (const chunk of snapshotTable(reader, binding, c, ministry, Date.now() * 1000)) {
        n += chunk.length;
        rows += chunk.length;
        await this.flush(chunk, null, 0);
        cdcMetrics.snapshotRows.inc({ ministry, entity }, chunk.length);
      }
      const table = `"${this.schema}"."${entity}"`;
      for (const p of await state.takeParked(entity)) {
        if (p.op !== 'd') continue;
        const exists = await reader.query(`SELECT 1 FROM ${table} WHERE id = $1`, [p.id]);
        if (exists.rowCount === 0) {
          const meta = { op: 'd' as const, position: { lsn: c - 1n, index: n++ }, xid: 0, commitTs: Date.now() * 1000, ministry, entity };
          await this.flush([{ entity, id: p.id, value: null, meta }], null, 0);
        }
      }
      await reader.query('COMMIT');
      await this.sendTail;
      if (this.publishFailure) throw this.publishFailure;
      await state.setFloor(entity, formatLsn(c));
      this.floors.set(entity, c);
      await state.resumeTable(entity);
      this.stopped.delete(entity);
      cdcMetrics.tablesStopped.set({ ministry }, this.stopped.size);
      this.bindings.set(rel.oid, binding);
      await state.finishRequest(entity);
      await state.recordSnapshot(entity, formatLsn(c), rows, true);
      log.info('table re-snapshot published', { ministry, entity, rows, floor: formatLsn(c) });
    } finally {
      await snap.release().catch(() => undefined);
      await reader.end().catch(() => undefined);
    }
  }

  private async park(entity: string, op: string, tuple: Tuple | null, position: SourcePosition): Promise<void> {
    const idIndex = this.idColumns.get(entity) ?? -1;
    const id = idIndex >= 0 && tuple && idIndex < tuple.length ? tuple.value(idIndex) : null;
    if (typeof id !== 'string') {
      this.o.log.error('change of a stopped table has no key to park', { ministry: this.o.ministry, entity, lsn: formatLsn(position.lsn) });
      return;
    }
    await this.state!.park(entity, id, op, formatLsn(position.lsn), position.index);
    cdcMetrics.parked.inc({ ministry: this.o.ministry, entity });
  }

  private async heartbeat(): Promise<void> {
    try {
      if (this.db && this.running) await emitHeartbeat(this.db, new Date().toISOString());
    } catch (err) {
      this.o.log.warn('heartbeat failed', { ministry: this.o.ministry, error: (err as Error).message });
    }
  }

  private async monitorSlot(): Promise<void> {
    if (!this.db) return;
    try {
      const r = await this.db.query<{ lag: string | null; wal_status: string | null; spill: string | null }>(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::text AS lag, s.wal_status, st.spill_bytes::text AS spill
           FROM pg_replication_slots s LEFT JOIN pg_stat_replication_slots st ON st.slot_name = s.slot_name
          WHERE s.slot_name = $1`,
        [this.slot],
      );
      const row = r.rows[0];
      if (!row) return;
      const labels = { ministry: this.o.ministry, slot: this.slot };
      cdcMetrics.slotLagBytes.set(labels, Number(row.lag ?? 0));
      cdcMetrics.spillBytes.set(labels, Number(row.spill ?? 0));
      cdcMetrics.walStatus.set(labels, row.wal_status === 'reserved' || row.wal_status === 'extended' ? 1 : 0);
      if (row.wal_status === 'unreserved' || row.wal_status === 'lost') {
        this.o.log.error('replication slot WAL at risk: max_slot_wal_keep_size exceeded', { ministry: this.o.ministry, slot: this.slot, walStatus: row.wal_status });
      }
      const q = this.stream?.stats().queued ?? 0;
      cdcMetrics.slotLagSeconds.set({ ministry: this.o.ministry }, q > 0 && this.lastAckedCommitUs > 0 ? Date.now() / 1000 - this.lastAckedCommitUs / 1e6 : 0);
    } catch (err) {
      this.o.log.warn('slot monitoring failed', { ministry: this.o.ministry, error: (err as Error).message });
    }
  }
}
