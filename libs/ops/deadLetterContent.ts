import { versionRecordInForce, type AgreementState, type AgreementVersionRecord } from '../agreements';
import { createAvroType } from '../contracts/avroType';
import { canonicalSchemaText } from '../contracts/canonicalSchema';
import type { ContractRegistry } from '../contracts/contractRegistry';
import { checkProjectedSchema } from '../contracts/projectedContract';
import type { FetchLike } from '../registry-client';
import { sharedFields } from './agreementScope';
import type { DeadLetterRecordFull } from './deadLetters';

/** A schema the registry serves under an id, parsed; null when it does not know the id. */
export type SchemaById = (id: number) => Promise<object | null>;

/**
 * `GET <registry>/schemas/ids/<id>`; a registry that does not answer is an error the caller reports.
 * `fetch` is how the registry is reached, required: registryFetch(registryAccess(config))
 * (libs/registry-client) trusts the secure profile's CA and sends its credentials — the global fetch
 * knows neither.
 */
export function registrySchemas(registryUrl: string, o: { timeoutMs?: number; fetch: FetchLike }): SchemaById {
  const base = registryUrl.replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 5000;
  const get = o.fetch;
  const cache = new Map<number, Promise<object | null>>();
  return (id) => {
    let p = cache.get(id);
    if (!p) {
      p = (async () => {
        const res = await get(`${base}/schemas/ids/${id}`, { signal: AbortSignal.timeout(timeoutMs) });
        if (res.status === 404) return null;
        if (!res.ok) throw new Error(`schema registry answered HTTP ${res.status} for schema id ${id}`);
        const body = (await res.json()) as { schema?: unknown };
        if (typeof body.schema !== 'string') throw new Error(`schema registry answered no schema for id ${id}`);
        return JSON.parse(body.schema) as object;
      })();
      cache.set(id, p);
    }
    return p;
  };
}

/** One field of a decoded value that the agreement shares: whether it is null and, only when asked, its value. */
export interface DecodedField {
  name: string;
  isNull: boolean;
  value?: string | number | boolean | null;
}

export type DecodedPart<T> = { decoded: true; schemaId: number; bytes: number } & T;
export type UndecodedPart = { decoded: false; schemaId: number | null; bytes: number | null; why: string };

export interface DeadLetterContent {
  /** The agreement version whose projection decides what is "in the agreement". */
  judgedBy: { version: number; why: string } | null;
  key: DecodedPart<{ id: string }> | UndecodedPart;
  value: DecodedPart<{ fields: DecodedField[]; outsideAgreement: string[] }> | UndecodedPart | { decoded: false; tombstone: true };
}

function printable(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return `base64:${v.toString('base64')}`;
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function schemaIdOf(buf: Buffer | null): number | null {
  return buf !== null && buf.length >= 5 && buf[0] === 0 ? buf.readUInt32BE(1) : null;
}

/** The version that governs the dead letter: the one its meta names, else the one in force at its commit time, else the newest confirmed. */
function judgingVersion(state: AgreementState | null, letter: DeadLetterRecordFull): { record: AgreementVersionRecord; why: string } | null {
  if (!state) return null;
  const meta = (letter.headers['thahs.event'] as { decoded?: { agreementVersion?: unknown } } | undefined)?.decoded;
  const named = typeof meta?.agreementVersion === 'number' ? state.versions.find((v) => v.version === meta.agreementVersion && v.status === 'confirmed') : undefined;
  if (named) return { record: named, why: 'named by the event meta' };
  if (letter.commitTs) {
    const inForce = versionRecordInForce(state, Date.parse(letter.commitTs));
    if (inForce) return { record: inForce, why: 'in force at the commit time the meta names' };
  }
  const confirmed = state.versions.filter((v) => v.status === 'confirmed');
  const newest = confirmed[confirmed.length - 1];
  return newest ? { record: newest, why: 'newest confirmed version (the meta names none in force)' } : null;
}

/**
 * What can be decoded of a dead letter, never more than the agreement allows: the key (the record's
 * uuid), and of the value only the structure — which of its fields the agreement version shares and
 * whether each is null, and the names of those it does not share — plus, when `values` is asked for,
 * the values of the fields the agreement shares. A value is decoded only under a writer schema that is exactly the contract's
 * projection over its own fields (the registry is run by the other ministry, Art. 8.3: a swapped
 * schema could otherwise present a field the agreement does not share under a shared name), and its
 * fields outside the agreement are named, never shown.
 */
export async function decodeDeadLetter(
  letter: DeadLetterRecordFull,
  o: { state: AgreementState | null; contracts: ContractRegistry; schemas: SchemaById; values: boolean },
): Promise<DeadLetterContent> {
  const judged = judgingVersion(o.state, letter);
  const entity = letter.entity;
  const contract = entity !== null && o.contracts.has(entity) ? o.contracts.get(entity) : undefined;
  const agreed = judged && entity ? sharedFields(judged.record.document, entity) : null;
  const fail = (buf: Buffer | null, why: string): UndecodedPart => ({ decoded: false, schemaId: schemaIdOf(buf), bytes: buf?.length ?? null, why });

  const part = async <T>(
    buf: Buffer | null,
    name: 'key' | 'value',
    check: (schema: object) => string | null,
    read: (record: Record<string, unknown>) => T,
  ): Promise<DecodedPart<T> | UndecodedPart> => {
    if (buf === null) return fail(buf, `no ${name}`);
    const id = schemaIdOf(buf);
    if (id === null) return fail(buf, `not in the registry wire format (magic byte 0, schema id)`);
    if (!contract) return fail(buf, entity ? `no contract for entity ${entity}` : 'the topic names no entity');
    let schema: object | null;
    try {
      schema = await o.schemas(id);
    } catch (err) {
      return fail(buf, `schema registry: ${(err as Error).message}`);
    }
    if (schema === null) return fail(buf, `the registry does not know schema id ${id}`);
    const refused = check(schema);
    if (refused) return fail(buf, refused);
    try {
      const type = createAvroType(schema);
      const record = type.fromBuffer(buf.subarray(5)) as Record<string, unknown>;
      return { decoded: true, schemaId: id, bytes: buf.length, ...read(record) };
    } catch (err) {
      return fail(buf, `the Avro body does not decode: ${(err as Error).message}`);
    }
  };

  const key = await part(
    letter.key,
    'key',
    (schema) => (contract && canonicalSchemaText(schema) === canonicalSchemaText(contract.keySchema) ? null : `the key schema is not the ${entity ?? ''} contract's key schema`),
    (record) => ({ id: String(record.id) }),
  );

  let value: DeadLetterContent['value'];
  if (letter.value === null) value = { decoded: false, tombstone: true };
  else {
    value = await part(
      letter.value,
      'value',
      (schema) => {
        if (!contract) return 'no contract';
        const c = checkProjectedSchema(contract, schema);
        return c.ok ? null : `writer schema refused: ${c.reason}`;
      },
      (record) => {
        const fields: DecodedField[] = [];
        const outside: string[] = [];
        for (const [name, v] of Object.entries(record)) {
          // A field outside the agreement is only named: not even whether it is null is told.
          if (agreed === null || !agreed.includes(name)) {
            outside.push(name);
            continue;
          }
          const f: DecodedField = { name, isNull: v === null || v === undefined };
          if (o.values) f.value = printable(v);
          fields.push(f);
        }
        return { fields, outsideAgreement: outside };
      },
    );
  }
  return { judgedBy: judged ? { version: judged.record.version, why: judged.why } : null, key, value };
}
