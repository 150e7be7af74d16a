import { renderReportHtml } from './htmlReport';
import { buildReportModel, type ReportInput } from './reportModel';
import type { OperationStatistics } from './reportStatistics';
import type { StoredEntityResult, StoredRun } from './runStore';
import { formatNumber, horizontalBars, niceMax, stackedShares } from './svgCharts';

const UNIT_A = '11111111-1111-4111-8111-111111111111';
const UNIT_B = '22222222-2222-4222-8222-222222222222';

function result(entity: string, over: Partial<StoredEntityResult> = {}): StoredEntityResult {
  return {
    entity,
    mode: 'full',
    baselineRunId: null,
    fallbackReason: null,
    fields: ['id', 'reporting_unit_id', 'full_name'],
    shareHash: 'h',
    sourceRows: 10,
    partnerRows: 9,
    checked: 11,
    matched: 7,
    missing: 2,
    extra: 1,
    different: 1,
    keysTruncated: false,
    fieldCounts: { full_name: 1 },
    rowsHashed: { provider: 10, partner: 9 },
    rowsScanned: { provider: 0, partner: 0 },
    changedKeys: null,
    blocks: 1,
    blocksDiffering: 1,
    segmentsDiffering: 2,
    segmentsPerBlock: 32,
    byReportingUnit: [
      { unit: UNIT_A, sourceRows: 6, partnerRows: 6 },
      { unit: UNIT_B, sourceRows: 3, partnerRows: 2 },
      { unit: null, sourceRows: 1, partnerRows: 1 },
    ],
    startedAt: '2026-12-02T01:00:00.000Z',
    finishedAt: '2026-12-02T01:00:02.500Z',
    timings: { totalMs: 2500 },
    ...over,
  };
}

const run: StoredRun = {
  id: '7',
  agreementId: 'TTDL-CAND-QDND-2025-01',
  agreementVersion: 1,
  documentHash: 'ab'.repeat(32),
  provider: 'cand',
  receiver: 'qdnd',
  partnerSchema: 'partner_cand',
  mode: 'full',
  entities: ['judgment', 'person'],
  startedBy: 'cán bộ <kiểm tra>',
  hashVersion: 'thahs-row-hash/1',
  options: {},
  recheckedRunId: null,
  startedAt: '2026-12-02T01:00:00.000Z',
  finishedAt: '2026-12-02T01:00:05.000Z',
  status: 'differences',
  error: null,
  sourceLsn: '0/16B3748',
  timings: { totalMs: 5000 },
  results: [result('judgment', { fields: ['id', 'judgment_no'], byReportingUnit: null, fieldCounts: { judgment_no: 1 } }), result('person')],
};

const statistics: OperationStatistics = {
  period: { from: '2025-12-02T01:00:00.000Z', to: '2026-12-02T01:00:05.000Z' },
  updates: {
    available: true,
    days: [{ day: '2026-12-01', applied: 5, p50Seconds: 0.3, p95Seconds: 1.2, maxSeconds: 2 }],
    applied: 5,
    p50Seconds: 0.3,
    p95Seconds: 1.2,
    maxSeconds: 2,
    byEntity: [{ entity: 'person', op: 'u', action: 'upsert', count: 5 }],
  },
  deadLetters: { available: true, total: 0, byReason: [], days: [] },
  access: { available: false, total: 0, declared: 0, undeclared: 0, byReader: [], days: [] },
  unitDifferences: [
    { entity: 'person', unit: UNIT_B, missing: 1, extra: 0, different: 1 },
    { entity: 'person', unit: null, missing: 1, extra: 1, different: 0 },
  ],
};

