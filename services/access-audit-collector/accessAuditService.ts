import { Pool } from 'pg';
import { AccessAuditCollector, checkAuditReadiness, type CollectionSummary, type OwnSession } from '../../libs/access-audit';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import type { PipelineService } from '../supervisor/pipelineService';
import { auditMetrics } from './auditMetrics';

export interface AccessAuditServiceOptions {
  ministry: Ministry;
  /** The ministry's database: its access log is filled, and its server's log is read. */
  pgUrl: string;
  ownSessions: readonly OwnSession[];
  /** Time between two collections (THAHS_ACCESS_AUDIT_INTERVAL_SEC). */
  intervalMs: number;
  log: Logger;
}

/**
 * Collects, at an interval, the reads of partner data pgaudit logged on a ministry's server into its
 * access log (Art. 5.4). An audit that does not work (pgaudit not loaded, a missing grant) is an error in
 * the log and on /health, but does not stop the exchange: the data would be just as unaudited without
 * it. The check is repeated before every collection, so fixing the server is enough.
 */
export class AccessAuditService implements PipelineService {
  readonly name: string;
  private pool?: Pool;
  private collector?: AccessAuditCollector;
  private timer?: NodeJS.Timeout;
  private cycle?: Promise<unknown>;
  private ok = false;
  /** Last reported state, so an unchanged problem is logged once and not every interval. */
  private reported = '';

  constructor(private readonly o: AccessAuditServiceOptions) {
    this.name = `access-audit-${o.ministry}`;
  }

  healthy(): boolean {
    return this.ok;
  }

  async start(): Promise<void> {
    const { ministry, log } = this.o;
    this.pool = new Pool({ connectionString: this.o.pgUrl, max: 1, application_name: `thahs-access-audit-${ministry}` });
    this.pool.on('error', (err) => log.warn('idle database connection failed', { ministry, error: err.message }));
    this.collector = new AccessAuditCollector(this.pool, { ownSessions: this.o.ownSessions });
    await this.runOnce();
    this.timer = setInterval(() => {
      this.cycle ??= this.runOnce().finally(() => (this.cycle = undefined));
    }, this.o.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.cycle;
    await this.pool?.end();
    this.pool = undefined;
    this.ok = false;
  }

  /** One readiness check and collection; never throws (the outcome is in the log, the metrics and healthy()). */
  async runOnce(): Promise<CollectionSummary | undefined> {
    const { ministry, log } = this.o;
    const labels = { ministry };
    try {
      const readiness = await checkAuditReadiness(this.pool!);
      auditMetrics.unauditedTables.set(labels, readiness.unauditedTables.length);
      this.report(readiness.problems.length > 0 ? 'error' : 'warn', readiness.problems.length > 0 ? 'reads of partner data are not audited' : 'the access audit is incomplete', {
        problems: readiness.problems,
        warnings: readiness.warnings,
        // Table names, not data: what an operator must grant to the audit role.
        unauditedTables: readiness.unauditedTables,
      });
      if (readiness.problems.length > 0) {
        this.ok = false;
        auditMetrics.ready.set(labels, 0);
        return undefined;
      }
      const s = await this.collector!.collect();
      auditMetrics.collected.inc(labels, s.collected);
      auditMetrics.ownSessions.inc(labels, s.ownSessions);
      auditMetrics.lastCollection.set(labels, Date.now() / 1000);
      auditMetrics.ready.set(labels, 1);
      if (s.collected > 0) log.info('reads of partner data collected into the access log', { ministry, collected: s.collected, files: s.files, bytes: s.bytes });
      this.ok = true;
      return s;
    } catch (err) {
      this.ok = false;
      auditMetrics.ready.set(labels, 0);
      log.error('access audit collection failed; retried at the next interval', { ministry, error: (err as Error).message });
      this.reported = '';
      return undefined;
    }
  }

  private report(level: 'error' | 'warn', message: string, detail: { problems: string[]; warnings: string[]; unauditedTables: string[] }): void {
    const state = JSON.stringify(detail);
    if (state === this.reported) return;
    this.reported = state;
    const { ministry, log } = this.o;
    if (detail.problems.length + detail.warnings.length + detail.unauditedTables.length === 0) {
      log.info('reads of partner data are audited', { ministry });
      return;
    }
    log[level](message, { ministry, ...detail });
  }
}
