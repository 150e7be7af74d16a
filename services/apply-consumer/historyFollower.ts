import type { AgreementState } from '../../libs/agreements';
import type { Logger } from '../../libs/logger';
import type { AgreementPolicy } from './agreementPolicy';

export interface HistoryFollowerOptions {
  /** Reads the agreement histories again (a folder of signed histories, a ministry database). */
  read(): Promise<readonly AgreementState[]>;
  policies: readonly AgreementPolicy[];
  intervalMs?: number;
  log: Logger;
  /** Told after a policy took a new history (e.g. to enforce at once what it makes due). */
  changed?(agreementId: string): Promise<unknown>;
}

/**
 * Keeps running consumers' policies on the newest signed history of their agreements, as the
 * supervisor's ApplyConsumerManager does for `npm start`: a consumer started from a folder of histories
 * (`thahs apply-consumer --agreements <dir>`) used to read it once, so a termination, a suspension or a
 * narrowing signed after its start was never enforced. A history that cannot be read leaves the
 * policies as they are and is tried again at the next interval.
 */
export class HistoryFollower {
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly o: HistoryFollowerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.o.intervalMs ?? 5000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const states = new Map((await this.o.read()).map((s) => [s.agreementId, s]));
      for (const p of this.o.policies) {
        const s = states.get(p.agreementId);
        if (!s || s.lastEventHash === p.current.lastEventHash) continue;
        if (s.events.length < p.current.events.length) {
          this.o.log.error('an agreement history got shorter; the consumer keeps the longer one', { agreement: p.agreementId, had: p.current.events.length, now: s.events.length });
          continue;
        }
        p.update(s);
        this.o.log.info('agreement history changed; the consumer follows it', { agreement: p.agreementId, events: s.events.length });
        await this.o.changed?.(p.agreementId);
      }
    } catch (err) {
      this.o.log.error('reading the agreement histories failed; retried at the next interval', { error: (err as Error).message });
    } finally {
      this.busy = false;
    }
  }
}
