import type { ExchangeStatus } from './statusModel';

/** One point of the status page's charts. */
export interface HistoryPoint {
  /** Epoch ms. */
  t: number;
  /** Consumer lag (events) per `<receiver>/<agreement>`. */
  lag: Record<string, number>;
  /** Producer events per second per ministry (null: unknown at that point). */
  rate: Record<string, number | null>;
}

/**
 * The last points of lag and rate, for the charts: kept in the process that gathers (the main job),
 * so a page opened later still sees the recent past. Bounded: `capacity` points at least `minGapMs`
 * apart (several viewers refreshing at once add one point, not one each).
 */
export class StatusHistory {
  private readonly points: HistoryPoint[] = [];

  constructor(
    private readonly capacity = 360,
    private readonly minGapMs = 4000,
  ) {}

  add(s: ExchangeStatus): void {
    const t = Date.parse(s.generatedAt);
    const last = this.points[this.points.length - 1];
    if (last && t - last.t < this.minGapMs) return;
    const lag: Record<string, number> = {};
    const rate: Record<string, number | null> = {};
    for (const m of s.ministries) {
      rate[m.ministry] = m.producer.eventsPerSecond;
      for (const a of m.agreements) if (a.consumer) lag[`${m.ministry}/${a.agreementId}`] = a.consumer.totalLag;
    }
    this.points.push({ t, lag, rate });
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
  }

  list(): HistoryPoint[] {
    return [...this.points];
  }
}
