import type { ExchangeStatus } from '../../libs/status';
import { startOpsFixture, thahs, type OpsFixture } from './support/opsFixture';

/**
 * `thahs status --json` on the real stack reports what a test made: events on an agreement topic that
 * the agreement's group has not consumed (its lag, per partition), dead letters waiting in the
 * receiver's database, and the alarms they raise (exit code 3: a person must act).
 */
describe('thahs status', () => {
  let fx: OpsFixture;
  // Nothing listens there: the main job is "not running" for this test.
  const idlePort = '1';

  beforeAll(async () => {
    fx = await startOpsFixture('status');
    await fx.produce('person', 7);
    await fx.produce('judgment', 2);
    await fx.deadLetter('person', 'bad-signature', 'signature does not verify', [3, 4]);
  });

  afterAll(async () => {
    await fx?.stop();
  });

  it('reports the consumer lag per partition, the dead letters, and exits 3', async () => {
    const r = await thahs(['status', '--json', '--topic-prefix', fx.prefix, '--metrics-port', idlePort], fx.env());
    expect(r.stderr).toBe('');
    const s = JSON.parse(r.stdout) as ExchangeStatus;
    expect(r.code).toBe(3);
    expect(s.exitCode).toBe(3);

    const qdnd = s.ministries.find((m) => m.ministry === 'qdnd')!;
    const received = qdnd.agreements.find((a) => a.agreementId === fx.agreementId)!;
    expect(received).toMatchObject({ role: 'receiver', provider: 'cand', receiver: 'qdnd', status: 'active', versionInForce: 1 });
    const c = received.consumer!;
    expect(c.group).toBe(fx.group);
    expect(c.members).toBe(0);
    expect(c.totalLag).toBe(9);
    const byEntity = (e: string): number => c.partitions.filter((p) => p.entity === e).reduce((n, p) => n + p.lag, 0);
    expect([byEntity('person'), byEntity('judgment'), byEntity('enforcement_case')]).toEqual([7, 2, 0]);
    expect(c.partitions.filter((p) => p.entity === 'person')).toHaveLength(3);
    expect(c.partitions.every((p) => p.committed === null)).toBe(true);
    expect(c.deadLetters).toEqual({ total: 2, byReason: { 'bad-signature': 2 } });
    expect(c.withheld).toBeNull();
    expect(received.reconciliation).toMatchObject({ present: false });

    const cand = s.ministries.find((m) => m.ministry === 'cand')!;
    const provided = cand.agreements.find((a) => a.agreementId === fx.agreementId)!;
    expect(provided.role).toBe('provider');
    expect(provided.publication!.eventsLastMinute).toBe(9);

    const codes = s.alarms.map((a) => `${a.severity}:${a.code}:${a.agreementId ?? ''}`);
    expect(codes).toEqual(expect.arrayContaining([`critical:dead-letters:${fx.agreementId}`, `critical:consumer-absent:${fx.agreementId}`, 'warning:main-job-unreachable:']));
  });

  it('shows the group caught up once it has committed the end, and the text screen names the lag', async () => {
    const admin = fx.kafka.admin();
    await admin.connect();
    try {
      for (const e of ['person', 'judgment']) {
        const ends = await admin.fetchTopicOffsets(fx.topic(e));
        await admin.setOffsets({ groupId: fx.group, topic: fx.topic(e), partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
      }
    } finally {
      await admin.disconnect();
    }
    await fx.produce('person', 4);
    const r = await thahs(['status', '--ministry', 'qdnd', '--topic-prefix', fx.prefix, '--metrics-port', idlePort], fx.env());
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`${fx.agreementId}  bên nhận (receiver) ← cand`);
    expect(r.stdout).toMatch(/Độ trễ tiêu thụ \(lag\) 4\b/);
    expect(r.stdout).toContain('Sự kiện lỗi chờ xử lý (dead letters): 2 (bad-signature 2)');
    expect(r.stdout).not.toContain('Bộ Công an (cand) ══');
  });
});
