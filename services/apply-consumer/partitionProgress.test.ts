import { createLogger } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { PartitionProgress } from './partitionProgress';

const log = createLogger('partition-progress-test', 'error');

describe('partition progress', () => {
  let now = 0;
  const progress = (): PartitionProgress => new PartitionProgress({ group: 'g-progress', stallMs: 60_000, log, clock: () => now });

  it('reports a partition with events waiting and nothing applied past the stall time, and clears it when it moves', async () => {
    now = 1_000;
    const p = progress();
    p.fetched('t', 0, '10', '15');
    now += 30_000;
    expect(p.check()).toEqual([]);
    now += 31_000;
    const [s] = p.check();
    expect(s).toMatchObject({ topic: 't', partition: 0, waiting: '5' });
    expect(p.anyStalled).toBe(true);
    expect(await metricsRegistry.getSingleMetricAsString('thahs_apply_partition_stalled')).toMatch(/group="g-progress",topic="t",partition="0"\} 1/);
    p.applied('t', 0, '15', '15');
    expect(p.anyStalled).toBe(false);
    expect(p.check()).toEqual([]);
    expect(await metricsRegistry.getSingleMetricAsString('thahs_apply_partition_stalled')).toMatch(/group="g-progress",topic="t",partition="0"\} 0/);
  });

  it('an idle partition (nothing waiting) never stalls, however long', () => {
    now = 0;
    const p = progress();
    p.fetched('t', 1, '20', '20');
    p.applied('t', 1, '20', '20');
    now += 10 * 60_000;
    expect(p.check()).toEqual([]);
  });

  it('counts from when events became due, and each applied chunk restarts the clock', () => {
    now = 0;
    const p = progress();
    p.fetched('t', 2, '0', '100');
    now += 50_000;
    p.applied('t', 2, '50', '100');
    now += 50_000;
    expect(p.check()).toEqual([]);
    p.failed('t', 2, 'registry unavailable');
    now += 11_000;
    expect(p.check()).toEqual([expect.objectContaining({ partition: 2, waiting: '50', lastError: 'registry unavailable' })]);
  });
});
