import { Client } from 'pg';
import { createLogger, tapLogLines } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { parsePrometheusText } from '../../libs/ops/prometheusText';
import { metricAlarms } from '../../libs/status';
import { PersonPipeline } from '../support/personPipeline';
import { waitFor } from '../support/waitFor';

/**
 * Issue 14 item 12 (second half): the producer's replication slot dropped under it while it runs
 * (its walsender terminated, then pg_drop_replication_slot) is noticed when the producer opens the stream
 * again and finds the slot missing; it raises the alarm (metric, log line, status alarm) and re-snapshots
 * every published table, so the partner store comes to hold the changes made while the slot was gone —
 * changes no stream will ever carry.
 */
const log = createLogger('slot-loss-test', 'error');

describe('a lost replication slot (issue 14 item 12)', () => {
  let p: PersonPipeline;
  let admin: Client;
  const lines: string[] = [];
  const untap = tapLogLines((l) => lines.push(l));

  const insert = async (n: number, tag: string): Promise<string[]> => {
    const r = await p.fx.sql.query<{ id: string }>(
      `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, occupation)
       SELECT 'CAND', 'Người ' || $2 || ' ' || g, DATE '1980-01-01' + g, 'M', 'Nghề ' || g FROM generate_series(1, $1::int) g RETURNING id`,
      [n, tag],
    );
    return r.rows.map((x) => x.id);
  };
  const lostCount = async (): Promise<number> =>
    parsePrometheusText(await metricsRegistry.metrics())
      .filter((s) => s.name === 'thahs_cdc_slots_lost_total' && s.labels.slot === p.fx.slot)
      .reduce((n, s) => n + s.value, 0);

  beforeAll(async () => {
    p = await PersonPipeline.create('slotloss', 'TTDL-SLOTLOSS', ['id', 'ministry', 'full_name', 'occupation', 'updated_at'], log);
    admin = new Client({ connectionString: p.fx.db.url });
    await admin.connect();
    await p.start();
    await insert(30, 'trước');
    await waitFor('the partner store to hold the first rows', async () => (await p.converged()) || undefined, 120_000, 500);
  });

  afterAll(async () => {
    untap();
    await admin?.end().catch(() => undefined);
    await p?.close();
  });

  it('alarms and re-snapshots, and the partner store converges with the changes made while the slot was gone', async () => {
    expect(await lostCount()).toBe(0);
    // The producer takes its slot again a second after losing its walsender: terminate and drop until the drop wins.
    await waitFor(
      'the slot to be dropped',
      async () => {
        try {
          await admin.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [p.fx.slot]);
          await admin.query('SELECT pg_drop_replication_slot($1)', [p.fx.slot]);
          return true;
        } catch {
          return undefined;
        }
      },
      30_000,
      50,
    );
    // At once, before the producer makes a new slot: these changes are in no slot's WAL stream.
    const during = await insert(20, 'trong lúc mất slot');
    await admin.query(`UPDATE thahs.person SET occupation = 'Đổi trong lúc mất slot' WHERE id = ANY($1::uuid[])`, [during.slice(0, 5)]);
    await admin.query(`UPDATE thahs.person SET occupation = 'Đổi cũ' WHERE full_name LIKE 'Người trước %' AND date_of_birth < DATE '1980-01-05'`);

    await waitFor('the slot-lost metric', async () => (await lostCount()) > 0 || undefined, 60_000, 300);
    const alarms = metricAlarms(parsePrometheusText(await metricsRegistry.metrics())).filter((a) => a.code === 'slot-lost' && a.message.includes(p.fx.slot));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ severity: 'critical', ministry: 'cand' });
    expect(lines.some((l) => l.includes('replication slot lost') && l.includes(p.fx.slot))).toBe(true);

    // and after it, streaming goes on from the new slot
    await insert(5, 'sau');
    await waitFor('the partner store to match the source', async () => (await p.converged()) || undefined, 180_000, 500);
    const held = await p.dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_cand.person WHERE occupation = 'Đổi trong lúc mất slot'`);
    expect(held.rows[0].n).toBe('5');
    expect((await p.dst.query('SELECT reason FROM partner_state.dead_letter')).rows).toEqual([]);
  });
});
