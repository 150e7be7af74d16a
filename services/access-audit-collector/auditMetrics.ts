import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../libs/metrics';

/** What operators watch on the access audit: reads collected, whether the audit works, and what it misses. */
export const auditMetrics = {
  collected: new Counter({
    name: 'thahs_access_audit_collected_total',
    help: 'Reads of partner data by database clients outside the project (pgaudit) appended to the access log',
    labelNames: ['ministry'],
    registers: [metricsRegistry],
  }),
  ownSessions: new Counter({
    name: 'thahs_access_audit_own_sessions_total',
    help: "Audited reads of the project's own sessions (THAHS_ACCESS_AUDIT_OWN_SESSIONS), not appended",
    labelNames: ['ministry'],
    registers: [metricsRegistry],
  }),
  ready: new Gauge({
    name: 'thahs_access_audit_ready',
    help: '1 when reads of partner data are audited and the last collection succeeded, else 0',
    labelNames: ['ministry'],
    registers: [metricsRegistry],
  }),
  unauditedTables: new Gauge({
    name: 'thahs_access_audit_unaudited_tables',
    help: 'Partner tables the pgaudit role holds no SELECT on: reads of them are not logged',
    labelNames: ['ministry'],
    registers: [metricsRegistry],
  }),
  lastCollection: new Gauge({
    name: 'thahs_access_audit_last_collection_seconds',
    help: 'Unix time of the last successful collection',
    labelNames: ['ministry'],
    registers: [metricsRegistry],
  }),
};
