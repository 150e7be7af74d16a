/**
 * The FIFO between the socket reader and a slower async consumer. Past `highWater` items it calls
 * `pause` (the stream stops reading the socket, so the walsender's send buffer fills and decoding on
 * the server waits); once the consumer has taken it down to `lowWater` it calls `resume`. Memory is
 * bounded by highWater + one consumer batch + whatever the last socket read held.
 */
export class EventQueue<T> {
  private items: T[] = [];
  private head = 0;
  private paused = false;
  private closed = false;
  private waiter: (() => void) | null = null;
  private peak = 0;
  private pauses = 0;

  constructor(
    private readonly highWater: number,
    private readonly lowWater: number,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {
    if (!(highWater >= 1) || !(lowWater >= 0) || lowWater >= highWater) {
      throw new RangeError(`need 0 <= lowWater < highWater, got ${lowWater} / ${highWater}`);
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Largest size seen, and how many times the reader was paused. */
  get stats(): { peak: number; pauses: number } {
    return { peak: this.peak, pauses: this.pauses };
  }

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    const size = this.size;
    if (size > this.peak) this.peak = size;
    if (!this.paused && size >= this.highWater) {
      this.paused = true;
      this.pauses++;
      this.pause();
    }
    this.wake();
  }

  /**
   * Up to `max` items in order; waits while empty. An empty array means the queue was closed.
   *
   * Short of `max`, it first lets the event loop turn once: one socket read can hold many messages that
   * reach push() one by one with promise jobs run in between. Over TLS (node's TLSWrap hands each
   * decrypted record on by itself, and the walsender writes a record per message) the consumer was
   * woken for every record and took ~16 events a call where plain TCP gave it ~170 (bench cdc
   * --profile secure, 2026-12-04): ten times the handler calls, flushes, signatures and Kafka sends for
   * the same changes. The turn costs microseconds, once per batch.
   */
  async take(max: number): Promise<T[]> {
    while (this.size === 0) {
      if (this.closed) return [];
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    if (this.size < max) await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.closed) return [];
    const n = Math.min(max, this.size);
    const batch = this.items.slice(this.head, this.head + n);
    this.head += n;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.size <= this.lowWater) {
      this.paused = false;
      this.resume();
    }
    return batch;
  }

  /** Drops what is queued and ends `take`; a closed queue ignores pushes. */
  close(): void {
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w();
    }
  }
}
