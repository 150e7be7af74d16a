import type { ReceivedMeta } from '../../libs/events';
import { createLogger } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { PartitionSequencer } from '../cdc-producer/partitionSequencer';
import { SequenceWatch } from './sequenceWatch';

const NOW = 1_764_201_600_000;
const meta = (run: string, seq: number, commitMs = NOW): ReceivedMeta => ({
  op: 'u',
  position: { lsn: 1n, index: seq },
  xid: 1,
  commitTs: commitMs * 1000,
  ministry: 'cand',
  entity: 'person',
  agreementId: 'A',
  agreementVersion: 1,
  sourceEpoch: '1',
  keyId: 'k',
  eventId: `cand:0/1:${seq}`,
  sequence: { run, seq },
});
const event = (partition: number, offset: number) => ({ topic: 't.cand.A.person', partition, offset: String(offset), key: Buffer.from('k'), value: null, headers: {} });

async function missing(partition: number): Promise<number> {
  const m = await metricsRegistry.getSingleMetric('thahs_apply_event_gaps_total')!.get();
  return m.values.filter((v) => v.labels.partition === String(partition) && v.labels.agreement === 'A').reduce((n, v) => n + v.value, 0);
}

describe('sequence watch', () => {
  const watch = new SequenceWatch({
    receiver: 'qdnd',
    provider: 'cand',
    agreementId: 'A',
    group: 'g',
    log: createLogger('seq-test', 'error'),
    compactionLagMs: 86_400_000,
    now: () => NOW,
  });

  it('counts the numbers a run skipped, per partition', async () => {
    [1, 2, 3, 6].forEach((s, i) => watch.observe(event(0, i), meta('r1', s)));
    expect(await missing(0)).toBe(2);
    [1, 2].forEach((s, i) => watch.observe(event(1, i), meta('r1', s)));
    expect(await missing(1)).toBe(0);
  });

  it('takes a redelivery, a new run or an unsequenced event as a fresh start, and a gap behind an event older than the compaction lag as compaction', async () => {
    watch.observe(event(2, 0), meta('r1', 10));
    watch.observe(event(2, 1), meta('r1', 4)); // redelivered from a committed offset
    watch.observe(event(2, 2), meta('r1', 5));
    watch.observe(event(2, 3), meta('r2', 1)); // the producer restarted
    watch.observe(event(2, 4), meta('r2', 2));
    watch.observe(event(2, 5), { ...meta('r2', 3), sequence: undefined });
    watch.observe(event(2, 6), meta('r2', 3, NOW - 2 * 86_400_000));
    watch.observe(event(2, 7), meta('r2', 9)); // behind an event older than the lag: may be compaction
    expect(await missing(2)).toBe(0);
  });

  it('remembers the highest number of each run seen per partition, for watermarks, and forgets partitions it no longer holds', () => {
    watch.observe(event(3, 0), meta('w1', 5));
    watch.observe(event(3, 1), meta('w1', 3)); // redelivery
    expect(watch.seen('t.cand.A.person', 3, 'w1')).toBe(5);
    watch.observe(event(3, 2), meta('w2', 1));
    expect(watch.seen('t.cand.A.person', 3, 'w1')).toBe(5);
    expect(watch.seen('t.cand.A.person', 3, 'w2')).toBe(1);
    expect(watch.seen('t.cand.A.person', 3, 'other')).toBe(0);
    watch.retainOnly(new Set(['t.cand.A.person/0']));
    expect(watch.seen('t.cand.A.person', 3, 'w1')).toBe(0);
    expect(watch.seen('t.cand.A.person', 3, 'w2')).toBe(0);
  });

  it('is fed by the producer: numbers per partition of the key, from 1, one run per publisher', () => {
    const s = new PartitionSequencer((t) => (t === 'known' ? 3 : undefined));
    const seqs = Array.from({ length: 30 }, (_, i) => s.next('known', Buffer.from(`key-${i}`))!);
    expect(new Set(seqs.map((x) => x.run))).toEqual(new Set([s.run]));
    expect(seqs.filter((x) => x.seq === 1).length).toBeGreaterThan(1);
    expect(s.next('unknown', Buffer.from('k'))).toBeUndefined();
    expect(new PartitionSequencer(() => 3).run).not.toBe(s.run);
  });
});
