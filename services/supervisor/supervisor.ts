import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { Logger } from '../../libs/logger';
import { startHttpEndpoint } from '../../libs/metrics';
import { PipelineService } from './pipelineService';

export type ServiceHealth = 'up' | 'down' | 'starting' | 'stopped';

/** What /health answers: healthy only when every service (and every service they run) is up. */
export interface HealthReport {
  healthy: boolean;
  detail: Record<string, ServiceHealth>;
}

/**
 * Services of one stage do not depend on each other (e.g. the producers of both ministries): they
 * start one after another, in order, but stop together, which halves a Ctrl-C that waits on Kafka.
 */
export type ServiceStage = readonly PipelineService[];

/**
 * Runs the pipeline services in one process: starts them in order, serves /health and /metrics,
 * and on SIGINT/SIGTERM stops them in reverse order so each can commit its position first.
 */
export class Supervisor {
  private http?: Server;
  private stopping?: Promise<void>;
  private readonly stages: ServiceStage[];
  private readonly started = new Set<PipelineService>();
  /** The start in progress; stop() waits for it so no service is left running half-started. */
  private starting: Promise<void> = Promise.resolve();

  constructor(
    /** In start order; a nested list is a stage (ServiceStage). */
    services: ReadonlyArray<PipelineService | ServiceStage>,
    private readonly log: Logger,
    /** 0 picks a free port (tests); see port. */
    private readonly metricsPort: number,
  ) {
    this.stages = services.map((s) => (Array.isArray(s) ? [...(s as ServiceStage)] : [s as PipelineService]));
  }

  get services(): PipelineService[] {
    return this.stages.flat();
  }

  /** The port /health and /metrics listen on, once started. */
  get port(): number | undefined {
    const a = this.http?.address();
    return a && typeof a === 'object' ? (a as AddressInfo).port : undefined;
  }

  /**
   * The endpoint comes up first so an operator can watch a slow start (the local demo confirms its
   * agreements before the producers start). A service that fails to start stops the ones before it:
   * a half-started pipeline would look alive and not be.
   */
  async start(): Promise<void> {
    this.http = await startHttpEndpoint(this.metricsPort, async () => this.health());
    for (const s of this.services) {
      if (this.stopping) return;
      this.starting = s.start();
      try {
        await this.starting;
      } catch (err) {
        this.starting = Promise.resolve();
        this.log.error('service failed to start; stopping the pipeline', { component: s.name, error: (err as Error).message });
        // Whatever it opened before failing is released too.
        this.started.add(s);
        await this.stop();
        throw err;
      }
      this.started.add(s);
      this.log.info('service started', { component: s.name });
    }
    if (this.stopping) return;
    this.log.info('supervisor ready', {
      metrics: `http://127.0.0.1:${this.port}/metrics`,
      health: `http://127.0.0.1:${this.port}/health`,
      services: this.services.map((s) => s.name),
    });
  }

  health(): HealthReport {
    const detail: Record<string, ServiceHealth> = {};
    let healthy = !this.stopping;
    for (const s of this.services) {
      const state: ServiceHealth = this.stopping ? 'stopped' : !this.started.has(s) ? 'starting' : s.healthy() ? 'up' : 'down';
      detail[s.name] = state;
      if (state !== 'up') healthy = false;
      for (const c of s.children?.() ?? []) {
        const child: ServiceHealth = state === 'starting' || state === 'stopped' ? state : c.healthy() ? 'up' : 'down';
        detail[c.name] = child;
        if (child !== 'up') healthy = false;
      }
    }
    return { healthy, detail };
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting.catch(() => undefined);
      for (const stage of [...this.stages].reverse()) {
        await Promise.all(
          stage
            .filter((s) => this.started.has(s))
            .map(async (s) => {
              try {
                await s.stop();
                this.log.info('service stopped', { component: s.name });
              } catch (err) {
                this.log.error('service failed to stop cleanly', { component: s.name, error: (err as Error).message });
              }
            }),
        );
      }
      this.http?.closeAllConnections();
      await new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r()));
    })();
    return this.stopping;
  }
}
