import { parsePrometheusText, sumSamples } from './prometheusText';

describe('parsePrometheusText', () => {
  const text = [
    '# HELP thahs_apply_withheld_total Events withheld',
    '# TYPE thahs_apply_withheld_total counter',
    'thahs_apply_withheld_total{receiver="qdnd",provider="cand",entity="person",agreement="TTDL-A"} 3',
    'thahs_apply_withheld_total{receiver="qdnd",provider="cand",entity="judgment",agreement="TTDL-A"} 4',
    'thahs_apply_withheld_total{receiver="cand",provider="qdnd",entity="person",agreement="TTDL-B"} 10',
    'thahs_cdc_slot_lag_seconds{ministry="cand"} 1.5e0',
    'thahs_odd{label="with \\"quote\\" and \\\\ slash"} +Inf',
    'not a sample line at all {',
    'thahs_process_start_time_seconds 1796000000',
  ].join('\n');

  it('reads names, labels (unescaped) and values, skipping comments and lines it cannot read', () => {
    const s = parsePrometheusText(text);
    expect(s).toHaveLength(6);
    expect(s[0]).toEqual({ name: 'thahs_apply_withheld_total', labels: { receiver: 'qdnd', provider: 'cand', entity: 'person', agreement: 'TTDL-A' }, value: 3 });
    expect(s[3].value).toBe(1.5);
    expect(s[4]).toEqual({ name: 'thahs_odd', labels: { label: 'with "quote" and \\ slash' }, value: Infinity });
    expect(s[5]).toEqual({ name: 'thahs_process_start_time_seconds', labels: {}, value: 1796000000 });
  });

  it('sums the samples whose labels match, and says null when none does', () => {
    const s = parsePrometheusText(text);
    expect(sumSamples(s, 'thahs_apply_withheld_total', { receiver: 'qdnd', agreement: 'TTDL-A' })).toBe(7);
    expect(sumSamples(s, 'thahs_apply_withheld_total')).toBe(17);
    expect(sumSamples(s, 'thahs_apply_withheld_total', { agreement: 'TTDL-X' })).toBeNull();
  });
});
