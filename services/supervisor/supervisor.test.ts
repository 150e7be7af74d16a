import * as http from 'http';
import { createLogger } from '../../libs/logger';
import type { PipelineService } from './pipelineService';
import { Supervisor } from './supervisor';

const log = createLogger('supervisor-test', 'error');

/** A service that records what happens to it in a shared journal. */
class FakeService implements PipelineService {
  up = false;
  constructor(
    readonly name: string,
    private readonly journal: string[],
    private readonly o: { failStart?: boolean; stopMs?: number; kids?: PipelineService[] } = {},
  ) {}
  async start(): Promise<void> {
    this.journal.push(`start ${this.name}`);
    if (this.o.failStart) throw new Error(`${this.name} cannot start`);
    this.up = true;
  }
  async stop(): Promise<void> {
    this.journal.push(`stop ${this.name}`);
    await new Promise((r) => setTimeout(r, this.o.stopMs ?? 0));
    this.journal.push(`stopped ${this.name}`);
    this.up = false;
  }
  healthy(): boolean {
    return this.up;
  }
  children(): readonly PipelineService[] {
    return this.o.kids ?? [];
  }
}

function getHealth(port: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/health' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      })
      .on('error', reject);
  });
}

describe('Supervisor', () => {
  it('starts in order, stops stages in reverse with the services of a stage together, and reports each child on /health', async () => {
    const journal: string[] = [];
    const kid = new FakeService('apply-consumer-A-qdnd', journal);
    kid.up = true;
    const a = new FakeService('sync-cand', journal, { stopMs: 30 });
    const b = new FakeService('sync-qdnd', journal, { stopMs: 10 });
    const c = new FakeService('consumers-qdnd', journal, { kids: [kid] });
    const s = new Supervisor([[a, b], c], log, 0);
    await s.start();
    expect(journal).toEqual(['start sync-cand', 'start sync-qdnd', 'start consumers-qdnd']);
    const ok = await getHealth(s.port!);
    expect(ok).toEqual({ status: 200, body: { healthy: true, detail: { 'sync-cand': 'up', 'sync-qdnd': 'up', 'consumers-qdnd': 'up', 'apply-consumer-A-qdnd': 'up' } } });
    kid.up = false;
    const down = await getHealth(s.port!);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ healthy: false, detail: { 'consumers-qdnd': 'up', 'apply-consumer-A-qdnd': 'down' } });
    journal.length = 0;
    await s.stop();
    // consumers first; both sync services asked to stop before either has finished
    expect(journal.slice(0, 2)).toEqual(['stop consumers-qdnd', 'stopped consumers-qdnd']);
    expect(journal.slice(2, 4).sort()).toEqual(['stop sync-cand', 'stop sync-qdnd']);
    expect(s.health().healthy).toBe(false);
  });

  it('stops what it started when a later service fails to start, and rethrows', async () => {
    const journal: string[] = [];
    const s = new Supervisor([new FakeService('one', journal), new FakeService('two', journal, { failStart: true }), new FakeService('three', journal)], log, 0);
    await expect(s.start()).rejects.toThrow('two cannot start');
    expect(journal).toEqual(['start one', 'start two', 'stop two', 'stopped two', 'stop one', 'stopped one']);
  });

  it('a stop during start waits for the service being started, stops it, and starts nothing more', async () => {
    const journal: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new FakeService('slow', journal);
    const orig = slow.start.bind(slow);
    slow.start = async () => {
      await gate;
      await orig();
    };
    const s = new Supervisor([new FakeService('first', journal), slow, new FakeService('never', journal)], log, 0);
    const started = s.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(s.health().detail).toEqual({ first: 'up', slow: 'starting', never: 'starting' });
    const stopped = s.stop();
    release();
    await Promise.all([started, stopped]);
    expect(journal).toEqual(['start first', 'start slow', 'stop slow', 'stopped slow', 'stop first', 'stopped first']);
  });
});
