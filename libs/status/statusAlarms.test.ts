import { deriveAlarms, metricAlarms } from './statusAlarms';
import type { AgreementView, ExchangeStatus, MinistryView } from './statusModel';

const up = (name: string) => ({ name, up: true, endpoint: name });
const consumer = (over: Partial<NonNullable<AgreementView['consumer']>> = {}): NonNullable<AgreementView['consumer']> => ({
  group: 'g',
  state: 'Stable',
  members: 1,
  partitions: [],
  totalLag: 0,
  missingTopics: [],
  lastAppliedCommitTs: null,
  lastAppliedAt: null,
  appliedLastMinute: 0,
  consumedPerSecond: null,
  deadLetters: { total: 0, byReason: {} },
  withheld: 0,
  ...over,
});
const agreement = (over: Partial<AgreementView> = {}): AgreementView => ({
  agreementId: 'A',
  titleVi: null,
  role: 'receiver',
  provider: 'cand',
  receiver: 'qdnd',
  status: 'active',
  versionInForce: 1,
  entities: ['person'],
  consumer: consumer(),
  ...over,
});
const ministry = (over: Partial<MinistryView> = {}): MinistryView => ({
  ministry: 'qdnd',
  database: up('qdnd'),
  slot: { name: 's', exists: true, active: true, walStatus: 'reserved', lagBytes: 0, lagSeconds: 0, lagSecondsSource: 'metrics' },
  producer: { eventsPerSecond: 1, source: 'metrics' },
  agreements: [agreement()],
  notes: [],
  ...over,
});
const status = (ministries: MinistryView[], job = true): Omit<ExchangeStatus, 'alarms' | 'healthy' | 'exitCode'> => ({
  generatedAt: '2026-12-02T00:00:00Z',
  topicPrefix: 'thahs',
  servers: { kafka: up('kafka'), registry: up('registry'), mainJob: { ...up('job'), up: job, healthy: job, services: {}, startedAt: null } },
  ministries,
});

describe('deriveAlarms', () => {
  it('says nothing when everything runs and is caught up', () => {
    expect(deriveAlarms(status([ministry()]), [])).toEqual([]);
  });

  it('raises dead letters, an absent consumer with lag, and a lag warning, most severe first', () => {
    const alarms = deriveAlarms(
      status([
        ministry({
          agreements: [
            agreement({ agreementId: 'A', consumer: consumer({ members: 0, state: 'Empty', totalLag: 5, deadLetters: { total: 2, byReason: { undecodable: 2 } } }) }),
            agreement({ agreementId: 'B', consumer: consumer({ totalLag: 20_000 }) }),
          ],
        }),
      ]),
      [],
    );
    expect(alarms.map((a) => `${a.severity}:${a.code}:${a.agreementId}`)).toEqual(['critical:dead-letters:A', 'critical:consumer-absent:A', 'warning:consumer-lag:B']);
  });

  it('does not call a consumer absent for an agreement no longer in force, nor without lag', () => {
    const a = deriveAlarms(
      status([
        ministry({
          agreements: [
            agreement({ status: 'terminated', consumer: consumer({ members: 0, totalLag: 5 }) }),
            agreement({ agreementId: 'B', consumer: consumer({ members: 0, totalLag: 0 }) }),
          ],
        }),
      ]),
      [],
    );
    expect(a).toEqual([]);
  });

  it('raises servers down, services down on /health, a lost slot and reconciliation differences', () => {
    const s = status([
      ministry({ ministry: 'cand', database: { ...up('cand'), up: false, error: 'ECONNREFUSED' } }),
      ministry({
        slot: { name: 's', exists: true, active: false, walStatus: 'lost', lagBytes: 3 * 2 ** 30, lagSeconds: null, lagSecondsSource: null },
        agreements: [agreement({ reconciliation: { present: true, runId: '7', status: 'differences', missing: 1, extra: 0, different: 2 } })],
      }),
    ]);
    s.servers.kafka = { ...s.servers.kafka, up: false };
    s.servers.mainJob.services = { 'cdc-producer-cand': 'down', 'agreement-sync-cand': 'up' };
    const codes = deriveAlarms(s, []).map((a) => a.code);
    expect(codes).toEqual(expect.arrayContaining(['kafka-down', 'service-down', 'database-down', 'slot-wal-lost', 'slot-lag', 'reconcile-differences']));
    expect(deriveAlarms(s, []).find((a) => a.code === 'reconcile-differences')!.message).toContain('found 3 difference(s)');
  });
});

describe('metricAlarms', () => {
  it('turns stall and gap samples above zero into alarms, not histograms or zero values', () => {
    const a = metricAlarms([
      { name: 'thahs_apply_partition_stalled', labels: { receiver: 'qdnd', agreement: 'A', partition: '1' }, value: 1 },
      { name: 'thahs_apply_gaps_detected_total', labels: { receiver: 'cand' }, value: 2 },
      { name: 'thahs_apply_partition_stalled', labels: { receiver: 'qdnd', agreement: 'A', partition: '0' }, value: 0 },
      { name: 'thahs_apply_stall_seconds_bucket', labels: { le: '1' }, value: 3 },
      { name: 'thahs_apply_applied_total', labels: {}, value: 9 },
    ]);
    expect(a.map((x) => [x.code, x.ministry, x.agreementId])).toEqual([
      ['stalled', 'qdnd', 'A'],
      ['gap', 'cand', undefined],
    ]);
  });

  it('says how long the provider has sent no signed watermark, and nothing while one arrives in time', () => {
    const labels = { receiver: 'qdnd', provider: 'cand', agreement: 'A' };
    const a = metricAlarms([
      { name: 'thahs_apply_watermark_missing', labels, value: 1 },
      { name: 'thahs_apply_watermark_age_seconds', labels, value: 73 },
      { name: 'thahs_apply_watermark_missing', labels: { ...labels, agreement: 'B' }, value: 0 },
      { name: 'thahs_apply_watermark_age_seconds', labels: { ...labels, agreement: 'B' }, value: 4 },
    ]);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ code: 'watermark-missing', severity: 'critical', ministry: 'qdnd', agreementId: 'A' });
    expect(a[0].message).toContain('no signed watermark for 73 s from cand under A');
  });

  it('names the key files an amendment no longer binds', () => {
    const a = metricAlarms([{ name: 'thahs_apply_keys_unbound', labels: { receiver: 'qdnd', provider: 'cand', agreement: 'A' }, value: 1 }]);
    expect(a.map((x) => [x.code, x.ministry, x.agreementId])).toEqual([['key-unbound', 'qdnd', 'A']]);
  });
});
