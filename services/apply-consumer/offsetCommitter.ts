import type { Logger } from '../../libs/logger';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read (the last applied one + 1), as Kafka's commit takes it. */
  offset: string;
}

export interface OffsetCommitterOptions {
  /** Commits offsets to the consumer group (kafkajs consumer.commitOffsets). */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** At most this often (default 1,000 ms). */
  intervalMs?: number;
  group: string;
  log: Logger;
}

/**
 * Offsets reach Kafka at most once an interval, one request for all partitions: each commit is a
 * request and an append to __consumer_offsets, and one per applied chunk cost the consumer and the
 * broker more than a few hundred events. Only offsets of chunks the partner store has committed are
 * ever marked, so a crash repeats at most an interval of events, which the position check makes
 * harmless. A failed commit is retried on the next flush unless a newer offset or a rebalance
 * superseded it.
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, TopicPartitionOffset>();
  private committing?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: OffsetCommitterOptions) {}

  /** The store committed everything of this partition before `nextOffset`. */
  mark(topic: string, partition: number, nextOffset: string): void {
    this.pending.set(`${topic}/${partition}`, { topic, partition, offset: nextOffset });
  }

  /** After a rebalance: offsets of partitions this member no longer holds are the new owner's to commit. */
  retainOnly(held: ReadonlySet<string>): void {
    for (const k of [...this.pending.keys()]) if (!held.has(k)) this.pending.delete(k);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.o.intervalMs ?? 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Commits every pending offset; concurrent callers share the one commit in progress. The shared
   * promise is cleared in a continuation, never synchronously: a flush with nothing to send completes at
   * once, and clearing it inside would run before the assignment and leave a settled promise that made
   * every later flush a no-op (found by applyCrash.test.ts).
   */
  flush(): Promise<void> {
    if (this.committing) return this.committing;
    const run = this.commitPending();
    this.committing = run;
    void run.finally(() => {
      if (this.committing === run) this.committing = undefined;
    });
    return run;
  }

  private async commitPending(): Promise<void> {
    while (this.pending.size > 0) {
      const offsets = [...this.pending.values()];
      this.pending.clear();
      try {
        await this.o.commit(offsets);
      } catch (err) {
        // The store is already ahead, so nothing is lost: a restart repeats events, which changes nothing.
        this.o.log.warn('offset commit failed after the store commit; retried on the next flush', {
          group: this.o.group,
          partitions: offsets.length,
          error: (err as Error).message,
        });
        for (const o of offsets) {
          const k = `${o.topic}/${o.partition}`;
          if (!this.pending.has(k)) this.pending.set(k, o);
        }
        return;
      }
    }
  }
}
