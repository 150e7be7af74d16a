import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { KeyBuckets } from '../../libs/reconcile/keyBuckets';
import { ALIAS } from '../../libs/reconcile/sideTable';

/**
 * The incremental run numbers a key's bucket in SQL on both sides and in TypeScript for the keys it
 * looks up (keyBuckets.ts): the two must agree for every kind and count, and a prefix bucket's key
 * range must hold its keys in PostgreSQL's uuid order, or a key would be taken off the wrong bucket's
 * sums (a difference reported that is not there, or one missed).
 */
describe('key buckets: PostgreSQL and TypeScript agree', () => {
  let c: Client;
  beforeAll(async () => {
    c = new Client({ connectionString: loadConfig().candPgUrl });
    await c.connect();
  });
  afterAll(async () => {
    await c?.end();
  });

  it('numbers random and edge keys alike for 16 to 2^20 buckets of both kinds, each key inside its prefix range', async () => {
    const edges = [
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '7fffffff-ffff-ffff-ffff-ffffffffffff',
      '80000000-0000-0000-0000-000000000000',
      '00f00000-0000-0000-0000-000000000001',
    ];
    for (const kind of ['prefix', 'hash'] as const) {
      for (let k = 4; k <= 20; k++) {
        const b = KeyBuckets.of(kind, 2 ** k);
        const r = await c.query<{ id: string; ih: string; b: number }>(
          `SELECT ${ALIAS}.id::text AS id, uuid_hash_extended(${ALIAS}.id, 0)::text AS ih, ${b.sql()} AS b
             FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 300) UNION ALL SELECT unnest($1::uuid[])) ${ALIAS}`,
          [edges],
        );
        expect(r.rows).toHaveLength(305);
        const wrong = r.rows.filter((row) => b.of(row.id, row.ih) !== row.b);
        expect(wrong).toEqual([]);
        if (kind === 'hash') continue;
        const ranges = r.rows.map((row) => b.range(row.b));
        const inside = await c.query<{ ok: boolean }>(
          `SELECT bool_and((lo IS NULL OR id >= lo) AND (hi IS NULL OR id < hi)) AS ok FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS x(id, lo, hi)`,
          [r.rows.map((row) => row.id), ranges.map((x) => x.lo), ranges.map((x) => x.hi)],
        );
        expect(inside.rows[0].ok).toBe(true);
      }
    }
  });
});
