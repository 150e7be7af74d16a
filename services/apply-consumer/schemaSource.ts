import { loadConfig } from '../../libs/config';
import { registryAccess, registryFetch } from '../../libs/registry-client';
/** The registry could not be asked (network, server error): the batch is retried, nothing is dead-lettered. */
export class RegistryUnavailableError extends Error {
  constructor(
    readonly registryUrl: string,
    readonly schemaId: number,
    message: string,
  ) {
    super(`schema registry ${registryUrl}: cannot read schema id ${schemaId}: ${message}`);
    this.name = 'RegistryUnavailableError';
  }
}

/**
 * The registry does not know a schema id an authentic event names. Not a fault of the event (it was
 * signed by the provider, who registered the schema before publishing): the registry lost it, or is
 * being restored. The batch is retried with backoff, never dead-lettered, and the partition's stall
 * alarm tells an operator if it lasts.
 */
export class SchemaNotFoundError extends Error {
  constructor(readonly schemaId: number) {
    super(`the schema registry does not know schema id ${schemaId}`);
    this.name = 'SchemaNotFoundError';
  }
}

/** A schema found by id (parsed JSON), one the registry holds but that cannot be Avro, or null: unknown id. */
export type SchemaLookup = { schema: object } | { unusable: string } | null;

/** Looks a schema up by its registry id. */
export type SchemaSource = (id: number) => Promise<SchemaLookup>;

/**
 * Reads schemas from a Confluent-compatible registry (`GET /schemas/ids/<id>`). The registry client's
 * getSchema would return its own avsc type; the consumer needs the schema text to build the type
 * with the project's logical types and to resolve it against the contract.
 */
export function registrySchemaSource(registryUrl: string, timeoutMs = 10_000): SchemaSource {
  const base = registryUrl.replace(/\/+$/, '');
  // TLS and credentials from the settings (the secure profile, a deployment), at the URL given.
  const get = registryFetch(registryAccess({ ...loadConfig(), registryUrl: base }));
  return async (id) => {
    let res: Response;
    try {
      res = await get(`${base}/schemas/ids/${id}`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new RegistryUnavailableError(base, id, (err as Error).message);
    }
    if (res.status === 404) return null;
    if (!res.ok) throw new RegistryUnavailableError(base, id, `HTTP ${res.status}`);
    let body: { schema?: unknown; schemaType?: unknown };
    try {
      body = (await res.json()) as { schema?: unknown; schemaType?: unknown };
    } catch (err) {
      throw new RegistryUnavailableError(base, id, `unreadable answer: ${(err as Error).message}`);
    }
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') return { unusable: `a ${String(body.schemaType)} schema, not Avro` };
    if (typeof body.schema !== 'string') throw new RegistryUnavailableError(base, id, 'answer without a schema');
    try {
      return { schema: JSON.parse(body.schema) as object };
    } catch {
      return { unusable: 'the stored schema is not JSON' };
    }
  };
}
