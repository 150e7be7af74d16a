import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import { emitHeartbeat, type SqlRunner } from '../../libs/pgoutput';
import { cdcMetrics } from './cdcMetrics';

export interface SlotMonitorOptions {
  ministry: Ministry;
  slot: string;
  /** The producer's control connection to the source database (shared: its statements one at a time, SerialQueries). */
  db: SqlRunner;
  log: Logger;
  heartbeatMs?: number;
  monitorMs?: number;
  /** Changes read from the slot and not yet handled. */
  queued(): number;
  /** Commit time (µs) of the last transaction Kafka acknowledged. */
  lastAckedCommitUs(): number;
  /** Whether the producer still streams (heartbeats stop with it). */
  running(): boolean;
}

/**
 * Heartbeats and slot monitoring. A heartbeat (pg_logical_emit_message) passes through the slot even
 * when no exchanged table changes — or when no agreement shares what changes — so the slot advances
 * and holds no WAL, and the stream's handler reaches a transaction boundary where agreement changes,
 * re-snapshots and re-publications are taken up. The monitor reports how far the slot lags, what the
 * walsender spills, and whether max_slot_wal_keep_size put the slot's WAL at risk.
 */
export class SlotMonitor {
  private heartbeatTimer?: NodeJS.Timeout;
  private monitorTimer?: NodeJS.Timeout;

  constructor(private readonly o: SlotMonitorOptions) {}

  start(): void {
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs ?? 10_000);
    this.monitorTimer = setInterval(() => void this.check(), this.o.monitorMs ?? 15_000);
  }

  stop(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.monitorTimer);
  }

  private async heartbeat(): Promise<void> {
    try {
      if (this.o.running()) await emitHeartbeat(this.o.db, new Date().toISOString());
    } catch (err) {
      this.o.log.warn('heartbeat failed', { ministry: this.o.ministry, error: (err as Error).message });
    }
  }

  async check(): Promise<void> {
    const { ministry, slot, log } = this.o;
    try {
      const r = await this.o.db.query<{ lag: string | null; wal_status: string | null; spill: string | null }>(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::text AS lag, s.wal_status, st.spill_bytes::text AS spill
           FROM pg_replication_slots s LEFT JOIN pg_stat_replication_slots st ON st.slot_name = s.slot_name
          WHERE s.slot_name = $1`,
        [slot],
      );
      const row = r.rows[0];
      if (!row) return;
      const labels = { ministry, slot };
      cdcMetrics.slotLagBytes.set(labels, Number(row.lag ?? 0));
      cdcMetrics.spillBytes.set(labels, Number(row.spill ?? 0));
      cdcMetrics.walStatus.set(labels, row.wal_status === 'reserved' || row.wal_status === 'extended' ? 1 : 0);
      if (row.wal_status === 'unreserved' || row.wal_status === 'lost') {
        log.error('replication slot WAL at risk: max_slot_wal_keep_size exceeded', { ministry, slot, walStatus: row.wal_status });
      }
      const acked = this.o.lastAckedCommitUs();
      cdcMetrics.slotLagSeconds.set({ ministry }, this.o.queued() > 0 && acked > 0 ? Date.now() / 1000 - acked / 1e6 : 0);
    } catch (err) {
      log.warn('slot monitoring failed', { ministry, error: (err as Error).message });
    }
  }
}
