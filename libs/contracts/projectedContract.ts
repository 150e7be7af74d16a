import { canonicalSchemaText } from './canonicalSchema';
import type { ContractField, EntityContract } from './contractTypes';
import { PROTECTED_ATTRIBUTE, protectFields } from './protectedFields';

/**
 * What an agreement version shares of one entity, as a contract of its own: the contract's fields
 * restricted to the agreement's projection (contract order, the key first), and an Avro value schema
 * holding only those fields. It is what travels on the agreement's topic and what its subject holds in
 * the registry, so the platform never sees a field the agreement does not share (Art. 10.1).
 *
 * Every field but the key is optional (["null", T], default null) in that schema, whatever the contract
 * says: an amendment may add or drop fields, and records of several versions coexist on a compacted
 * topic, so each version's schema must read the others' records (BACKWARD and FORWARD compatible). The
 * contract still decides what may be null: the producer refuses a null in a field the contract
 * requires, as before.
 *
 * A field the contract view marks protected (protectFields: a tier-3 field under an agreement naming the
 * receiver's encryption key) is ["null", "bytes"] with `"x-protected": true`: it carries the sealed
 * envelope (libs/field-encryption), and the registry's copy of the schema says so.
 */
export interface ProjectedContract {
  contract: EntityContract;
  /** The projected contract: `fields` restricted, `valueSchema` the projected schema. */
  projected: EntityContract;
  fields: readonly string[];
}

type AvroSchema = string | readonly unknown[] | Record<string, unknown>;

/** The projection's field names in contract order, the key field(s) always included. */
export function projectionFields(contract: EntityContract, fields: Iterable<string>): string[] {
  const wanted = new Set(fields);
  for (const k of contract.keyFields) wanted.add(k);
  const known = new Set(contract.fields.map((f) => f.name));
  const unknown = [...wanted].filter((f) => !known.has(f));
  if (unknown.length > 0) throw new RangeError(`${contract.entity}: ${unknown.join(', ')} not in the contract`);
  return contract.fields.filter((f) => wanted.has(f.name)).map((f) => f.name);
}

function isNullableUnion(t: unknown): boolean {
  return Array.isArray(t) && t.length === 2 && t[0] === 'null';
}

function typeName(t: Record<string, unknown>, namespace: string | undefined): string | undefined {
  if (typeof t.name !== 'string') return undefined;
  if (t.name.includes('.')) return t.name;
  const ns = typeof t.namespace === 'string' ? t.namespace : namespace;
  return ns ? `${ns}.${t.name}` : t.name;
}

/** Every named type (enum, record, fixed) the schema defines, by full name, with its definition. */
function namedTypes(schema: AvroSchema, namespace: string | undefined, out: Map<string, Record<string, unknown>>): void {
  if (Array.isArray(schema)) {
    for (const b of schema) namedTypes(b as AvroSchema, namespace, out);
    return;
  }
  if (typeof schema !== 'object' || schema === null) return;
  const t = schema as Record<string, unknown>;
  const full = typeName(t, namespace);
  const ns = full && full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : namespace;
  if (full && (t.type === 'enum' || t.type === 'record' || t.type === 'fixed')) out.set(full, t);
  if (Array.isArray(t.fields)) for (const f of t.fields as Record<string, unknown>[]) namedTypes(f.type as AvroSchema, ns, out);
  if (t.items !== undefined) namedTypes(t.items as AvroSchema, ns, out);
  if (t.values !== undefined) namedTypes(t.values as AvroSchema, ns, out);
}

/**
 * A field's type with every named type defined where it is first used in the projection: a field that
 * named a type defined by a field the projection drops gets the definition inline, and a later field
 * naming an already defined type keeps only the name (Avro forbids defining a name twice).
 */
