/**
 * Lets partitions apply side by side while keeping the receiver's purges alone: chunks of different
 * partitions touch different keys (a key always maps to one partition), but a purge or deletion run
 * rewrites whole tables and must see no apply in flight. Waiting exclusive work holds back new shared
 * work, so a steady stream of chunks cannot starve a purge.
 */
export class ApplyGate {
  private active = 0;
  private exclusiveRunning = false;
  private readonly waiting: { exclusive: boolean; start: () => void }[] = [];

  shared<T>(fn: () => Promise<T>): Promise<T> {
    return this.run(false, fn);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.run(true, fn);
  }

  private async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    if (!this.canStart(exclusive)) await new Promise<void>((start) => this.waiting.push({ exclusive, start }));
    else this.enter(exclusive);
    try {
      return await fn();
    } finally {
      if (exclusive) this.exclusiveRunning = false;
      else this.active--;
      this.wake();
    }
  }

  private canStart(exclusive: boolean): boolean {
    if (this.exclusiveRunning) return false;
    if (exclusive) return this.active === 0 && this.waiting.length === 0;
    return this.waiting.length === 0;
  }

  private enter(exclusive: boolean): void {
    if (exclusive) this.exclusiveRunning = true;
    else this.active++;
  }

  /** Starts waiters in arrival order: one exclusive alone, or every shared one up to the next exclusive. */
  private wake(): void {
    while (this.waiting.length > 0 && !this.exclusiveRunning) {
      const next = this.waiting[0];
      if (next.exclusive && this.active > 0) return;
      this.waiting.shift();
      this.enter(next.exclusive);
      next.start();
      if (next.exclusive) return;
    }
  }
}
