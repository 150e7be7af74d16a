import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../../libs/metrics';

/** What operators watch on a producer: event rates, how far the slot lags, and what the server spills. */
export const cdcMetrics = {
  events: new Counter({
    name: 'thahs_cdc_events_total',
    help: 'Change events acknowledged by Kafka, per agreement topic',
    labelNames: ['ministry', 'agreement', 'entity', 'op'],
    registers: [metricsRegistry],
  }),
  sourceChanges: new Counter({
    name: 'thahs_cdc_source_changes_total',
    help: 'Row changes of exchanged tables read from the slot and done with (published to every agreement that shares them, or shared by none)',
    labelNames: ['ministry'],
    registers: [metricsRegistry],
  }),
  snapshotRows: new Counter({
    name: 'thahs_cdc_snapshot_rows_total',
    help: 'Rows published from consistent snapshots (backfills when an agreement takes effect or widens, re-snapshots, re-publications)',
    labelNames: ['ministry', 'agreement', 'entity'],
    registers: [metricsRegistry],
  }),
  parked: new Counter({
    name: 'thahs_cdc_parked_changes_total',
    help: 'Changes of stopped tables parked for re-snapshot',
    labelNames: ['ministry', 'entity'],
    registers: [metricsRegistry],
  }),
  suspendedKeys: new Counter({
    name: 'thahs_cdc_suspended_changes_total',
    help: 'Changes not published because their agreement is suspended (or lists no key held here); their keys are published again at the resumption',
    labelNames: ['ministry', 'agreement', 'entity'],
    registers: [metricsRegistry],
  }),
  routes: new Gauge({
    name: 'thahs_cdc_agreement_routes',
    help: 'Agreement topics this producer publishes to now, by state of their scope',
    labelNames: ['ministry', 'state'],
    registers: [metricsRegistry],
  }),
  restarts: new Counter({
    name: 'thahs_cdc_restarts_total',
    help: 'Times the producer lost a server it depends on (source database, Kafka, registry) and started again from its slot',
    labelNames: ['ministry'],
    registers: [metricsRegistry],
  }),
  slotsLost: new Counter({
    name: 'thahs_cdc_slots_lost_total',
    help: 'Times the replication slot was found missing (dropped) or its WAL lost while the producer had published: every published table was re-snapshotted; deletes made meanwhile are found by reconcile',
    labelNames: ['ministry', 'slot'],
    registers: [metricsRegistry],
  }),
  tablesStopped: new Gauge({ name: 'thahs_cdc_tables_stopped', help: 'Tables stopped by contract drift', labelNames: ['ministry'], registers: [metricsRegistry] }),
  slotLagBytes: new Gauge({
    name: 'thahs_cdc_slot_lag_bytes',
    help: 'WAL bytes between the server insert position and the slot confirmed flush position',
    labelNames: ['ministry', 'slot'],
    registers: [metricsRegistry],
  }),
  slotLagSeconds: new Gauge({
    name: 'thahs_cdc_slot_lag_seconds',
    help: 'Seconds between the last acknowledged commit and now, while changes are pending',
    labelNames: ['ministry'],
    registers: [metricsRegistry],
  }),
  spillBytes: new Gauge({
    name: 'thahs_cdc_spill_bytes',
    help: 'Bytes the walsender spilled to disk for large transactions (pg_stat_replication_slots)',
    labelNames: ['ministry', 'slot'],
    registers: [metricsRegistry],
  }),
  walStatus: new Gauge({
    name: 'thahs_cdc_slot_wal_safe',
    help: '1 while the slot WAL is reserved/extended, 0 when unreserved or lost (max_slot_wal_keep_size)',
    labelNames: ['ministry', 'slot'],
    registers: [metricsRegistry],
  }),
  commitToAck: new Histogram({
    name: 'thahs_cdc_commit_to_ack_seconds',
    help: 'Source commit to Kafka acknowledgement',
    labelNames: ['ministry'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metricsRegistry],
  }),
};
