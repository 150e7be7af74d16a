import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../../libs/metrics';

const KEY = ['receiver', 'provider', 'entity', 'agreement'] as const;

/** What operators watch on a consumer: what was applied, withheld and refused, how far behind it is, how fresh the data. */
export const applyMetrics = {
  applied: new Counter({
    name: 'thahs_apply_applied_total',
    help: 'Changes applied to the partner store (rows written, or removed by a delete or by leaving the filter)',
    labelNames: [...KEY, 'action'],
    registers: [metricsRegistry],
  }),
  withheld: new Counter({
    name: 'thahs_apply_withheld_total',
    help: 'Events withheld because no agreement version was in force at their commit time (default deny)',
    labelNames: [...KEY],
    registers: [metricsRegistry],
  }),
  deadLettered: new Counter({
    name: 'thahs_apply_dead_lettered_total',
    help: 'Events sent to the dead-letter queue (not verified, decoded or validated)',
    labelNames: [...KEY, 'reason'],
    registers: [metricsRegistry],
  }),
  skipped: new Counter({
    name: 'thahs_apply_skipped_total',
    help: 'Events with no effect: superseded by a newer change of the key in the same batch, or older than the stored row (replays)',
    labelNames: [...KEY, 'reason'],
    registers: [metricsRegistry],
  }),
  lag: new Gauge({
    name: 'thahs_apply_consumer_lag',
    help: 'Messages between the last applied offset and the end of the partition',
    labelNames: ['group', 'topic', 'partition'],
    registers: [metricsRegistry],
  }),
  stalled: new Gauge({
    name: 'thahs_apply_partition_stalled',
    help: '1 while a partition has events waiting and has applied none for longer than the stall time (THAHS_APPLY_STALL_SEC)',
    labelNames: ['group', 'topic', 'partition'],
    registers: [metricsRegistry],
  }),
  latency: new Histogram({
    name: 'thahs_apply_latency_seconds',
    help: 'Source commit to partner-store commit',
    labelNames: ['receiver', 'provider', 'entity'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [metricsRegistry],
  }),
  eventGaps: new Counter({
    name: 'thahs_apply_event_gaps_total',
    help: 'Events the provider numbered in a partition (meta version 2) that never arrived: withheld or deleted by the platform',
    labelNames: ['receiver', 'provider', 'agreement', 'topic', 'partition'],
    registers: [metricsRegistry],
  }),
  keysUnbound: new Gauge({
    name: 'thahs_apply_keys_unbound',
    help: "Provider key files held here that an agreement version confirmed after the consumer's start binds to another public key (SHA-256): no longer trusted",
    labelNames: ['receiver', 'provider', 'agreement'],
    registers: [metricsRegistry],
  }),
  sourceEpochChanges: new Counter({
    name: 'thahs_apply_source_epoch_changes_total',
    help: "Times the provider's events came from a source cluster (system identifier) the partner store had not seen: a restore or move of the provider database, which then re-snapshots",
    labelNames: ['receiver', 'provider', 'agreement'],
    registers: [metricsRegistry],
  }),
};
