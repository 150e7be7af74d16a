import * as http from 'http';
import type { StatusOptions } from '../status/statusGatherer';
import { metricsRegistry } from './metricsRegistry';

export type HealthCheck = () => Promise<{ healthy: boolean; detail: Record<string, unknown> }>;

/**
 * The read-only status page (/status, /status.json; libs/status): by default gathered with the
 * settings (THAHS_*) for the `thahs` pipeline, reading this process's own metrics and health; a test
 * passes its own options, `false` serves no page.
 */
export type StatusPageSetup = StatusOptions | false | undefined;

interface StatusRoutes {
  handle(path: string): Promise<{ status: number; headers: Record<string, string>; body: string } | null>;
  close(): Promise<void>;
}

/** Loaded on the first request only: importing the metrics registry must stay light for every service. */
async function statusRoutes(setup: StatusOptions | undefined, health: HealthCheck, port: () => number | undefined): Promise<StatusRoutes> {
  const { StatusService } = await import('../status/statusService');
  if (setup) return new StatusService(setup);
  const [{ loadConfig }, { localMainJob }, { statusOptionsFromConfig }] = await Promise.all([import('../config'), import('../ops/mainJob'), import('../status/configuredOptions')]);
  return new StatusService(
    statusOptionsFromConfig(loadConfig(), {
      mainJob: localMainJob(() => metricsRegistry.metrics(), health),
      mainJobEndpoint: `http://127.0.0.1:${port() ?? '?'} (this process)`,
    }),
  );
}

/** /metrics (Prometheus), /health (JSON, 503 when unhealthy) and the status page for operators and orchestrators. */
export function startHttpEndpoint(port: number, health: HealthCheck, host = '127.0.0.1', status?: StatusPageSetup): Promise<http.Server> {
  let routes: Promise<StatusRoutes> | undefined;
  const path = (url: string | undefined): string => (url ?? '').split('?')[0];
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if (status !== false && (path(req.url) === '/status' || path(req.url) === '/status.json')) {
          routes ??= statusRoutes(status, health, () => (server.address() as { port?: number } | null)?.port);
          const r = await (await routes).handle(path(req.url));
          if (r) {
            res.writeHead(r.status, r.headers);
            res.end(r.body);
            return;
          }
        }
        if (req.url === '/metrics') {
          res.writeHead(200, { 'content-type': metricsRegistry.contentType });
          res.end(await metricsRegistry.metrics());
        } else if (req.url === '/health') {
          const h = await health();
          res.writeHead(h.healthy ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify(h));
        } else {
          res.writeHead(404).end();
        }
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.message : String(err));
      }
    })();
  });
  server.on('close', () => void routes?.then((r) => r.close()).catch(() => undefined));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
