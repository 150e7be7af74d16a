import { StatusHistory } from './statusHistory';
import type { ExchangeStatus } from './statusModel';
import { renderStatusText, watchFrame } from './statusText';

const status: ExchangeStatus = {
  generatedAt: '2026-12-02T07:00:00.123Z',
  topicPrefix: 'thahs',
  servers: {
    kafka: { name: 'kafka', up: true, endpoint: '127.0.0.1:19092', latencyMs: 3 },
    registry: { name: 'registry', up: false, endpoint: 'http://127.0.0.1:18081', error: 'ECONNREFUSED' },
    mainJob: { name: 'main job', up: false, endpoint: 'http://127.0.0.1:19400', healthy: null, services: {}, startedAt: null },
  },
  ministries: [
    {
      ministry: 'qdnd',
      database: { name: 'qdnd', up: true, endpoint: 'postgres://thahs@127.0.0.1:15433/thahs' },
      slot: { name: 'thahs_cdc_qdnd', exists: true, active: true, walStatus: 'reserved', lagBytes: 3 * 2 ** 20, lagSeconds: 0.5, lagSecondsSource: 'pg_stat_replication' },
      producer: { eventsPerSecond: 12.25, source: 'topic offsets' },
      agreements: [
        {
          agreementId: 'A',
          titleVi: null,
          role: 'receiver',
          provider: 'cand',
          receiver: 'qdnd',
          status: 'active',
          versionInForce: 2,
          entities: ['person'],
          consumer: {
            group: 'thahs-apply-A-qdnd',
            state: 'Empty',
            members: 0,
            partitions: [
              { topic: 't', entity: 'person', partition: 0, low: '0', high: '10', committed: '4', lag: 6 },
              { topic: 't', entity: 'person', partition: 1, low: '0', high: '3', committed: '3', lag: 0 },
            ],
            totalLag: 6,
            missingTopics: [],
            lastAppliedCommitTs: '2026-12-02T06:59:59.000Z',
            lastAppliedAt: '2026-12-02T07:00:00.000Z',
            appliedLastMinute: 5,
            consumedPerSecond: null,
            deadLetters: { total: 1, byReason: { undecodable: 1 } },
            withheld: null,
          },
        },
      ],
      notes: [],
    },
  ],
  alarms: [
    { severity: 'critical', code: 'dead-letters', message: '1 dead letter(s) of A wait for a decision (undecodable 1)', hint: 'thahs dlq list --receiver qdnd --agreement A' },
  ],
  healthy: false,
  exitCode: 3,
};

describe('renderStatusText', () => {
  it('shows servers, slot, agreement, lag of the partitions behind, dead letters and alarms', () => {
    const t = renderStatusText(status);
    expect(t).toContain('kafka hoạt động 127.0.0.1:19092 3 ms · registry không phản hồi http://127.0.0.1:18081 (ECONNREFUSED)');
    expect(t).toContain('Slot sao chép (slot) thahs_cdc_qdnd: active, wal reserved, Độ trễ slot 3.0 MiB, 0.5 s (pg_stat_replication)');
    expect(t).toContain('Tốc độ phát (producer): 12.3 sự kiện/giây (topic offsets)');
    expect(t).toContain('A  bên nhận (receiver) ← cand  đang hiệu lực (active)  Phiên bản hiệu lực: v2');
    expect(t).toContain('person[0]  Đã xác nhận 4  Cuối 10  Độ trễ 6');
    expect(t).not.toContain('person[1]');
    expect(t).toContain('(dead letters): 1 (undecodable 1)');
    expect(t).toContain('NGHIÊM TRỌNG dead-letters: 1 dead letter(s) of A wait for a decision (undecodable 1)  → thahs dlq list --receiver qdnd --agreement A');
    expect(renderStatusText(status, { allPartitions: true })).toContain('person[1]  Đã xác nhận 3  Cuối 3  Độ trễ 0');
  });

  it('draws a watch frame from the top, clearing each line and what is below, without clearing the screen first', () => {
    const f = watchFrame('a\nbb\n');
    expect(f).toBe('\x1b[Ha\x1b[K\nbb\x1b[K\n\x1b[J');
    expect(f).not.toContain('\x1b[2J');
  });
});

describe('StatusHistory', () => {
  it('keeps the lag per receiver and agreement and the producer rate, at most one point per gap and a bounded number', () => {
    const h = new StatusHistory(2, 1000);
    const at = (iso: string): ExchangeStatus => ({ ...status, generatedAt: iso });
    h.add(at('2026-12-02T07:00:00Z'));
    h.add(at('2026-12-02T07:00:00.500Z'));
    h.add(at('2026-12-02T07:00:02Z'));
    h.add(at('2026-12-02T07:00:04Z'));
    const points = h.list();
    expect(points.map((p) => p.t)).toEqual([Date.parse('2026-12-02T07:00:02Z'), Date.parse('2026-12-02T07:00:04Z')]);
    expect(points[0]).toMatchObject({ lag: { 'qdnd/A': 6 }, rate: { qdnd: 12.25 } });
  });
});
