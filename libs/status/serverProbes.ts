import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { redactSecrets } from '../config/redact';
import type { FetchLike } from '../registry-client';
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

/**
 * The message of a failed request and of its cause (the global fetch says only "fetch failed", the
 * cause says why), with any password in it masked: a URL with user info may be quoted back.
 */
function reason(err: unknown): string {
  const e = err as Error & { cause?: { message?: unknown } };
  // Duck-typed: undici's cause may come from another realm than this module's Error.
  const inner = typeof e.cause?.message === 'string' && e.cause.message !== e.message ? `: ${e.cause.message}` : '';
  return redactSecrets(`${e.message}${inner}`);
}

/**
 * `GET <registry>/subjects` within `timeoutMs`. `o.fetch` is how the registry is reached, required:
 * registryFetch(registryAccess(config)) (libs/registry-client) trusts the secure profile's CA and sends
 * its credentials; the global fetch knows neither and would report a running registry as down.
 */
export function probeRegistry(registryUrl: string, o: { timeoutMs?: number; fetch: FetchLike }): Promise<ServerState> {
  const base = registryUrl.replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 2000;
  const get = o.fetch;
  return timed('registry', shownUrl(base), async () => {
    let res: Response;
    try {
      res = await get(`${base}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new Error(reason(err));
    }
    await res.arrayBuffer();
    if (res.status === 401 || res.status === 403)
      throw new Error(`HTTP ${res.status}: the registry refused the configured credentials (THAHS_REGISTRY_USERNAME / THAHS_REGISTRY_PASSWORD)`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  });
}
