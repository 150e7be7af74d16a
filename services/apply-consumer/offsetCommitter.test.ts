import { createLogger } from '../../libs/logger';
import { OffsetCommitter, type TopicPartitionOffset } from './offsetCommitter';

const log = createLogger('offset-committer-test', 'error');

describe('offset committer', () => {
  it('commits the newest offset of every partition in one request', async () => {
    const commits: TopicPartitionOffset[][] = [];
    const c = new OffsetCommitter({ commit: async (o) => void commits.push(o), group: 'g', log });
    c.mark('t', 0, '5');
    c.mark('t', 1, '9');
    c.mark('t', 0, '7');
    await c.flush();
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '7' },
        { topic: 't', partition: 1, offset: '9' },
      ],
    ]);
    await c.flush();
    expect(commits).toHaveLength(1);
  });

  it('keeps a failed commit for the next flush unless a newer offset superseded it', async () => {
    const commits: TopicPartitionOffset[][] = [];
    let fail = true;
    const c = new OffsetCommitter({
      commit: async (o) => {
        if (fail) throw new Error('coordinator moved');
        commits.push(o);
      },
      group: 'g',
      log,
    });
    c.mark('t', 0, '5');
    c.mark('t', 1, '3');
    await c.flush();
    expect(c.pendingCount).toBe(2);
    c.mark('t', 1, '4');
    fail = false;
    await c.flush();
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '5' },
        { topic: 't', partition: 1, offset: '4' },
      ],
    ]);
  });

  it('forgets partitions a rebalance took away', async () => {
    const commits: TopicPartitionOffset[][] = [];
    const c = new OffsetCommitter({ commit: async (o) => void commits.push(o), group: 'g', log });
    c.mark('t', 0, '5');
    c.mark('t', 1, '6');
    c.retainOnly(new Set(['t/1']));
    await c.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 1, offset: '6' }]]);
  });

  it('shares one commit between concurrent flushes, and a flush with nothing to send does not block later ones', async () => {
    let calls = 0;
    let release!: () => void;
    const c = new OffsetCommitter({
      commit: () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      },
      group: 'g',
      log,
    });
    await c.flush();
    c.mark('t', 0, '1');
    const a = c.flush();
    const b = c.flush();
    expect(calls).toBe(1);
    release();
    await Promise.all([a, b]);
    c.mark('t', 0, '2');
    const d = c.flush();
    expect(calls).toBe(2);
    release();
    await d;
  });
});
