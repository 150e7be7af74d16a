/**
 * A schema's text with only what decides how its binary data decodes: types, full names, field names
 * and order, enum symbols, fixed sizes, array/map element types, and the logical type attributes
 * (logicalType, precision, scale). Avro's Parsing Canonical Form drops the logical attributes, under
 * which a schema changing a decimal's scale would read the same bytes as another number; docs,
 * defaults, aliases and `x-` attributes do not change what a writer's bytes mean and are left out.
 */
export function canonicalSchemaText(schema: unknown): string {
  return JSON.stringify(canonical(schema, undefined, new Set()));
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function canonical(s: unknown, namespace: string | undefined, defined: Set<string>): unknown {
  if (typeof s === 'string') return PRIMITIVES.has(s) ? s : fullName(s, namespace);
  if (Array.isArray(s)) return s.map((b) => canonical(b, namespace, defined));
  if (typeof s !== 'object' || s === null) throw new TypeError(`not an Avro schema: ${JSON.stringify(s)}`);
  const o = s as Record<string, unknown>;
  const type = o.type;
  const logical: Record<string, unknown> = {};
  for (const k of ['logicalType', 'precision', 'scale'] as const) if (o[k] !== undefined) logical[k] = o[k];
  if (typeof type === 'string' && PRIMITIVES.has(type)) return Object.keys(logical).length === 0 ? type : { type, ...logical };
  if (type === 'array') return { type, items: canonical(o.items, namespace, defined) };
  if (type === 'map') return { type, values: canonical(o.values, namespace, defined) };
  if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') {
    if (typeof o.name !== 'string') throw new TypeError(`a ${type} without a name`);
    const ns = typeof o.namespace === 'string' ? o.namespace : namespace;
    const name = fullName(o.name, ns);
    if (defined.has(name)) throw new TypeError(`${name} is defined twice`);
    defined.add(name);
    const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined;
    if (type === 'enum') return { name, type, symbols: o.symbols };
    if (type === 'fixed') return { name, type, size: o.size, ...logical };
    const fields = (o.fields as Record<string, unknown>[]).map((f) => ({ name: f.name, type: canonical(f.type, inner, defined) }));
    return { name, type: 'record', fields };
  }
  // A type given as an object around another type name, e.g. {"type": "vn.x.Enum"}.
  if (typeof type === 'string' || typeof type === 'object') {
    const inner = canonical(type, namespace, defined);
    return Object.keys(logical).length === 0 ? inner : { type: inner, ...logical };
  }
  throw new TypeError(`not an Avro schema: ${JSON.stringify(s)}`);
}
