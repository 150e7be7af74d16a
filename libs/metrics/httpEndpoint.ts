import * as http from 'http';
import { metricsRegistry } from './metricsRegistry';

export type HealthCheck = () => Promise<{ healthy: boolean; detail: Record<string, unknown> }>;

/** /metrics (Prometheus) and /health (JSON, 503 when unhealthy) for operators and orchestrators. */
export function startHttpEndpoint(port: number, health: HealthCheck, host = '127.0.0.1'): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
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
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