function selfContained(t: AvroSchema, namespace: string | undefined, all: ReadonlyMap<string, Record<string, unknown>>, defined: Set<string>): AvroSchema {
  if (typeof t === 'string') {
    const full = t.includes('.') ? t : namespace ? `${namespace}.${t}` : t;
    const def = all.get(full) ?? all.get(t);
    if (!def) return t;
    const name = typeName(def, namespace) ?? t;
    if (defined.has(name)) return t;
    defined.add(name);
    return { ...def, name, namespace: undefined };
  }
  if (Array.isArray(t)) return t.map((b) => selfContained(b as AvroSchema, namespace, all, defined));
  const o = t as Record<string, unknown>;
  const full = typeName(o, namespace);
  if (full && (o.type === 'enum' || o.type === 'record' || o.type === 'fixed')) {
    if (defined.has(full)) return full;
    defined.add(full);
  }
  return o;
}

/** The Avro value schema of a projection (see ProjectedContract). */
export function projectValueSchema(contract: EntityContract, fields: Iterable<string>): Record<string, unknown> {
  const names = new Set(projectionFields(contract, fields));
  const value = contract.valueSchema;
  const namespace = typeof value.namespace === 'string' ? value.namespace : undefined;
  const all = new Map<string, Record<string, unknown>>();
  namedTypes(value as AvroSchema, undefined, all);
  const defined = new Set<string>();
  const keys = new Set(contract.keyFields);
  const sealed = new Set(contract.fields.filter((f) => f.protected).map((f) => f.name));
  const out = (value.fields as Record<string, unknown>[])
    .filter((f) => names.has(f.name as string))
    .map((f) => {
      // Sealable kinds are strings, which define no named type a later field could need.
      if (sealed.has(f.name as string)) return { ...f, type: ['null', 'bytes'], default: null, [PROTECTED_ATTRIBUTE]: true };
      const type = selfContained(f.type as AvroSchema, namespace, all, defined);
      if (keys.has(f.name as string) || isNullableUnion(type)) return { ...f, type };
      return { ...f, type: ['null', type], default: null };
    });
  return { ...value, fields: out };
}

/** The contract as one agreement version shares it. */
export function projectContract(contract: EntityContract, fields: Iterable<string>): ProjectedContract {
  const names = projectionFields(contract, fields);
  const set = new Set(names);
  const projectedFields: ContractField[] = contract.fields.filter((f) => set.has(f.name));
  return {
    contract,
    fields: names,
    projected: { ...contract, fields: projectedFields, valueSchema: projectValueSchema(contract, names), valueFile: undefined },
  };
}

const SEALED_TYPE = canonicalSchemaText(['null', 'bytes']);

function isSealedType(t: unknown): boolean {
  try {
    return canonicalSchemaText(t) === SEALED_TYPE;
  } catch {
    return false;
  }
}

/**
 * Whether `schema` is exactly the projection of the contract over its own field names: the receiver
 * pins writer schemas this way, so a registry (run by the other ministry, Art. 8.3) that serves a
 * schema with renamed, reordered or retyped fields under a known id cannot make the same signed bytes
 * decode to other values. Returns the field names when it is, or why not.
 */
export function checkProjectedSchema(contract: EntityContract, schema: object): { ok: true; fields: string[]; sealed?: string[] } | { ok: false; reason: string } {
  const s = schema as Record<string, unknown>;
  if (s.type !== 'record' || !Array.isArray(s.fields)) return { ok: false, reason: 'not a record schema' };
  const names = (s.fields as { name?: unknown }[]).map((f) => f.name);
  if (!names.every((n): n is string => typeof n === 'string')) return { ok: false, reason: 'a field has no name' };
  const known = new Set(contract.fields.map((f) => f.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) return { ok: false, reason: `fields ${unknown.join(', ')} are not in the contract of ${contract.entity}` };
  if (new Set(names).size !== names.length) return { ok: false, reason: 'a field appears twice' };
  // Sealed fields are read from the schema itself; whether the agreement version asks for them sealed is
  // the receiver's policy check (a contract field is never bytes, so nothing else can look like one).
  const sealed = (s.fields as { name: string; type?: unknown }[]).filter((f) => isSealedType(f.type)).map((f) => f.name);
  let expected: string;
  try {
    expected = canonicalSchemaText(projectValueSchema(protectFields(contract, sealed), names));
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (canonicalSchemaText(schema) !== expected) return { ok: false, reason: `not the ${contract.entity} contract's projection over its fields (types, order or names differ)` };
  return { ok: true, fields: names, ...(sealed.length > 0 ? { sealed } : {}) };
}
