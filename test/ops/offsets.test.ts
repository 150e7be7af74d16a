import type { Consumer } from 'kafkajs';
import { ensureStateSchema, PARTITION_SEQUENCE_UPSERT, partitionSequenceParams } from '../../libs/partner-store';
import { waitFor } from '../support/waitFor';
import { startOpsFixture, startThahs, thahs, type OpsFixture } from './support/opsFixture';

/**
 * `thahs offsets show|reset` on an agreement's consumer group, as kafka-consumer-groups does it: a
 * dry run changes nothing (offsets compared before and after), an executed reset is refused while the
 * group has a live member (and recorded as refused), goes through once it has none, and --force waits
 * for the group to empty instead of refusing. Executed resets are in the receiver's operator log.
 */
describe('thahs offsets', () => {
  let fx: OpsFixture;
  const base = (): string[] => ['--agreement', fx.agreementId, '--receiver', 'qdnd', '--topic-prefix', fx.prefix];

  async function committed(): Promise<Record<string, string>> {
    const admin = fx.kafka.admin();
    await admin.connect();
    try {
      const out: Record<string, string> = {};
      const r = await admin.fetchOffsets({ groupId: fx.group, topics: ['person', 'judgment', 'enforcement_case'].map((e) => fx.topic(e)) });
      for (const t of r) for (const p of t.partitions) out[`${t.topic.split('.').pop()}[${p.partition}]`] = p.offset;
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  async function liveMember(): Promise<Consumer> {
    const c = fx.kafka.consumer({ groupId: fx.group, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    const joined = new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
    await c.connect();
    await c.subscribe({ topics: ['person', 'judgment', 'enforcement_case'].map((e) => fx.topic(e)) });
    await c.run({ autoCommit: false, eachMessage: async () => undefined });
    await joined;
    return c;
  }

  async function actions(): Promise<{ result: string; reason: string | null; rows: number }[]> {
    const exists = await fx.receiver.query<{ ok: boolean }>(`SELECT to_regclass('partner_state.operator_action') IS NOT NULL AS ok`);
    if (!exists.rows[0].ok) return [];
    const r = await fx.receiver.query<{ result: string; reason: string | null; rows: number }>(
      `SELECT result, reason, jsonb_array_length(subject->'rows') AS rows FROM partner_state.operator_action WHERE action = 'offsets.reset' AND agreement_id = $1 ORDER BY id`,
      [fx.agreementId],
    );
    return r.rows;
  }

  beforeAll(async () => {
    fx = await startOpsFixture('offsets');
    await fx.produce('person', 6);
    await fx.produce('judgment', 3);
    // The group has read everything: committed = end on every partition.
    const admin = fx.kafka.admin();
    await admin.connect();
    for (const e of ['person', 'judgment', 'enforcement_case']) {
      const ends = await admin.fetchTopicOffsets(fx.topic(e));
      await admin.setOffsets({ groupId: fx.group, topic: fx.topic(e), partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
    await admin.disconnect();
  });

  afterAll(async () => {
    await fx?.stop();
  });

  it('shows the group on every partition of the agreement', async () => {
    const r = await thahs(['offsets', 'show', ...base(), '--json'], fx.env());
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout) as {
      group: { groupId: string; members: unknown[] };
      partitions: { topic: string; committed: string; high: string; lag: string }[];
      totalLag: string;
    };
    expect(g.group.groupId).toBe(fx.group);
    expect(g.partitions).toHaveLength(9);
    expect(g.partitions.every((p) => p.committed === p.high && p.lag === '0')).toBe(true);
    expect(g.totalLag).toBe('0');
  });

  it('prints the plan of a reset and changes nothing without --execute', async () => {
    const before = await committed();
    const r = await thahs(['offsets', 'reset', ...base(), '--to-earliest'], fx.env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Kế hoạch (dry run)');
    expect(r.stdout).toContain('Tổng (total): 9 offsets read again, 0 skipped');
    expect(r.stdout).toContain('Nothing was changed. Run again with --execute to apply this plan.');
    expect(await committed()).toEqual(before);
    expect(await actions()).toEqual([]);
  });

  it('plans a reset to a time per partition: the events at or after it are read again', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const at = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1500));
    await fx.produce('person', 2);
    const r = await thahs(['offsets', 'reset', ...base(), '--to-datetime', at, '--topic', 'person', '--json'], fx.env());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      executed: boolean;
      plan: { rows: { topic: string; current: string; target: string; high: string }[]; repeated: string; skipped: string };
    };
    expect(out.executed).toBe(false);
    expect(out.plan.rows.every((x) => x.topic === fx.topic('person'))).toBe(true);
    // The group is 2 behind (the new events); the time lies before them: the new events are read, nothing again.
    expect(out.plan.rows.reduce((n, x) => n + Number(x.high) - Number(x.target), 0)).toBe(2);
    expect([out.plan.repeated, out.plan.skipped]).toEqual(['0', '0']);
  });

  it('refuses --execute while the group has a live member, and records the refusal', async () => {
    const member = await liveMember();
    try {
      const before = await committed();
      const r = await thahs(['offsets', 'reset', ...base(), '--to-earliest', '--execute', '--reason', 'replay after a key rotation'], fx.env());
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/reset refused: consumer group .* has 1 live member/);
      expect(await committed()).toEqual(before);
      expect(await actions()).toEqual([{ result: 'refused', reason: 'replay after a key rotation', rows: 9 }]);
    } finally {
      await member.disconnect();
    }
  });

  it('moves the offsets with --execute once the group is empty, and records it', async () => {
    // The gap check's record of the group (partner_state.partition_sequence) is forgotten on the partitions moved; another group's stays.
    const c = await fx.receiver.connect();
    await ensureStateSchema(c).finally(() => c.release());
    const state = { topic: fx.topic('person'), partition: 0, run: 'r', seq: 5, max: 5, commitUs: 0, offset: '4', earlier: [] };
    for (const group of [fx.group, `${fx.group}-other`]) await fx.receiver.query({ ...PARTITION_SEQUENCE_UPSERT, values: partitionSequenceParams(group, fx.agreementId, [state]) });
    const r = await thahs(['offsets', 'reset', ...base(), '--to-earliest', '--execute', '--reason', 'full replay', '--operator', 'ops-test'], fx.env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Đã đặt lại');
    const after = await committed();
    expect(Object.values(after).every((o) => o === '0')).toBe(true);
    expect(Object.keys(after)).toHaveLength(9);
    const done = await fx.receiver.query<{ who: string; reason: string; result: string }>(
      `SELECT who, reason, result FROM partner_state.operator_action WHERE action = 'offsets.reset' AND result = 'done' AND agreement_id = $1`,
      [fx.agreementId],
    );
    expect(done.rows).toEqual([{ who: 'ops-test', reason: 'full replay', result: 'done' }]);
    const kept = await fx.receiver.query<{ consumer_group: string }>('SELECT consumer_group FROM partner_state.partition_sequence WHERE topic = $1', [fx.topic('person')]);
    expect(kept.rows).toEqual([{ consumer_group: `${fx.group}-other` }]);
  });

  it('with --force waits for a live group to empty, then resets at once', async () => {
    const member = await liveMember();
    const run = startThahs(['offsets', 'reset', ...base(), '--to-latest', '--execute', '--force', '--timeout', '120', '--topic', 'judgment'], fx.env());
    // The tool has found the member and waits; then the consumer stops (its main job shut down).
    await waitFor('the reset to wait for the group', async () => run.stderr().includes(`waiting for group ${fx.group} to empty`), 120_000, 250);
    await member.disconnect();
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`waiting for group ${fx.group} to empty`);
    const after = await committed();
    const admin = fx.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(fx.topic('judgment'));
    await admin.disconnect();
    for (const p of ends) expect(after[`judgment[${p.partition}]`]).toBe(p.high);
    expect(after['person[0]']).toBe('0');
  });
});
