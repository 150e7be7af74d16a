import { loadConfig } from '../../libs/config';
import { runWorkload, seedDatabase, type WorkloadReport } from '../../libs/datagen';
import { ScratchDatabase } from '../support/scratchDatabase';

/**
 * Issue 16: `thahs workload` beside another generator (the demo workload of `npm start`, or a second
 * `thahs workload` with another --seed) rolled transactions back on unique natural keys
 * (enforcement_case_unit_case_no_key, execution_decision_court_no_date_key): each run loaded the
 * numbers already taken when it started and then counted on from there, into the other's numbers.
 */
describe('concurrent data generators on one database', () => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await ScratchDatabase.create(loadConfig().candPgUrl, 'collide');
    await seedDatabase({ url: db.url, ministry: 'cand', persons: 300, seed: 1 });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('never collide on a unique natural key, whatever their seeds', async () => {
    const failures: string[] = [];
    const run = (seed: number, rate: number): Promise<WorkloadReport> =>
      runWorkload({
        url: db.url,
        ministry: 'cand',
        rate,
        mix: { insert: 70, update: 25, delete: 5 },
        durationSec: 12,
        seed,
        onTransactionError: (err) => failures.push(`seed ${seed}: ${(err as { constraint?: string }).constraint ?? (err as Error).message}`),
      });
    // Another seed, and the same seed twice (two operators starting the default).
    const reports = await Promise.all([run(1, 300), run(2, 100), run(1, 100)]);
    expect(failures).toEqual([]);
    expect(reports.map((r) => r.failedTransactions)).toEqual([0, 0, 0]);
    // They did write: inserts of new persons, judgments, decisions and cases by every run.
    for (const r of reports) expect(r.inserted).toBeGreaterThan(100);
  });
});
