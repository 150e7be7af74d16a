import * as http from 'http';
import * as https from 'https';
import { basicAuthorization, registryAgent, type RegistryAccess } from './registryAccess';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A `fetch` for the schema registry that trusts its CA and sends its credentials. Node's fetch
 * takes no CA of its own (its dispatcher is not public API), so requests to https URLs with a
 * configured CA go through node:https and come back as a standard Response; anything else is the
 * global fetch with the Authorization header added. Call it exactly as fetch:
 * `const f = registryFetch(registryAccess(config)); await f(`${base}/schemas/ids/${id}`, { signal })`.
 * Credentials are sent only to the registry's own origin.
 */
export function registryFetch(access: RegistryAccess): FetchLike {
  const origin = new URL(access.url).origin;
  const authorization = basicAuthorization(access);
  const agent = registryAgent(access);
  return async (input, init = {}) => {
    const url = new URL(String(input));
    const headers = new Headers(init.headers);
    if (authorization && url.origin === origin && !headers.has('authorization')) headers.set('authorization', authorization);
    if (!agent || url.protocol !== 'https:' || url.origin !== origin) return fetch(url, { ...init, headers });
    return httpsRequest(url, init, headers, agent);
  };
}

async function bodyBytes(body: RequestInit['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
}

async function httpsRequest(url: URL, init: RequestInit, headers: Headers, agent: https.Agent): Promise<Response> {
  const body = await bodyBytes(init.body);
  const outgoing: http.OutgoingHttpHeaders = Object.fromEntries(headers.entries());
  if (body) outgoing['content-length'] = body.length;
  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const req = https.request(url, { method: init.method ?? 'GET', headers: outgoing, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 502;
        // A Response may not carry a body for these statuses.
        const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
        resolve(new Response(payload, { status, statusText: res.statusMessage, headers: h }));
      });
    });
    const onAbort = (): void => {
      req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal?.removeEventListener('abort', onAbort));
    req.on('error', reject);
    req.end(body);
  });
}
