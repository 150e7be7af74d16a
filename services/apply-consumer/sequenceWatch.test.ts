import type { ReceivedMeta } from '../../libs/events';
import { createLogger, tapLogLines } from '../../libs/logger';
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

  it('continues from the state the partner store recorded: a number withheld across a restart or a rebalance is a gap', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('seq-test', 'error');
    const untap = tapLogLines((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    const before = new SequenceWatch({ receiver: 'qdnd', provider: 'cand', agreementId: 'A', group: 'g', log, compactionLagMs: 86_400_000, now: () => NOW });
    before.observe(event(4, 0), meta('old', 7));
    [1, 2, 3].forEach((s, i) => before.observe(event(4, 10 + i), meta('r1', s)));
    const state = before.state('t.cand.A.person', 4)!;
    expect(state).toEqual({ topic: 't.cand.A.person', partition: 4, run: 'r1', seq: 3, max: 3, commitUs: NOW * 1000, offset: '12', earlier: [['old', 7]] });
    expect(before.state('t.cand.A.person', 5)).toBeUndefined();

    const after = new SequenceWatch({ receiver: 'qdnd', provider: 'cand', agreementId: 'A', group: 'g', log, compactionLagMs: 86_400_000, now: () => NOW });
    after.restore([state]);
    expect(after.seen('t.cand.A.person', 4, 'r1')).toBe(3);
    expect(after.seen('t.cand.A.person', 4, 'old')).toBe(7);
    const gapsBefore = await missing(4);
    after.observe(event(4, 13), meta('r1', 5)); // number 4 withheld while no process held the partition
    expect((await missing(4)) - gapsBefore).toBe(1);
    expect(lines.at(-1)).toMatchObject({ partition: 4, run: 'r1', missingFrom: 4, missingTo: 4, offsetBefore: '12', offsetAfter: '13' });
    expect(lines.at(-1)?.beforeTakenBy).toBeDefined();
    // A state read later never replaces what this member has taken itself; a later stored one replaces a stored one.
    after.restore([{ ...state, seq: 1, max: 1, offset: '99' }]);
    expect(after.state('t.cand.A.person', 4)).toMatchObject({ seq: 5, offset: '13' });
    const fresh = new SequenceWatch({ receiver: 'qdnd', provider: 'cand', agreementId: 'A', group: 'g', log, compactionLagMs: 86_400_000, now: () => NOW });
    fresh.restore([state]);
    fresh.restore([{ ...state, seq: 8, max: 8, offset: '20' }]);
    fresh.restore([{ ...state, seq: 2, max: 2, offset: '11' }]);
    expect(fresh.state('t.cand.A.person', 4)).toMatchObject({ seq: 8, offset: '20' });
    // A redelivery from an earlier committed offset after the restart is no gap; a gap behind a stored event older than the lag is compaction.
    const redelivered = new SequenceWatch({ receiver: 'qdnd', provider: 'cand', agreementId: 'A', group: 'g', log, compactionLagMs: 86_400_000, now: () => NOW });
    redelivered.restore([state, { ...state, partition: 6, commitUs: (NOW - 2 * 86_400_000) * 1000 }]);
    const g4 = await missing(4);
    redelivered.observe(event(4, 11), meta('r1', 2));
    redelivered.observe(event(4, 12), meta('r1', 3));
    redelivered.observe(event(4, 13), meta('r1', 4));
    redelivered.observe(event(6, 13), meta('r1', 9));
    expect(await missing(4)).toBe(g4);
    expect(await missing(6)).toBe(0);
    expect(redelivered.state('t.cand.A.person', 4)).toMatchObject({ seq: 4, max: 4 });
    untap();
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
