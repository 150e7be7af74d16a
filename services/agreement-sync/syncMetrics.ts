import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../libs/metrics';

/** What operators watch on the agreement exchange: steps stored and rejected, per ministry and stream. */
export const syncMetrics = {
  events: new Counter({
    name: 'thahs_agreement_sync_events_total',
    help: 'Agreement and request events handled by the agreement-sync service, by outcome (stored, rejected)',
    labelNames: ['ministry', 'stream', 'outcome'],
    registers: [metricsRegistry],
  }),
  lastOffset: new Gauge({
    name: 'thahs_agreement_sync_next_offset',
    help: 'Next offset the ministry database has consumed, per exchange topic partition',
    labelNames: ['ministry', 'topic', 'partition'],
    registers: [metricsRegistry],
  }),
};
