import type { Logger } from '../../libs/logger';
import { applyMetrics } from './applyMetrics';

const stalledGauge = applyMetrics.stalled;

interface Partition {
  topic: string;
  partition: number;
  /** Next offset to apply (the last applied + 1), as known. */
  next: bigint;
  /** Offset after the newest event known to exist (the fetch's high watermark). */
  end: bigint;
  /** When `next` last moved, or events first became due. */
  sinceMs: number;
  stalled: boolean;
  lastError?: string;
}

export interface PartitionProgressOptions {
  group: string;
  /** How long a partition with events waiting may apply nothing before it is reported stalled. */
  stallMs: number;
  log: Logger;
  clock?: () => number;
}

/**
 * Notices a partition that makes no progress: events wait (the high watermark is past what was
 * applied) and nothing was applied for longer than the stall time — a record the consumer keeps
 * failing on, an outage it keeps retrying through, a fetch that cannot be decoded. Such a partition is
 * reported (the metric and one error line when it stalls, one line when it moves again) and makes the
 * consumer unhealthy, instead of being retried silently for ever while /health stays green.
 */
export class PartitionProgress {
  private readonly partitions = new Map<string, Partition>();
  private readonly clock: () => number;

  constructor(private readonly o: PartitionProgressOptions) {
    this.clock = o.clock ?? Date.now;
  }

  private entry(topic: string, partition: number, next: bigint): Partition {
    const k = `${topic}/${partition}`;
    let p = this.partitions.get(k);
    if (!p) {
      p = { topic, partition, next, end: next, sinceMs: this.clock(), stalled: false };
      this.partitions.set(k, p);
    }
    return p;
  }

  /** A fetch delivered events from `firstOffset` up to `highWatermark` (exclusive). */
  fetched(topic: string, partition: number, firstOffset: string, highWatermark: string): void {
    const p = this.entry(topic, partition, BigInt(firstOffset));
    const end = BigInt(highWatermark);
    if (p.next >= p.end && end > p.next) p.sinceMs = this.clock();
    if (end > p.end) p.end = end;
  }

  /** Everything of the partition before `nextOffset` is applied. */
  applied(topic: string, partition: number, nextOffset: string, highWatermark: string): void {
    const p = this.entry(topic, partition, BigInt(nextOffset));
    const next = BigInt(nextOffset);
    if (next > p.next) {
      p.next = next;
      p.sinceMs = this.clock();
      p.lastError = undefined;
    }
    const end = BigInt(highWatermark);
    if (end > p.end) p.end = end;
    if (p.stalled) this.resume(p);
  }

  /** A chunk of the partition failed for a reason outside the events (it is retried). */
  failed(topic: string, partition: number, error: string): void {
    const p = this.partitions.get(`${topic}/${partition}`);
    if (p) p.lastError = error;
  }

  /** Partitions the member no longer holds are not its to watch. */
  retainOnly(held: ReadonlySet<string>): void {
    for (const [k, p] of this.partitions) {
      if (held.has(k)) continue;
      if (p.stalled) stalledGauge.set({ group: this.o.group, topic: p.topic, partition: String(p.partition) }, 0);
      this.partitions.delete(k);
    }
  }

  /** Looks at every partition now; returns the stalled ones. */
  check(): { topic: string; partition: number; waiting: string; sinceMs: number; lastError?: string }[] {
    const now = this.clock();
    const out = [];
    for (const p of this.partitions.values()) {
      const waiting = p.end - p.next;
      if (waiting > 0n && now - p.sinceMs > this.o.stallMs) {
        if (!p.stalled) {
          p.stalled = true;
          stalledGauge.set({ group: this.o.group, topic: p.topic, partition: String(p.partition) }, 1);
          this.o.log.error('partition stalled: events wait and none was applied for longer than the stall time', {
            group: this.o.group,
            topic: p.topic,
            partition: p.partition,
            nextOffset: p.next.toString(),
            waiting: waiting.toString(),
            stalledForSec: Math.round((now - p.sinceMs) / 1000),
            lastError: p.lastError,
          });
        }
        out.push({ topic: p.topic, partition: p.partition, waiting: waiting.toString(), sinceMs: p.sinceMs, lastError: p.lastError });
      } else if (p.stalled && waiting <= 0n) this.resume(p);
    }
    return out;
  }

  /** Whether events are known to wait on the partition beyond what was applied. */
  waiting(topic: string, partition: number): boolean {
    const p = this.partitions.get(`${topic}/${partition}`);
    return p !== undefined && p.end > p.next;
  }

  get anyStalled(): boolean {
    for (const p of this.partitions.values()) if (p.stalled) return true;
    return false;
  }

  private resume(p: Partition): void {
    p.stalled = false;
    stalledGauge.set({ group: this.o.group, topic: p.topic, partition: String(p.partition) }, 0);
    this.o.log.info('partition applying again', { group: this.o.group, topic: p.topic, partition: p.partition, nextOffset: p.next.toString() });
  }
}
