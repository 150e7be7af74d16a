import { EventQueue } from './eventQueue';

describe('EventQueue', () => {
  it('pauses at the high-water mark and resumes at the low-water mark, keeping order', async () => {
    const calls: string[] = [];
    const q = new EventQueue<number>(
      4,
      1,
      () => calls.push('pause'),
      () => calls.push('resume'),
    );
    for (let i = 0; i < 3; i++) q.push(i);
    expect(calls).toEqual([]);
    q.push(3);
    expect(calls).toEqual(['pause']);
    expect(q.isPaused).toBe(true);
    q.push(4); // what the socket already delivered still queues; no second pause
    expect(calls).toEqual(['pause']);
    expect(await q.take(2)).toEqual([0, 1]);
    expect(calls).toEqual(['pause']); // 3 left > lowWater
    expect(await q.take(2)).toEqual([2, 3]);
    expect(calls).toEqual(['pause', 'resume']);
    expect(q.stats).toEqual({ peak: 5, pauses: 1 });
    expect(await q.take(10)).toEqual([4]);
  });

  it('waits while empty and wakes on push; close ends the wait with an empty batch and drops items', async () => {
    const q = new EventQueue<string>(
      10,
      5,
      () => undefined,
      () => undefined,
    );
    const pending = q.take(5);
    q.push('a');
    expect(await pending).toEqual(['a']);
    const waiting = q.take(5);
    q.close();
    expect(await waiting).toEqual([]);
    q.push('b');
    expect(q.size).toBe(0);
    expect(await q.take(1)).toEqual([]);
  });

  it('takes what one socket read delivers in one batch, though each message arrives in its own promise job', async () => {
    const q = new EventQueue<number>(
      100,
      10,
      () => undefined,
      () => undefined,
    );
    const taken = q.take(50);
    // As TLS records of one read reach the parser: each push after the promise jobs the previous one started.
    let chain = Promise.resolve();
    for (let i = 0; i < 20; i++) chain = chain.then(() => q.push(i));
    expect(await taken).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await chain;
  });

  it('stays in order across compaction of a long run', async () => {
    const q = new EventQueue<number>(
      100_000,
      10,
      () => undefined,
      () => undefined,
    );
    let pushed = 0;
    while (pushed < 20_000) q.push(pushed++);
    let next = 0;
    let outOfOrder = 0;
    while (q.size > 0) {
      for (const v of await q.take(777)) if (v !== next++) outOfOrder++;
      if (pushed < 30_000) for (let i = 0; i < 300; i++) q.push(pushed++);
    }
    expect(outOfOrder).toBe(0);
    expect(next).toBe(pushed);
    expect(pushed).toBeGreaterThanOrEqual(30_000);
  });

  it('rejects inconsistent marks', () => {
    expect(
      () =>
        new EventQueue(
          5,
          5,
          () => undefined,
          () => undefined,
        ),
    ).toThrow(RangeError);
    expect(
      () =>
        new EventQueue(
          0,
          0,
          () => undefined,
          () => undefined,
        ),
    ).toThrow(RangeError);
  });
});
