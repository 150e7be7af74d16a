import { Client } from 'pg';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { parseMix, runWorkload, seedDatabase } from '../../libs/datagen';
import type { Logger } from '../../libs/logger';
import type { PipelineService } from './pipelineService';

export interface DemoDataOptions {
  ministry: Ministry;
  pgUrl: string;
  /** Persons seeded into an empty database (with their judgments, cases, events...); 0: no seeding. */
  persons: number;
  /** Row changes per second of the continuous workload; 0: none. */
  workloadRate: number;
  log: Logger;
  /** Seed of the seeded data (deterministic for a seed and an empty database); default 1. */
  seed?: number;
}

/** Share of cand's seeded persons the demo records as service members (see markServiceMembers). */
const CAND_SERVICE_MEMBER_SHARE = 0.1;
const SERVICE_RANKS = ['Binh nhì', 'Binh nhất', 'Hạ sĩ', 'Trung sĩ', 'Thượng sĩ', 'Thiếu úy'];

/**
 * Local stack only: something for the pipeline to carry. An empty ministry database is seeded with a
 * small generated dataset (libs/datagen, in committed batches so the producers stream it as it lands);
 * then a gentle workload keeps inserting, updating and deleting rows. A database that already holds
 * the ministry's own data is never seeded again. The workload is restarted after a failure.
 */
export class DemoData implements PipelineService {
  readonly name: string;
  private abort?: AbortController;
  private loop?: Promise<void>;
  private failure?: string;
  private started = false;

  constructor(private readonly o: DemoDataOptions) {
    this.name = `demo-data-${o.ministry}`;
  }

  healthy(): boolean {
    return this.started && this.failure === undefined;
  }

  async start(): Promise<void> {
    const { ministry, log } = this.o;
    try {
      if (this.o.persons > 0) await this.seedIfEmpty();
    } catch (err) {
      // The pipeline runs on without demo data; /health shows this service down.
      this.failure = (err as Error).message;
      log.error('demo data could not be seeded', { ministry, error: this.failure });
    }
    this.started = true;
    if (this.o.workloadRate > 0) {
      this.abort = new AbortController();
      this.loop = this.runWorkload(this.abort.signal);
    }
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
  }

  private async seedIfEmpty(): Promise<void> {
    const { ministry, log } = this.o;
    const db = new Client({ connectionString: this.o.pgUrl, application_name: `thahs-demo-${ministry}` });
    await db.connect();
    try {
      const r = await db.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM thahs.person) AND NOT EXISTS (SELECT 1 FROM thahs.legal_person) AS empty');
      if (!r.rows[0]?.empty) {
        log.info('own data present; the demo does not seed', { ministry });
        return;
      }
      log.info('seeding demo data into an empty database', { ministry, persons: this.o.persons });
      const seeded = await seedDatabase({ url: this.o.pgUrl, ministry, persons: this.o.persons, seed: this.o.seed ?? 1, mode: 'batches', batchPersons: 50, migrate: false });
      log.info('demo data seeded', { ministry, persons: seeded.persons, rows: seeded.rows, seconds: Number(seeded.seconds.toFixed(1)) });
      if (ministry === 'cand') {
        const n = await markServiceMembers(db, CAND_SERVICE_MEMBER_SHARE);
        log.info("demo: some of cand's persons recorded as service members", { ministry, persons: n });
      }
    } finally {
      await db.end();
    }
  }

  private async runWorkload(signal: AbortSignal): Promise<void> {
    const { ministry, log } = this.o;
    while (!signal.aborted) {
      try {
        await runWorkload(
          {
            url: this.o.pgUrl,
            ministry,
            rate: this.o.workloadRate,
            mix: parseMix('70:25:5'),
            // A restarted run draws new choices (and new persons) rather than repeating the previous run's.
            seed: Math.floor(Date.now() / 1000) % 2 ** 31,
            reportEverySec: 60,
            onReport: (r) =>
              log.info('demo workload', {
                ministry,
                changes: r.changes,
                inserted: r.inserted,
                updated: r.updated,
                deleted: r.deleted,
                ratePerSec: Number(r.intervalRatePerSec.toFixed(1)),
              }),
            // Only the error class and constraint: PostgreSQL's detail text carries row values.
            onTransactionError: (err) => {
              const e = err as { code?: string; constraint?: string };
              log.warn('demo workload transaction rolled back', { ministry, code: e.code, constraint: e.constraint });
            },
          },
          signal,
        );
        this.failure = undefined;
      } catch (err) {
        this.failure = (err as Error).message;
        log.error('demo workload failed; restarting in 30 s', { ministry, error: this.failure });
        await pause(30_000, signal);
      }
    }
  }
}

/** Waits `ms`, or less when the signal aborts; leaves no listener behind. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * cand's generated persons are civilians, and the cand → qdnd agreement shares service members only;
 * for that direction to carry something, the demo records a share of cand's adult men (the cases that
 * agreement exists for: a serving soldier tried and held under the police's management) as serving,
 * with a rank. Deterministic: the persons chosen depend only on their ids.
 */
async function markServiceMembers(db: Client, share: number): Promise<number> {
  const r = await db.query(
    `UPDATE thahs.person p SET is_military = true, military_rank = ($2::text[])[1 + abs(hashtext(p.id::text)) % cardinality($2::text[])]
      WHERE p.id IN (
        SELECT id FROM thahs.person
         WHERE NOT is_military AND sex = 'M' AND date_of_birth BETWEEN current_date - interval '45 years' AND current_date - interval '18 years'
         ORDER BY md5(id::text)
         LIMIT (SELECT ceil(count(*) * $1::float8) FROM thahs.person))`,
    [share, SERVICE_RANKS],
  );
  return r.rowCount ?? 0;
}
