import { Client } from 'pg';
import { runWorkload, seedDatabase, type WorkloadReport } from '../../libs/datagen';
import { loadConfig } from '../../libs/config';
import { ScratchDatabase } from '../support/scratchDatabase';

/** `thahs workload` against a seeded database: rate, mix, small transactions, clean stop. */
let db: ScratchDatabase;

beforeAll(async () => {
  db = await ScratchDatabase.create(loadConfig().candPgUrl, 'workload');
  await seedDatabase({ url: db.url, ministry: 'cand', persons: 300, seed: 2 });
});

afterAll(async () => {
  await db?.drop();
});

async function counts(): Promise<{ persons: number; events: number; touched: number }> {
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query<{ persons: number; events: number; touched: number }>(
      `SELECT (SELECT count(*) FROM thahs.person)::int AS persons, (SELECT count(*) FROM thahs.enforcement_event)::int AS events,
              (SELECT count(*) FROM thahs.monetary_obligation WHERE updated_at > now() - interval '1 hour')::int
            + (SELECT count(*) FROM thahs.person WHERE updated_at > now() - interval '1 hour')::int
            + (SELECT count(*) FROM thahs.enforcement_case WHERE updated_at > now() - interval '1 hour')::int AS touched`,
    );
    return r.rows[0] as { persons: number; events: number; touched: number };
  } finally {
    await c.end();
  }
}

describe('runWorkload', () => {
  it('keeps the requested rate and insert:update:delete mix, reporting as it goes', async () => {
    const before = await counts();
    const reports: WorkloadReport[] = [];
    const final = await runWorkload({
      url: db.url,
      ministry: 'cand',
      rate: 150,
      mix: { insert: 60, update: 30, delete: 10 },
      durationSec: 4,
      reportEverySec: 1,
      seed: 3,
      connections: 1,
      onReport: (r) => reports.push(r),
    });
    expect(final.final).toBe(true);
    expect(final.failedTransactions).toBe(0);
    expect(final.changes).toBeGreaterThan(150 * 4 * 0.75);
    expect(final.changes).toBeLessThan(150 * 4 * 1.25);
    expect(final.inserted / final.changes).toBeGreaterThan(0.5);
    expect(final.inserted / final.changes).toBeLessThan(0.7);
    expect(final.updated / final.changes).toBeGreaterThan(0.2);
    expect(final.updated / final.changes).toBeLessThan(0.4);
    expect(final.deleted / final.changes).toBeGreaterThan(0.05);
    expect(final.deleted / final.changes).toBeLessThan(0.15);
    expect(final.transactions).toBeGreaterThan(10);
    expect(reports.filter((r) => !r.final).length).toBeGreaterThanOrEqual(2);
    const after = await counts();
    expect(after.persons).toBeGreaterThan(before.persons);
    // Updates go through the touch trigger: rows changed by the run carry a fresh updated_at.
    expect(after.touched).toBeGreaterThan(before.touched);
  });

  it('stops promptly when aborted and reports what it did', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 1500);
    const t0 = Date.now();
    const final = await runWorkload({ url: db.url, ministry: 'cand', rate: 50, mix: { insert: 1, update: 1, delete: 0 }, seed: 4, connections: 1 }, abort.signal);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(final.deleted).toBe(0);
    expect(final.changes).toBeGreaterThan(0);
  });
});
