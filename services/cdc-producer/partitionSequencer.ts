import { randomBytes } from 'crypto';
import type { EventSequence } from '../../libs/events';
import { murmur2 } from '../../libs/kafka/keyPartitioner';

/**
 * Numbers the events one producer run sends to each topic partition, 1, 2, 3, … (meta version 2), so
 * a receiver can tell an event the platform withheld or deleted: the next one's number jumps. The
 * partition is the one the sender's KeyPartitioner will choose (murmur2 of the key modulo the topic's
 * partition count). A run is one publisher: the producer makes a new one at every start, so events
 * re-sent from the slot after a failure belong to a new run and never look like a gap. Numbers are
 * taken in prepare order, which is the send order (the pipeline sends strictly one batch after another).
 */
export class PartitionSequencer {
  readonly run = randomBytes(8).toString('hex');
  private readonly counters = new Map<string, number[]>();

  constructor(private readonly partitionsOf: (topic: string) => number | undefined) {}

  /** The next number of the key's partition; undefined (not sequenced) while the topic's partition count is unknown. */
  next(topic: string, key: Buffer): EventSequence | undefined {
    let c = this.counters.get(topic);
    if (!c) {
      const n = this.partitionsOf(topic);
      if (n === undefined || n <= 0) return undefined;
      c = new Array<number>(n).fill(0);
      this.counters.set(topic, c);
    }
    const p = (murmur2(key) & 0x7fffffff) % c.length;
    return { run: this.run, seq: ++c[p] };
  }

  /** The numbers given so far, per topic and partition (a copy): taken once per batch, never per event. */
  mark(): SequenceMark {
    const out = new Map<string, readonly number[]>();
    for (const [topic, c] of this.counters) out.set(topic, c.slice());
    return out;
  }
}

/** Per topic, the last number given on each partition (index = partition). */
export type SequenceMark = ReadonlyMap<string, readonly number[]>;
