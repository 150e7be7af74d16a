import type { AgreementStore } from '../../libs/agreement-exchange';
import { versionRecordInForce } from '../../libs/agreements';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import { isDue, nextOccurrence, ReconcileBusyError, type ScheduleEntry } from '../../libs/reconcile';
import type { PipelineService } from '../supervisor/pipelineService';
import { recordNextScheduled } from './reconcileMetrics';
import type { ReconcilerService } from './reconcilerService';

/** Who the schedule's runs are stored as started by. */
export const SCHEDULE_STARTER = 'schedule';

/** What the schedule needs of the reconciler service (the unit test gives a fake). */
export type ScheduledReconciler = Pick<ReconcilerService, 'lastStarted' | 'runSettled'>;

export interface ReconcileSchedulerOptions {
  service: ScheduledReconciler;
  /** Each ministry's copy of the agreement histories: the schedule reconciles the agreements it receives under. */
  receivers: readonly { ministry: Ministry; store: Pick<AgreementStore, 'allStates' | 'close'> }[];
  entries: readonly ScheduleEntry[];
  log: Logger;
  /** How often it looks whether an entry is due (default 60 s). */
  tickMs?: number;
  now?: () => Date;
}

/**
 * The main job's reconciliation schedule (THAHS_RECONCILE_SCHEDULE): every agreement in force that a
 * ministry receives under is reconciled, and settled, when an entry falls due. Runs are made one after
 * another (one tick at a time in this process, and the run lock across processes: a run of the same
 * agreement started by an operator makes the schedule's wait for the next tick).
 */
export class ReconcileScheduler implements PipelineService {
  readonly name = 'reconcile-schedule';
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private startedAt = new Date(0);
  private failing = false;

  constructor(private readonly o: ReconcileSchedulerOptions) {}

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  async start(): Promise<void> {
    this.startedAt = this.now();
    for (const e of this.o.entries) recordNextScheduled(e.mode, e.text, nextOccurrence(e, this.startedAt));
    if (this.o.entries.length === 0) {
      this.o.log.info('reconciliation schedule off');
      return;
    }
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 60_000);
    this.o.log.info('reconciliation schedule started', { entries: this.o.entries.map((e) => e.text) });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    for (const r of this.o.receivers) await r.store.close();
  }

  /** Unhealthy while the last tick could not reach the agreement stores; failed runs show in the metrics. */
  healthy(): boolean {
    return !this.failing;
  }

  /** One look at the schedule; the runs due are made before it resolves. Never overlaps itself. */
  tick(): Promise<void> {
    if (!this.ticking) this.ticking = this.dueRuns().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async dueRuns(): Promise<void> {
    let agreements: { id: string; receiver: Ministry }[];
    try {
      agreements = await this.received();
      this.failing = false;
    } catch (err) {
      this.failing = true;
      this.o.log.error('reconciliation schedule cannot read the agreement stores', { error: (err as Error).message });
      return;
    }
    for (const e of this.o.entries) {
      for (const a of agreements) {
        if (!this.timer) return;
        const ctx = { agreementId: a.id, ministry: a.receiver, mode: e.mode, entry: e.text };
        try {
          const since = (await this.o.service.lastStarted(a.id, a.receiver, e.mode, SCHEDULE_STARTER)) ?? this.startedAt;
          if (!isDue(e, this.now(), since)) continue;
          const settled = await this.o.service.runSettled({ agreementId: a.id, mode: e.mode, startedBy: SCHEDULE_STARTER });
          this.o.log.info('scheduled reconciliation done', { ...ctx, run: settled.final.id, status: settled.final.status });
        } catch (err) {
          if (err instanceof ReconcileBusyError) this.o.log.warn('scheduled reconciliation waits: another run of the agreement holds its lock', ctx);
          else this.o.log.error('scheduled reconciliation failed', { ...ctx, error: (err as Error).message });
        }
      }
      recordNextScheduled(e.mode, e.text, nextOccurrence(e, this.now()));
    }
  }

  /** Agreements in force now whose partner store is in one of the receivers' databases. */
  private async received(): Promise<{ id: string; receiver: Ministry }[]> {
    const out: { id: string; receiver: Ministry }[] = [];
    for (const r of this.o.receivers) {
      for (const state of await r.store.allStates()) {
        const rec = versionRecordInForce(state, this.now().getTime());
        if (rec && rec.document.place.partnerStore.database === r.ministry && rec.document.parties.provider.ministry !== r.ministry)
          out.push({ id: state.agreementId, receiver: r.ministry });
      }
    }
    return out;
  }
}
