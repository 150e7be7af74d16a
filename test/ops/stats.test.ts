import { randomUUID } from 'crypto';
import { Client } from 'pg';
import { seedDatabase } from '../../libs/datagen';
import { discardDeadLetters, type ExchangeStats, type StatsRow } from '../../libs/ops';
import { PartnerStore } from '../../libs/partner-store';
import { contracts, startOpsFixture, thahs, type OpsFixture } from './support/opsFixture';

/**
 * `thahs stats` (Art. 16–18) over a period on the real stack: what the receiver applied, purged,
 * dead-lettered and discarded (update log, dead letters, operator log), the commit-to-apply latency,
 * the data-error reports filed and received (agreement history), what the provider published (Kafka
 * offsets), and both sides by reporting unit; withheld counts are said to be unavailable without the
 * main job.
 */
describe('thahs stats', () => {
  let fx: OpsFixture;
  let from: string;
  const U1 = randomUUID();
  const U2 = randomUUID();
  const common = (): string[] => ['--from', from, '--topic-prefix', fx.prefix, '--metrics-port', '1'];

  async function logChange(db: Client, entity: string, key: string, action: 'upsert' | 'delete' | 'purge', lagSeconds: number, op = 'u'): Promise<void> {
    await db.query(
      `INSERT INTO partner_state.update_log (provider, entity, key_id, op, action, event_id, source_lsn, source_index, commit_ts, agreement_id, agreement_version, signed_by)
       VALUES ('cand', $1, $2, $3, $4, $5, '0/1'::pg_lsn, 0, now() - make_interval(secs => $6), $7, 1, 'cand-c10-2025')`,
      [entity, key, op, action, `cand:0/1:${randomUUID().slice(0, 4)}`, lagSeconds, fx.agreementId],
    );
  }

  beforeAll(async () => {
    fx = await startOpsFixture('stats');
    from = new Date(Date.now() - 5000).toISOString();
    // Provider: its own data, some of it shared and changed in the period.
    await seedDatabase({ url: fx.cand.url, ministry: 'cand', persons: 40, seed: 3 });
    const cand = new Client({ connectionString: fx.cand.url });
    await cand.connect();
    // Service members are what cand → qdnd shares of persons (the seed makes none; the demo does this).
    await cand.query(`UPDATE thahs.person SET is_military = true, military_rank = 'Thượng úy' WHERE id IN (SELECT id FROM thahs.person ORDER BY id LIMIT 8)`);
    await cand.query('UPDATE thahs.person SET occupation = occupation WHERE id IN (SELECT id FROM thahs.person WHERE NOT is_military LIMIT 3)');
    await cand.end();
    await fx.produce('person', 4);
    await fx.produce('judgment', 1);

    // Receiver: a partner table with units, the update log of what was applied, dead letters, one discarded.
    const db = new Client({ connectionString: fx.qdnd.url });
    await db.connect();
    const store = new PartnerStore({
      schema: 'partner_cand',
      identity: { receiver: 'qdnd', provider: 'cand', agreementId: fx.agreementId, consumerGroup: fx.group },
      contract: (e) => contracts.get(e),
    });
    await store.init(db);
    await store.prepare(db, 'person', ['id', 'reporting_unit_id', 'full_name']);
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    for (const [i, unit] of [U1, U1, U2].entries()) {
      await db.query(
        `INSERT INTO partner_cand.person (id, reporting_unit_id, full_name, _source_lsn, _source_index, _commit_ts, _agreement_id, _agreement_version, _applied_at) VALUES ($1, $2, 'x', '0/1', 0, now(), $3, 1, now())`,
        [keys[i], unit, fx.agreementId],
      );
      await logChange(db, 'person', keys[i], 'upsert', 2);
    }
    await logChange(db, 'person', randomUUID(), 'delete', 4, 'd');
    await logChange(db, 'person', randomUUID(), 'purge', 0);
    await logChange(db, 'judgment', randomUUID(), 'upsert', 1);
    const letters = await fx.deadLetter('person', 'bad-signature', 'x', [10, 11]);
    await discardDeadLetters(db, { ids: [letters[0].id] }, 'ops-test', 'duplicate of a replayed event');
    await db.end();
    await fx.reportError('person', keys[0], 'full_name');
  });

  afterAll(async () => {
    await fx?.stop();
  });

  const rowOf = (s: ExchangeStats, match: Partial<StatsRow>): StatsRow => {
    const r = s.rows.find((x) => Object.entries(match).every(([k, v]) => (x as unknown as Record<string, unknown>)[k] === v));
    if (!r) throw new Error(`no row ${JSON.stringify(match)} in ${JSON.stringify(s.rows)}`);
    return r;
  };

  it('counts what the receiver applied, purged, dead-lettered and discarded, its lag and the reports it filed, by entity', async () => {
    const r = await thahs(['stats', '--ministry', 'qdnd', ...common(), '--by', 'entity', '--json'], fx.env());
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as ExchangeStats;
    expect(rowOf(s, { entity: 'person' })).toMatchObject({
      applied: 4,
      upserts: 3,
      deletes: 1,
      purged: 1,
      deadLettered: 2,
      discarded: 1,
      errorReportsFiled: 1,
      errorReportsReceived: 0,
      latencyP50: 2,
      latencyMax: 4,
    });
    expect(rowOf(s, { entity: 'judgment' })).toMatchObject({ applied: 1, purged: 0, deadLettered: 0 });
    expect(s.withheld).toMatchObject({ available: false });
    expect(s.sources.withheld).toMatch(/only given when the period reaches now/);

    const text = await thahs(['stats', '--ministry', 'qdnd', ...common(), '--by', 'agreement'], fx.env());
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Thống kê trao đổi (exchange statistics, Art. 16–18) — qdnd');
    expect(text.stdout).toMatch(new RegExp(`${fx.agreementId}\\s+—\\s+5\\s+1\\s+2\\s+1\\s+1/0`));
    expect(text.stdout).toContain('Nguồn số liệu (sources):');
  });

  it('counts what the provider published and the reports it received', async () => {
    const r = await thahs(['stats', '--ministry', 'cand', ...common(), '--json'], fx.env());
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as ExchangeStats;
    expect(rowOf(s, { entity: 'person' })).toMatchObject({ published: 4, errorReportsReceived: 1, errorReportsFiled: 0, applied: 0 });
    expect(rowOf(s, { entity: 'judgment' })).toMatchObject({ published: 1 });
    expect(rowOf(s, { entity: 'enforcement_case' })).toMatchObject({ published: 0 });
  });

  it('gives both sides by reporting unit, the receiver recording its read of the partner table', async () => {
    const recv = await thahs(['stats', '--ministry', 'qdnd', ...common(), '--by', 'unit', '--json', '--operator', 'ops-test'], fx.env());
    expect(recv.code).toBe(0);
    const s = JSON.parse(recv.stdout) as ExchangeStats;
    expect(rowOf(s, { entity: 'person', unitId: U1 }).applied).toBe(2);
    expect(rowOf(s, { entity: 'person', unitId: U2 }).applied).toBe(1);
    expect(rowOf(s, { entity: 'person', unitId: null })).toMatchObject({ applied: 1, purged: 1 });
    const db = new Client({ connectionString: fx.qdnd.url });
    await db.connect();
    const log = await db.query<{ what: string; purpose: string }>(`SELECT what, purpose FROM partner_state.access_log WHERE who = 'ops-test'`);
    await db.end();
    expect(log.rows).toHaveLength(1);
    expect(log.rows[0]).toMatchObject({ purpose: 'STATISTICS' });
    expect(log.rows[0].what).toMatch(/^partner_cand\.person reporting_unit_id \(exchange statistics /);

    const prov = await thahs(['stats', '--ministry', 'cand', ...common(), '--by', 'unit', '--json'], fx.env());
    expect(prov.code).toBe(0);
    const p = JSON.parse(prov.stdout) as ExchangeStats;
    const cand = new Client({ connectionString: fx.cand.url });
    await cand.connect();
    const expected = await cand.query<{ unit: string; name: string; n: number }>(
      `SELECT p.reporting_unit_id::text AS unit, u.name, count(*)::int AS n FROM thahs.person p LEFT JOIN thahs.org_unit u ON u.id = p.reporting_unit_id
        WHERE p.is_military AND p.updated_at >= $1 GROUP BY 1, 2 ORDER BY 1`,
      [from],
    );
    await cand.end();
    expect(expected.rows.length).toBeGreaterThan(0);
    const got = p.rows
      .filter((x) => x.entity === 'person' && x.changedRows !== undefined)
      .map((x) => ({ unit: x.unitId, name: x.unitName, n: x.changedRows }))
      .sort((a, b) => String(a.unit).localeCompare(String(b.unit)));
    expect(got).toEqual(expected.rows);
  });
});
