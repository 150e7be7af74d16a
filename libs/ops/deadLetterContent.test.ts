import type { FetchLike } from '../registry-client';
import { registrySchemas } from './deadLetterContent';

/** A registry reached only through the fetch given: what `thahs dlq show` passes (registryFetch, with the secure profile's CA and credentials). */
function fakeRegistry(answers: Record<string, { status: number; body?: unknown }>): { get: FetchLike; asked: string[] } {
  const asked: string[] = [];
  const get: FetchLike = async (input, init) => {
    const url = String(input);
    asked.push(url);
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    const a = answers[url] ?? { status: 404, body: { error_code: 40403 } };
    return new Response(JSON.stringify(a.body ?? {}), { status: a.status, headers: { 'content-type': 'application/json' } });
  };
  return { get, asked };
}

describe('registrySchemas', () => {
  const base = 'https://127.0.0.1:28081/apis/ccompat/v7';

  it('asks the registry through the fetch given (never the global one), once per id', async () => {
    const global = jest.spyOn(globalThis, 'fetch');
    const { get, asked } = fakeRegistry({ [`${base}/schemas/ids/7`]: { status: 200, body: { schema: '{"type":"string"}' } } });
    const schemas = registrySchemas(`${base}/`, { fetch: get });
    expect(await schemas(7)).toEqual({ type: 'string' });
    expect(await schemas(7)).toEqual({ type: 'string' });
    expect(await schemas(8)).toBeNull();
    expect(asked).toEqual([`${base}/schemas/ids/7`, `${base}/schemas/ids/8`]);
    expect(global).not.toHaveBeenCalled();
    global.mockRestore();
  });

  it('reports a registry that refuses (a missing credential: 401) as an error, not as an unknown id', async () => {
    const { get } = fakeRegistry({ [`${base}/schemas/ids/3`]: { status: 401, body: { message: 'Unauthorized' } } });
    await expect(registrySchemas(base, { fetch: get })(3)).rejects.toThrow('schema registry answered HTTP 401 for schema id 3');
  });
});
