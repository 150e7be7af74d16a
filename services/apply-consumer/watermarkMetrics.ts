import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../libs/metrics';

const LABELS = ['receiver', 'provider', 'agreement'] as const;

/**
 * The receiver's view of the provider's signed watermarks (WatermarkWatch). Events a watermark says were
 * sent and that never arrived count in thahs_apply_event_gaps_total, like a jump in the numbers.
 */
export const watermarkMetrics = {
  received: new Counter({
    name: 'thahs_apply_watermarks_total',
    help: "The provider's per-partition watermarks received, by outcome: accepted, or why one was refused (bad-signature, unknown-key, malformed, replayed, stale, ...); a refused one changes nothing",
    labelNames: [...LABELS, 'outcome'],
    registers: [metricsRegistry],
  }),
  missing: new Gauge({
    name: 'thahs_apply_watermark_missing',
    help: "1 while no valid signed watermark of the provider arrived for longer than twice its interval plus the allowance (THAHS_APPLY_WATERMARK_ALLOWANCE_SEC): the platform withholds them, or the provider's producer is down",
    labelNames: [...LABELS],
    registers: [metricsRegistry],
  }),
  age: new Gauge({
    name: 'thahs_apply_watermark_age_seconds',
    help: 'Seconds since the last valid signed watermark of the provider arrived (since the consumer started, when none has)',
    labelNames: [...LABELS],
    registers: [metricsRegistry],
  }),
};
