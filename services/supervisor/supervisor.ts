import type { Server } from 'http';
import { Logger } from '../../libs/logger';
import { startHttpEndpoint } from '../../libs/metrics';
import { PipelineService } from './pipelineService';

/**
 * Runs the pipeline services in one process: starts them in order, serves /health and /metrics,
 * and on SIGINT/SIGTERM stops them in reverse order so each can commit its position first.
 */
export class Supervisor {
  private http?: Server;
  private stopping?: Promise<void>;

  constructor(
    private readonly services: PipelineService[],
    private readonly log: Logger,
    private readonly metricsPort: number,
  ) {}

  async start(): Promise<void> {
    for (const s of this.services) {
      await s.start();
      this.log.info('service started', { component: s.name });
    }
    this.http = await startHttpEndpoint(this.metricsPort, async () => {
      const detail = Object.fromEntries(this.services.map((s) => [s.name, s.healthy() ? 'up' : 'down']));
      return { healthy: this.services.every((s) => s.healthy()), detail };
    });
    this.log.info('supervisor ready', { metrics: `http://127.0.0.1:${this.metricsPort}/metrics`, services: this.services.map((s) => s.name) });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of [...this.services].reverse()) {
        try {
          await s.stop();
          this.log.info('service stopped', { component: s.name });
        } catch (err) {
          this.log.error('service failed to stop cleanly', { component: s.name, error: (err as Error).message });
        }
      }
      await new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r()));
    })();
    return this.stopping;
  }
}
