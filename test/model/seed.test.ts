import { Client } from 'pg';
import { seedDatabase } from '../../libs/datagen';
import { EXCHANGED_TABLES, migrate } from '../../libs/model';
import { loadConfig } from '../../libs/config';
import { ScratchDatabase } from '../support/scratchDatabase';

/**
 * `thahs seed` on real PostgreSQL: fills a fresh database in bulk mode and rebuilds every
 * constraint, reproduces the same data for the same seed, appends without collisions, and gives
 * qdnd military-flavoured data.
 */
const scratch: ScratchDatabase[] = [];
async function fresh(): Promise<ScratchDatabase> {
  const db = await ScratchDatabase.create(loadConfig().candPgUrl, 'seed');
  scratch.push(db);
  return db;
}

afterAll(async () => {
  for (const db of scratch) await db.drop();
});

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** One digest per table over all columns, in id order: equal digests mean equal contents. */
async function digests(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    await c.query("SET TimeZone = 'UTC'");
    const out: Record<string, string> = {};
    for (const t of EXCHANGED_TABLES) {
      const r = await c.query<{ d: string | null; n: string }>(`SELECT md5(string_agg(x::text, '|' ORDER BY x.id)) AS d, count(*)::text AS n FROM thahs.${t} x`);
      out[t] = `${r.rows[0]?.n}:${r.rows[0]?.d}`;
    }
    return out;
  });
}

async function catalogShape(url: string): Promise<{ constraints: string[]; indexes: string[] }> {
  return withClient(url, async (c) => {
    const cons = await c.query<{ x: string }>(
      "SELECT conrelid::regclass::text || '.' || conname || ' ' || pg_get_constraintdef(oid) AS x FROM pg_constraint WHERE connamespace = 'thahs'::regnamespace ORDER BY 1",
    );
    const idx = await c.query<{ x: string }>(
      "SELECT pg_get_indexdef(indexrelid) AS x FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'thahs'::regnamespace ORDER BY 1",
    );
    return { constraints: cons.rows.map((r) => r.x), indexes: idx.rows.map((r) => r.x) };
  });
}

describe('seedDatabase', () => {
  let a: ScratchDatabase;

  beforeAll(async () => {
    a = await fresh();
  });

  it('loads a fresh database in bulk mode and puts back every constraint and index exactly', async () => {
    const reference = await fresh();
    await migrate(reference.url, 'cand');
    const r = await seedDatabase({ url: a.url, ministry: 'cand', persons: 400, seed: 5, batchPersons: 150 });
    expect(r.mode).toBe('bulk');
    expect(r.persons).toBe(400);
    expect(r.firstOrdinal).toBe(0);
    expect(r.rowsByTable.person).toBe(400);
    for (const t of [
      'judgment',
      'conviction',
      'conviction_offence',
      'penalty',
      'execution_decision',
      'enforcement_case',
      'custody_placement',
      'enforcement_event',
      'monetary_obligation',
    ] as const) {
      expect([t, r.rowsByTable[t] > 0]).toEqual([t, true]);
    }
    expect(r.rows).toBe(Object.values(r.rowsByTable).reduce((x, y) => x + y, 0));
    expect(await catalogShape(a.url)).toEqual(await catalogShape(reference.url));
    const counted = await withClient(a.url, (c) => c.query<{ n: string }>('SELECT count(*)::text AS n FROM thahs.person'));
    expect(counted.rows[0]?.n).toBe('400');
  });

  it('reproduces the same rows for the same seed on a fresh database', async () => {
    const b = await fresh();
    await seedDatabase({ url: b.url, ministry: 'cand', persons: 400, seed: 5, batchPersons: 150 });
    expect(await digests(b.url)).toEqual(await digests(a.url));
  });

  it('appends: the same seed continues its ordinals, another seed adds other persons, keys never collide', async () => {
    const again = await seedDatabase({ url: a.url, ministry: 'cand', persons: 100, seed: 5 });
    expect(again.mode).toBe('batches');
    expect(again.firstOrdinal).toBe(400);
    expect(again.referenceRows).toBe(0);
    const other = await seedDatabase({ url: a.url, ministry: 'cand', persons: 100, seed: 6 });
    expect(other.firstOrdinal).toBe(0);
    const state = await withClient(a.url, async (c) => {
      const persons = await c.query<{ n: string; ids: string }>(
        'SELECT count(*)::text AS n, count(DISTINCT national_id)::text AS ids FROM thahs.person WHERE national_id IS NOT NULL',
      );
      const all = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM thahs.person');
      const runs = await c.query<{ seed: string; first_ordinal: string; persons_done: string }>(
        'SELECT seed::text, first_ordinal::text, persons_done::text FROM thahs_meta.datagen_run WHERE finished_at IS NOT NULL ORDER BY run_id',
      );
      return { persons, all, runs: runs.rows };
    });
    expect(state.all.rows[0]?.n).toBe('600');
    expect(state.persons.rows[0]?.n).toBe(state.persons.rows[0]?.ids);
    expect(state.runs).toEqual([
      { seed: '5', first_ordinal: '0', persons_done: '400' },
      { seed: '5', first_ordinal: '400', persons_done: '100' },
      { seed: '6', first_ordinal: '0', persons_done: '100' },
    ]);
  });

  it('gives qdnd military courts, soldiers and military units', async () => {
    const q = await fresh();
    await seedDatabase({ url: q.url, ministry: 'qdnd', persons: 200, seed: 1, mode: 'batches' });
    const r = await withClient(q.url, async (c) => ({
      courts: await c.query<{ kind: string }>('SELECT DISTINCT k.court_kind AS kind FROM thahs.judgment j JOIN thahs.court k ON k.id = j.court_id'),
      soldiers: await c.query<{ share: number }>('SELECT avg(is_military::int)::float AS share FROM thahs.person'),
      ministry: await c.query<{ m: string }>('SELECT DISTINCT ministry AS m FROM thahs.enforcement_event'),
      units: await c.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM thahs.person p JOIN thahs.org_unit u ON u.id = p.military_unit_id WHERE u.unit_kind = 'DON_VI_QUAN_DOI'",
      ),
    }));
    for (const row of r.courts.rows) expect(row.kind).toMatch(/^TAQS_/);
    expect(r.soldiers.rows[0]?.share).toBeGreaterThan(0.8);
    expect(r.ministry.rows.map((x) => x.m)).toEqual(['QDND']);
    expect(Number(r.units.rows[0]?.n)).toBeGreaterThan(150);
  });

  it('refuses to seed one ministry into the other ministry’s database', async () => {
    await expect(seedDatabase({ url: a.url, ministry: 'qdnd', persons: 1, seed: 1 })).rejects.toThrow(/belongs to cand, not qdnd/);
  });
});