const input: ReportInput = {
  run,
  statistics,
  agreement: { titleVi: 'Trao đổi dữ liệu & quân nhân', providerNameVi: 'Cục C10', receiverNamesVi: ['Cục Điều tra hình sự'] },
  entityLabels: { person: 'Người chấp hành án', judgment: 'Bản án' },
  fieldLabels: { person: { full_name: 'Họ và tên' }, judgment: { judgment_no: 'Số bản án' } },
  unitLabels: { [UNIT_A]: 'U1 – Trại giam số 1' },
  generatedAt: '2026-12-02T02:00:00.000Z',
};

describe('report model', () => {
  it('adds up the entities, computes match rates and names fields in Vietnamese', () => {
    const m = buildReportModel(input);
    expect(m.totals).toEqual({ checked: 22, matched: 14, missing: 4, extra: 2, different: 2, seconds: 5, matchRate: 14 / 22 });
    expect(m.entities.map((e) => [e.label, e.matchRate])).toEqual([
      ['Bản án', 7 / 11],
      ['Người chấp hành án', 7 / 11],
    ]);
    expect(m.fields.map((f) => [f.entityLabel, f.label, f.rows])).toEqual([
      ['Bản án', 'Số bản án', 1],
      ['Người chấp hành án', 'Họ và tên', 1],
    ]);
    expect(m.durationSeconds).toBe(5);
  });

  it('joins rows per reporting unit with their differences and names, largest first', () => {
    const m = buildReportModel(input);
    expect(m.units[0]).toEqual({ entity: 'judgment', entityLabel: 'Bản án', rows: null, note: 'not-shared' });
    expect(m.units[1].rows).toEqual([
      { unit: UNIT_A, label: 'U1 – Trại giam số 1', sourceRows: 6, partnerRows: 6, differences: 0 },
      { unit: UNIT_B, label: UNIT_B, sourceRows: 3, partnerRows: 2, differences: 2 },
      { unit: null, label: '', sourceRows: 1, partnerRows: 1, differences: 2 },
    ]);
  });

  it('says where unit figures come from when an incremental run did not count them', () => {
    const m = buildReportModel({ ...input, run: { ...run, results: [result('person', { mode: 'incremental', byReportingUnit: null })] } });
    expect(m.units[0].note).toBe('incremental');
  });

  it('renders escaped text, Vietnamese labels and no script', () => {
    const html = renderReportHtml(buildReportModel(input));
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('cán bộ &lt;kiểm tra&gt;');
    expect(html).toContain('Trao đổi dữ liệu &amp; quân nhân');
    expect(html).toContain('Thiếu ở kho tiếp nhận');
    expect(html).toContain('01/12');
    expect(html).not.toContain('<script');
    expect((html.match(/<svg class="chart"/g) ?? []).length).toBeGreaterThanOrEqual(4);
  });
});

describe('charts', () => {
  it('formats numbers the Vietnamese way and rounds axes', () => {
    expect(formatNumber(1234567)).toBe('1.234.567');
    expect(formatNumber(-0.5, 2)).toBe('-0,50');
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(120)).toBe(200);
  });

  it('keeps a non-zero part of a share visible and the bar within its width', () => {
    const svg = stackedShares({
      title: 't',
      categories: ['a'],
      series: [
        { label: 'big', color: '#000', values: [10_000_000] },
        { label: 'tiny', color: '#111', values: [1] },
      ],
    });
    const widths = [...svg.matchAll(/class="bar" x="[\d.]+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[1]).toBeGreaterThanOrEqual(2);
    // A short category label: the label column is its minimum, 120 px, and the bar fills the rest but 20 px.
    expect(widths[0] + widths[1]).toBeCloseTo(720 - 120 - 20, 0);
  });

  it('draws one labelled bar per value', () => {
    const svg = horizontalBars({ title: 'x & y', categories: ['p', 'q'], series: [{ label: 's', color: '#000', values: [0, 5] }] });
    expect(svg).toContain('<title>x &amp; y</title>');
    expect((svg.match(/class="bar"/g) ?? []).length).toBe(2);
    expect(svg).toContain('width="0.0"');
    expect(svg).not.toMatch(/>0<\/text>/);
  });
});
