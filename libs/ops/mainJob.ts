import { parsePrometheusText, type MetricSample } from './prometheusText';

/** What the main job (`npm start`, services/supervisor) says about itself on its HTTP endpoint. */
export interface MainJobView {
  reachable: boolean;
  /** Why not, when not. */
  error?: string;
  /** /health: healthy, and the state of every service and apply consumer by name. */
  health: { healthy: boolean; detail: Record<string, string> } | null;
  metrics: MetricSample[];
  /** Seconds since the epoch the job's process started (process_start_time_seconds), when known. */
  startedAt: number | null;
}

/** Where to read it: over HTTP (the CLI), or in the job's own process (the status page). */
export interface MainJobSource {
  read(): Promise<MainJobView>;
}

async function fetchText(url: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text() };
}

export function startedAtOf(samples: readonly MetricSample[]): number | null {
  const s = samples.find((x) => x.name.endsWith('process_start_time_seconds'));
  return s ? s.value : null;
}

/** /health and /metrics of a main job on 127.0.0.1:<port> (THAHS_METRICS_PORT). */
export function httpMainJob(port: number, host = '127.0.0.1', timeoutMs = 2000): MainJobSource {
  const base = `http://${host}:${port}`;
  return {
    async read() {
      try {
        const [h, m] = await Promise.all([fetchText(`${base}/health`, timeoutMs), fetchText(`${base}/metrics`, timeoutMs)]);
        const health = JSON.parse(h.text) as { healthy: boolean; detail: Record<string, string> };
        const metrics = m.status === 200 ? parsePrometheusText(m.text) : [];
        return { reachable: true, health, metrics, startedAt: startedAtOf(metrics) };
      } catch (err) {
        return { reachable: false, error: `no main job answers at ${base}: ${(err as Error).message}`, health: null, metrics: [], startedAt: null };
      }
    },
  };
}

/** The job reading itself: its registry's exposition and its supervisor's health, no HTTP round trip. */
export function localMainJob(metricsText: () => Promise<string>, health: () => Promise<{ healthy: boolean; detail: Record<string, unknown> }>): MainJobSource {
  return {
    async read() {
      const [text, h] = await Promise.all([metricsText(), health()]);
      const metrics = parsePrometheusText(text);
      const detail: Record<string, string> = {};
      for (const [k, v] of Object.entries(h.detail)) detail[k] = typeof v === 'string' ? v : JSON.stringify(v);
      return { reachable: true, health: { healthy: h.healthy, detail }, metrics, startedAt: startedAtOf(metrics) };
    },
  };
}
