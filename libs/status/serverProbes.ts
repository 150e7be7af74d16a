import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import type { ServerState } from './statusModel';

/** A URL as it may be shown: user name kept, password never. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function timed(name: string, endpoint: string, probe: () => Promise<unknown>): Promise<ServerState> {
  const t0 = Date.now();
  try {
    await probe();
    return { name, up: true, endpoint, latencyMs: Date.now() - t0 };
  } catch (err) {
    return { name, up: false, endpoint, error: (err as Error).message, latencyMs: Date.now() - t0 };
  }
}

export function probeDatabase(name: string, url: string, pool: Pool): Promise<ServerState> {
  return timed(name, shownUrl(url), () => pool.query('SELECT 1'));
}

/** A metadata round trip: a broker accepts connections before it can serve. */
export function probeKafka(brokers: string[], admin: () => Promise<Admin>): Promise<ServerState> {
  return timed('kafka', brokers.join(','), async () => {
    const c = await (await admin()).describeCluster();
    if (c.brokers.length === 0) throw new Error('no broker in the cluster metadata');
  });
}

export function probeRegistry(registryUrl: string, timeoutMs = 2000): Promise<ServerState> {
  const base = registryUrl.replace(/\/+$/, '');
  return timed('registry', shownUrl(base), async () => {
    const res = await fetch(`${base}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    await res.arrayBuffer();
  });
}
