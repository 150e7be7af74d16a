import { ApplyGate } from './applyGate';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('apply gate', () => {
  it('runs shared work side by side, and exclusive work alone', async () => {
    const gate = new ApplyGate();
    const log: string[] = [];
    const a = deferred();
    const b = deferred();
    const p1 = gate.shared(async () => {
      log.push('a start');
      await a.promise;
      log.push('a end');
    });
    const p2 = gate.shared(async () => {
      log.push('b start');
      await b.promise;
      log.push('b end');
    });
    const px = gate.exclusive(async () => {
      log.push('x');
    });
    // queued behind the exclusive one: a purge is not starved by a stream of chunks
    const p3 = gate.shared(async () => {
      log.push('c');
    });
    await tick();
    expect(log).toEqual(['a start', 'b start']);
    a.resolve();
    await tick();
    expect(log).toEqual(['a start', 'b start', 'a end']);
    b.resolve();
    await Promise.all([p1, p2, px, p3]);
    expect(log).toEqual(['a start', 'b start', 'a end', 'b end', 'x', 'c']);
  });

  it('releases the gate when the work fails', async () => {
    const gate = new ApplyGate();
    await expect(gate.exclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.shared(async () => 1)).resolves.toBe(1);
    await expect(gate.exclusive(async () => 2)).resolves.toBe(2);
  });
});
