import { WATERMARK_TAIL, type WatermarkPartition } from '../../libs/events';
import { murmur2 } from '../../libs/kafka/keyPartitioner';
import type { ChangeEvent } from './changeEvent';
import type { SequenceMark } from './partitionSequencer';

/** Acknowledged batches kept to name the keys of the last events per partition (references only: the batches are already built). */
const BATCHES_KEPT = 8;

interface Acked {
  before: SequenceMark;
  after: SequenceMark;
  events: readonly ChangeEvent[];
}

/**
 * How far Kafka has acknowledged each partition of the producer's run: what a signed watermark may
 * state. A number given to an event still in flight must not be stated — if its send failed, the
 * next run re-sends the change and the receiver would wait for a number that never comes. The
 * pipeline records, per acknowledged batch, the sequencer's mark taken right after the batch was
 * prepared (batches are prepared and sent strictly in order, so the marks only grow), and keeps the
 * last few batches, from which the keys of the last events of each partition are read when a
 * watermark is made (off the hot path: nothing is done per event when sending).
 */
export class AckedSequence {
  private last: SequenceMark = new Map();
  private readonly batches: Acked[] = [];

  /** A batch prepared when the sequencer stood at `mark` was acknowledged. */
  record(mark: SequenceMark, events: readonly ChangeEvent[]): void {
    // A flush that only confirms (a heartbeat, a transaction nobody shares) numbers nothing and names no key.
    if (events.length === 0) return;
    this.batches.push({ before: this.last, after: mark, events });
    if (this.batches.length > BATCHES_KEPT) this.batches.shift();
    this.last = mark;
  }

  /** Every partition of `topic` this run has numbered, with its last acknowledged number and the keys of its last events; empty when none. */
  partitions(topic: string): WatermarkPartition[] {
    const counts = this.last.get(topic);
    if (!counts) return [];
    return counts.map((seq, partition) => ({ topic, partition, seq, tail: this.tail(topic, partition, seq, counts.length) }));
  }

  /**
   * The last events of a partition, newest last. Their numbers follow from the marks: within a batch a
   * partition's events were numbered in order, ending at the batch's mark. A batch whose events of the
   * partition do not match its mark (some went unnumbered while the partition count was unknown) ends
   * the tail there rather than name a wrong key.
   */
  private tail(topic: string, partition: number, seq: number, partitions: number): [number, string][] {
    const out: [number, string][] = [];
    let next = seq;
    for (let b = this.batches.length - 1; b >= 0 && out.length < WATERMARK_TAIL && next > 0; b--) {
      const { before, after, events } = this.batches[b];
      const end = after.get(topic)?.[partition] ?? 0;
      const start = before.get(topic)?.[partition] ?? 0;
      if (end !== next) break;
      const here: string[] = [];
      for (const e of events) if (e.route.topic === topic && (murmur2(e.route.encodeKey(e.id)) & 0x7fffffff) % partitions === partition) here.push(e.id);
      if (here.length !== end - start) break;
      for (let i = here.length - 1; i >= 0 && out.length < WATERMARK_TAIL; i--) out.push([start + i + 1, here[i]]);
      next = start;
    }
    return out.reverse();
  }
}
