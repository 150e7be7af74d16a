import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Operation } from '../../libs/events';
import type { Logger } from '../../libs/logger';
import type { Lsn } from '../../libs/pgoutput';
import { AckedSequence } from './ackedSequence';
import { cdcMetrics } from './cdcMetrics';
import type { ChangeEvent } from './changeEvent';
import type { ChangePublisher, PreparedBatch } from './changePublisher';

export interface PublishingPipelineOptions {
  ministry: Ministry;
  publisher: ChangePublisher;
  /** Lets the replication slot advance to `lsn`: called only once every event before it is acknowledged. */
  confirm(lsn: Lsn): void;
  log: Logger;
  /**
   * After Kafka acknowledged a flush: its events, when, and how many source changes it covered
   * (changes an agreement does not share count too: they are done once the slot may pass them).
   */
  onAcked?: (events: readonly ChangeEvent[], ackedAtMs: number, sourceChanges: number) => void;
}

const OP_SLOT: Readonly<Record<Operation, number>> = { c: 0, u: 1, d: 2, r: 3 };
const OP_OF = ['c', 'u', 'd', 'r'] as const;

/**
 * thahs_cdc_events_total for an acknowledged flush: counted per agreement, entity and operation first,
 * then one increment each. prom-client makes a label key of every increment (~0.35 µs an event here).
 */
function countEvents(ministry: string, batch: readonly ChangeEvent[]): void {
  if (batch.length === 0) return;
  const counts = new Map<string, Map<string, number[]>>();
  for (const e of batch) {
    const m = e.meta;
    let entities = counts.get(m.agreementId);
    if (!entities) counts.set(m.agreementId, (entities = new Map()));
    let n = entities.get(m.entity);
    if (!n) entities.set(m.entity, (n = [0, 0, 0, 0]));
    n[OP_SLOT[m.op]]++;
  }
  for (const [agreement, entities] of counts) {
    for (const [entity, n] of entities) for (let k = 0; k < n.length; k++) if (n[k] > 0) cdcMetrics.events.inc({ ministry, agreement, entity, op: OP_OF[k] }, n[k]);
  }
}

/**
 * Events, and flushes, that may wait behind the send on the wire before flush() waits too (the stream's
 * backpressure): two full batches, as when every flush was sent on its own and two could wait.
 */
const WAITING_EVENTS = 4000;
const WAITING_FLUSHES = 64;

interface Unsent {
  prepared: PreparedBatch;
  /** The send that carries it, once one does. */
  sending?: Promise<void>;
}

/**
 * The publishing stage: encode and sign a batch (while the previous one is on the wire), send it
 * through the sender thread, and only then let the slot advance. Sends run strictly one after another
 * (the idempotent producer keeps one request in flight), and the batches prepared meanwhile go
 * out together in the next send; at most WAITING_EVENTS events wait, so memory stays bounded and the
 * stream's backpressure reaches PostgreSQL. A failed send fails every later one: the
 * slot then stays at the last acknowledged position, and a restart resumes from there.
 */
export class PublishingPipeline {
  private sendTail: Promise<void> = Promise.resolve();
  private readonly inFlight: { sent: Promise<void>; events: number }[] = [];
  private waitingEvents = 0;
  /** Prepared flushes not handed to the sender yet, oldest first. */
  private readonly unsent: Unsent[] = [];
  private failure?: Error;
  /** Commit time (µs) of the last acknowledged transaction, for the slot-lag gauge. */
  lastAckedCommitUs = 0;
  /** How far Kafka acknowledged each partition of the run: what signed watermarks state (WatermarkEmitter). */
  readonly acked = new AckedSequence();

  constructor(private readonly o: PublishingPipelineOptions) {}

  get failed(): Error | undefined {
    return this.failure;
  }

  /**
   * Queues `events` behind the sends in flight; once Kafka acknowledged them (and so everything queued
   * before), the slot may advance to `confirm`. `events` is emptied (the caller reuses the array).
   */
  async flush(events: ChangeEvent[], confirm: Lsn | null, commitUs: number, sourceChanges = 0): Promise<void> {
    if (this.failure) throw this.failure;
    const batch = events.splice(0);
    if (batch.length === 0 && confirm === null && sourceChanges === 0) return;
    const entry: Unsent = { prepared: this.o.publisher.prepare(batch) };
    this.unsent.push(entry);
    const mark = this.o.publisher.sequencer.mark();
    const { ministry } = this.o;
    const sent = this.sendTail.then(async () => {
      if (this.failure) throw this.failure;
      await this.sendFrom(entry);
      this.acked.record(mark, batch);
      const now = Date.now();
      this.o.onAcked?.(batch, now, sourceChanges);
      countEvents(ministry, batch);
      if (sourceChanges > 0) cdcMetrics.sourceChanges.inc({ ministry }, sourceChanges);
      // Never confirm past an unacknowledged event: this runs only after every earlier send succeeded.
      if (confirm !== null) this.o.confirm(confirm);
      if (commitUs > 0) {
        this.lastAckedCommitUs = commitUs;
        cdcMetrics.commitToAck.observe({ ministry }, Math.max(0, now / 1000 - commitUs / 1e6));
      }
    });
    this.sendTail = sent.catch((err: Error) => {
      this.failure ??= err;
      this.o.log.error('publishing failed; the slot stays at the last acknowledged position', { ministry, error: err.message });
    });
    this.inFlight.push({ sent, events: batch.length });
    this.waitingEvents += batch.length;
    while (this.inFlight.length > 2 && (this.waitingEvents > WAITING_EVENTS || this.inFlight.length > WAITING_FLUSHES)) {
      const first = this.inFlight.shift()!;
      this.waitingEvents -= first.events;
      await first.sent.catch(() => undefined);
    }
    if (this.failure) throw this.failure;
  }

  /**
   * The send that carries `entry`: every flush prepared while the previous send was on the wire goes
   * in one, so a producer that keeps up with its source does not pay a thread hop, a Kafka request and
   * an acknowledgement round trip per transaction (per handler call). Flushes reach here in order, each
   * after the one before was acknowledged, so `entry` is either already taken or the oldest unsent.
   */
  private sendFrom(entry: Unsent): Promise<void> {
    if (entry.sending === undefined) {
      const taken = this.unsent.splice(0);
      const sending = this.o.publisher.send(taken.length === 1 ? taken[0].prepared : taken.flatMap((u) => u.prepared));
      for (const u of taken) u.sending = sending;
    }
    return entry.sending!;
  }

  /** Resolves when every queued send is acknowledged; throws the first failure. */
  async drain(): Promise<void> {
    await this.sendTail;
    if (this.failure) throw this.failure;
  }

  /** Waits for the sends in flight, whatever their outcome (on stop). */
  async settle(): Promise<void> {
    await this.sendTail;
  }
}
