import type { Logger } from '../../libs/logger';
import type { SourcePosition } from '../../libs/events';
import { isHeartbeat, ReplicationStream, type Lsn, type Relation, type ReplicationEvent, type SlotInfo, type Tuple } from '../../libs/pgoutput';

/** Where the streaming source hands what it reads, in WAL order. */
export interface StreamSink {
  /** Before a handler call that starts outside a transaction: the place for work that must not interleave with one. */
  atBoundary(): Promise<void>;
  relation(rel: Relation): Promise<void>;
  /**
   * One row change, handled synchronously (an await per change cost a promise and a microtask turn per
   * event); a change that needs asynchronous work (drift, parking) returns a promise for it.
   */
  change(op: 'c' | 'u' | 'd', rel: Relation, newTuple: Tuple | null, oldTuple: Tuple | null, position: SourcePosition, xid: number, commitTimeUs: number): Promise<void> | null;
  /** Events routed so far and not yet flushed. */
  pending(): number;
  /** Publishes what was routed; once acknowledged the slot may advance to `confirm`. */
  flush(confirm: Lsn | null, commitUs: number): Promise<void>;
}

export interface StreamingSourceOptions {
  pgUrl: string;
  slot: string;
  publication: string;
  applicationName: string;
  /** Most changes per handler call, and the flush size within one. */
  batch: number;
  log: Logger;
}

interface OpenTransaction {
  finalLsn: Lsn;
  commitTimeUs: number;
  xid: number;
  index: number;
}

/**
 * The streaming source: the replication connection (pgoutput, protocol 1, UTC/ISO text), with each
 * change given its total-order position (commit LSN, index in the transaction) and handed to the sink
 * in WAL order. Commits and heartbeats give the position the slot may advance to once everything
 * before it is acknowledged; the sink decides when that is.
 */
export class StreamingSource {
  private stream?: ReplicationStream;
  private tx?: OpenTransaction;

  constructor(private readonly o: StreamingSourceOptions) {}

  /** The slot, created with no snapshot when missing: backfills read snapshots of their own (snapshotSource). */
  async open(): Promise<{ slot: SlotInfo; systemId: string }> {
    this.stream = new ReplicationStream({
      connection: this.o.pgUrl,
      slot: this.o.slot,
      publications: [this.o.publication],
      protoVersion: 1,
      messages: true,
      walSenderSettings: { timezone: 'UTC', datestyle: 'ISO' },
      // Fewer, larger Kafka requests: each send is a round trip (one request in flight), so a backlog
      // drains faster in large handler calls; the queue bound keeps memory in check meanwhile.
      maxBatchSize: this.o.batch,
      highWaterMark: this.o.batch,
      applicationName: this.o.applicationName,
      logger: this.o.log,
    });
    await this.stream.connect();
    const identity = await this.stream.identifySystem();
    const slot = await this.stream.ensureSlot('nothing');
    return { slot, systemId: identity.systemId };
  }

  async start(sink: StreamSink): Promise<void> {
    await this.stream!.start((events) => this.handle(events, sink));
  }

  get finished(): Promise<void> | undefined {
    return this.stream?.finished;
  }

  streaming(): boolean {
    return this.stream?.stats().state === 'streaming';
  }

  queued(): number {
    return this.stream?.stats().queued ?? 0;
  }

  confirm(lsn: Lsn): void {
    this.stream!.confirm(lsn);
  }

  async stop(): Promise<void> {
    await this.stream?.stop();
  }

  private async handle(events: readonly ReplicationEvent[], sink: StreamSink): Promise<void> {
    if (this.tx === undefined) await sink.atBoundary();
    let confirm: Lsn | null = null;
    let commitUs = 0;
    for (const ev of events) {
      const m = ev.message;
      let pending: Promise<void> | null = null;
      switch (m.tag) {
        case 'begin':
          this.tx = { finalLsn: m.finalLsn, commitTimeUs: Number(m.commitTime), xid: m.xid, index: 0 };
          break;
        case 'relation':
          await sink.relation(m.relation);
          break;
        case 'insert':
          pending = this.change(sink, 'c', m.relation, m.newTuple, null);
          break;
        case 'update':
          pending = this.change(sink, 'u', m.relation, m.newTuple, m.oldTuple ?? m.keyTuple);
          break;
        case 'delete':
          pending = this.change(sink, 'd', m.relation, null, m.oldTuple ?? m.keyTuple);
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
      if (pending) await pending;
      if (sink.pending() >= this.o.batch) await sink.flush(null, 0);
    }
    await sink.flush(confirm, commitUs);
  }

  private change(sink: StreamSink, op: 'c' | 'u' | 'd', rel: Relation, newTuple: Tuple | null, oldTuple: Tuple | null): Promise<void> | null {
    const tx = this.tx;
    if (!tx) throw new Error(`change outside a transaction on ${rel.namespace}.${rel.name}`);
    return sink.change(op, rel, newTuple, oldTuple, { lsn: tx.finalLsn, index: tx.index++ }, tx.xid, tx.commitTimeUs);
  }
}
