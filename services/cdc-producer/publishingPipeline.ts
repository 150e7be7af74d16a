import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import type { Lsn } from '../../libs/pgoutput';
import { AckedSequence } from './ackedSequence';
import { cdcMetrics } from './cdcMetrics';
import type { ChangeEvent } from './changeEvent';
import type { ChangePublisher } from './changePublisher';

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

/**
 * The publishing stage: encode and sign a batch (while the previous one is on the wire), send it
 * through the sender thread, and only then let the slot advance. Sends run strictly one after another
 * (the idempotent producer keeps one request in flight); at most two batches wait, so memory stays
 * bounded and the stream's backpressure reaches PostgreSQL. A failed send fails every later one: the
 * slot then stays at the last acknowledged position, and a restart resumes from there.
 */
export class PublishingPipeline {
  private sendTail: Promise<void> = Promise.resolve();
  private readonly inFlight: Promise<void>[] = [];
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
    const prepared = this.o.publisher.prepare(batch);
    const mark = this.o.publisher.sequencer.mark();
    const { ministry } = this.o;
    const sent = this.sendTail.then(async () => {
      if (this.failure) throw this.failure;
      await this.o.publisher.send(prepared);
      this.acked.record(mark, batch);
      const now = Date.now();
      this.o.onAcked?.(batch, now, sourceChanges);
      for (const e of batch) cdcMetrics.events.inc({ ministry, agreement: e.meta.agreementId, entity: e.meta.entity, op: e.meta.op });
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
    this.inFlight.push(sent);
    while (this.inFlight.length > 2) await this.inFlight.shift()!.catch(() => undefined);
    if (this.failure) throw this.failure;
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
