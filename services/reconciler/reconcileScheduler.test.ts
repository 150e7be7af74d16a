import * as path from 'path';
import { loadAgreementFile, type AgreementState } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { parseReconcileSchedule, ReconcileBusyError } from '../../libs/reconcile';
import { AgreementHistory } from '../apply-consumer/__fixtures__/agreementHistory';
import { ReconcileScheduler, type ScheduledReconciler } from './reconcileScheduler';
import type { SettledRun } from './reconcilerService';

const contracts = loadContracts();

/** The cand → qdnd agreement confirmed in 2025, in force from 2025-07-01 (received by qdnd). */
async function agreementState(): Promise<AgreementState> {
  const doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), {
    contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined),
  });
  const h = new AgreementHistory(doc);
  h.confirm(doc, { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' });
  return h.state;
}

interface Call {
  agreementId: string;
  mode: string | undefined;
}

/**
 * A reconciler whose runs stay open until the test releases them, and which remembers, like the run
 * store, when the schedule last started a run of each mode.
 */
class FakeReconciler implements ScheduledReconciler {
  readonly calls: Call[] = [];
  running = 0;
  maxRunning = 0;
  busy = false;
  private readonly last = new Map<string, Date>();
  private release: (() => void)[] = [];

  constructor(private readonly now: () => Date) {}

  async lastStarted(agreementId: string, _receiver: string, mode: string): Promise<Date | null> {
    return this.last.get(`${agreementId}/${mode}`) ?? null;
  }

  async runSettled(req: Parameters<ScheduledReconciler['runSettled']>[0]): Promise<SettledRun> {
    if (this.busy) throw new ReconcileBusyError({ agreementId: req.agreementId, ministry: 'qdnd' });
    this.calls.push({ agreementId: req.agreementId, mode: req.mode });
    this.last.set(`${req.agreementId}/${req.mode}`, this.now());
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise<void>((r) => this.release.push(r));
    this.running--;
    const run = { id: String(this.calls.length), status: 'clean' };
    return { first: run, final: run, rechecks: [], unsettled: 'clean' } as unknown as SettledRun;
  }

  /** Lets every run waiting so far finish. */
  finish(): void {
    for (const r of this.release.splice(0)) r();
  }
}

/** Lets a started tick reach its next await (the fake run). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('the main job reconciliation schedule (THAHS_RECONCILE_SCHEDULE)', () => {
  let state: AgreementState;
  beforeAll(async () => {
    state = await agreementState();
  });

  function scheduler(schedule: string, clock: { now: Date }): { s: ReconcileScheduler; fake: FakeReconciler; closed: () => number } {
    const fake = new FakeReconciler(() => clock.now);
    let closed = 0;
    const store = {
      allStates: async () => [state],
      close: async () => {
        closed++;
      },
    };
    const s = new ReconcileScheduler({
      service: fake,
      receivers: [{ ministry: 'qdnd', store }],
      entries: parseReconcileSchedule(schedule),
      log: createLogger('reconcile-schedule-test', 'error'),
      // The test ticks by hand; the interval only has to exist (started) and never fire.
      tickMs: 3_600_000,
      now: () => clock.now,
    });
    return { s, fake, closed: () => closed };
  }

  it('waits for the first occurrence after the job starts, runs a due entry once, and never overlaps a run of the same scope', async () => {
    // 02:59 in Vietnam (UTC+7) on 2026-03-10: the daily 03:00 entry is not due yet.
    const clock = { now: new Date('2026-03-09T19:59:00Z') };
    const { s, fake, closed } = scheduler('incremental daily 03:00', clock);
    await s.start();
    try {
      await s.tick();
      expect(fake.calls).toEqual([]);
      clock.now = new Date('2026-03-09T20:00:30Z');
      const first = s.tick();
      await settle();
      expect(fake.calls).toEqual([{ agreementId: 'TTDL-CAND-QDND-2025-01', mode: 'incremental' }]);
      // Ticks while the run is still going (the interval firing again, a slow run) join it.
      const again = s.tick();
      expect(again).toBe(first);
      await settle();
      expect(fake.calls).toHaveLength(1);
      fake.finish();
      await first;
      expect(fake.maxRunning).toBe(1);
      // The run was stored as started by the schedule: the same occurrence is not due again.
      clock.now = new Date('2026-03-09T21:00:00Z');
      await s.tick();
      expect(fake.calls).toHaveLength(1);
      // The next day's occurrence is.
      clock.now = new Date('2026-03-10T20:01:00Z');
      const next = s.tick();
      await settle();
      expect(fake.calls).toHaveLength(2);
      fake.finish();
      await next;
    } finally {
      await s.stop();
    }
    expect(closed()).toBe(1);
  });

  it('makes a run missed while the job was down once, runs due entries one after another, and retries a busy scope at the next tick', async () => {
    const clock = { now: new Date('2026-03-10T05:00:00Z') };
    const { s, fake } = scheduler('full yearly 01-15 02:00; incremental daily 03:00', clock);
    await s.start();
    try {
      // The other process holds the agreement's run lock: nothing runs, the tick resolves.
      fake.busy = true;
      // The job started after today's 03:00 and nothing ran before: not due.
      await s.tick();
      clock.now = new Date('2026-03-10T20:05:00Z');
      await s.tick();
      expect(fake.calls).toEqual([]);
      fake.busy = false;
      const t = s.tick();
      await settle();
      expect(fake.calls).toEqual([{ agreementId: 'TTDL-CAND-QDND-2025-01', mode: 'incremental' }]);
      fake.finish();
      await t;
      // A year on, both entries are due: made one after another, never at once.
      clock.now = new Date('2027-01-15T20:30:00Z');
      const both = s.tick();
      for (let i = 0; i < 2; i++) {
        await settle();
        fake.finish();
      }
      await both;
      expect(fake.calls.slice(1).map((c) => c.mode)).toEqual(['full', 'incremental']);
      expect(fake.maxRunning).toBe(1);
    } finally {
      await s.stop();
    }
  });

  it('runs nothing when the schedule is off', async () => {
    const clock = { now: new Date('2027-01-15T20:30:00Z') };
    const { s, fake } = scheduler('off', clock);
    await s.start();
    await s.tick();
    await s.stop();
    expect(fake.calls).toEqual([]);
  });
});
