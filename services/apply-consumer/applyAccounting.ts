import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import { applyMetrics } from './applyMetrics';
import type { ChunkResult } from './chunkWriter';
import type { Assessment } from './eventAssessor';

/** Counts since start, for operators and tests. */
export interface ApplyStats {
  received: number;
  applied: number;
  superseded: number;
  stale: number;
  withheld: number;
  deadLettered: number;
}

type LabelCounts = Map<string, { labels: Record<string, string>; n: number }>;

/**
 * Counts one event under (entity, detail); the labels object is built once per group, not per event
 * (a spread and a JSON key per event were a visible share of the consumer's CPU).
 */
function bump(m: LabelCounts, entity: string, detail: string, labels: () => Record<string, string>): void {
  const k = `${entity}\u0000${detail}`;
  const e = m.get(k);
  if (e) e.n++;
  else m.set(k, { labels: labels(), n: 1 });
}

/** The metrics and counts of what each chunk did, and one log line per dead letter (coordinates and reason only). */
export class ApplyAccounting {
  private readonly counts: ApplyStats = { received: 0, applied: 0, superseded: 0, stale: 0, withheld: 0, deadLettered: 0 };
  private readonly latencyByEntity = new Map<string, { observe(v: number): void }>();

  constructor(private readonly o: { receiver: Ministry; provider: Ministry; agreementId: string; group: string; log: Logger }) {}

  stats(): Readonly<ApplyStats> {
    return { ...this.counts };
  }

  /** The latency histogram's child for an entity, kept: prom-client hashes the labels on every observe otherwise. */
  private latencyOf(entity: string): { observe(v: number): void } {
    let h = this.latencyByEntity.get(entity);
    if (!h) {
      h = applyMetrics.latency.labels({ receiver: this.o.receiver, provider: this.o.provider, entity });
      this.latencyByEntity.set(entity, h);
    }
    return h;
  }

  account(assessed: readonly Assessment[], r: ChunkResult): void {
    const { receiver, provider, agreementId: agreement, log, group } = this.o;
    const base = (entity: string): Record<string, string> => ({ receiver, provider, entity, agreement });
    const appliedBy: LabelCounts = new Map();
    const skippedBy: LabelCounts = new Map();
    const withheldBy: LabelCounts = new Map();
    const deadBy: LabelCounts = new Map();
    const nowUs = Date.now() * 1000;
    for (const c of r.applied) {
      const action = c.row === null ? 'delete' : 'upsert';
      bump(appliedBy, c.entity, action, () => ({ ...base(c.entity), action }));
      this.latencyOf(c.entity).observe(Math.max(0, (nowUs - c.commitTsUs) / 1e6));
    }
    for (const c of r.stale) bump(skippedBy, c.entity, 'stale', () => ({ ...base(c.entity), reason: 'stale' }));
    for (const c of r.superseded) bump(skippedBy, c.entity, 'superseded', () => ({ ...base(c.entity), reason: 'superseded' }));
    let withheld = 0;
    for (const a of assessed) {
      if (a.kind !== 'withheld') continue;
      withheld++;
      bump(withheldBy, a.entity, '', () => base(a.entity));
    }
    for (const d of r.recordedDeadLetters) {
      const entity = d.entity ?? 'unknown';
      bump(deadBy, entity, d.reason, () => ({ ...base(entity), reason: d.reason }));
      log.warn('event dead-lettered', { group, reason: d.reason, topic: d.topic, partition: d.partition, offset: d.offset });
    }
    for (const { labels, n } of appliedBy.values()) applyMetrics.applied.inc(labels, n);
    for (const { labels, n } of skippedBy.values()) applyMetrics.skipped.inc(labels, n);
    for (const { labels, n } of withheldBy.values()) applyMetrics.withheld.inc(labels, n);
    for (const { labels, n } of deadBy.values()) applyMetrics.deadLettered.inc(labels, n);
    this.counts.received += assessed.length;
    this.counts.applied += r.applied.length;
    this.counts.stale += r.stale.length;
    this.counts.superseded += r.superseded.length;
    this.counts.withheld += withheld;
    this.counts.deadLettered += assessed.filter((a) => a.kind === 'dead-letter').length;
  }

  lag(topic: string, partition: number, lag: bigint): void {
    applyMetrics.lag.set({ group: this.o.group, topic, partition: String(partition) }, Number(lag > 0n ? lag : 0n));
  }
}
