import { FieldKind } from './contractTypes';

/** What a contract field's Avro type means once the nullable union and logical types are unwrapped. */
export interface FieldTypeInfo {
  kind: FieldKind;
  nullable: boolean;
  /** Enum only: full name, symbols, default symbol and the Vietnamese symbol labels (`x-labels`). */
  enumName?: string;
  symbols?: readonly string[];
  enumDefault?: string;
  symbolLabels?: Readonly<Record<string, string>>;
  /** Decimal only. */
  precision?: number;
  scale?: number;
}

/** An Avro type outside the small set the contract conventions allow. */
export class FieldTypeError extends Error {
  constructor(
    readonly avroType: unknown,
    readonly reason: string,
  ) {
    super(`${reason}: ${JSON.stringify(avroType)}`);
    this.name = 'FieldTypeError';
  }
}

/** Enum schemas already defined earlier in the same file, by full name (Avro defines a name once). */
export type NamedEnums = Map<string, Record<string, unknown>>;

const PRIMITIVE_KINDS: Readonly<Record<string, FieldKind>> = {
  string: 'string',
  boolean: 'boolean',
  int: 'int',
  long: 'long',
  double: 'double',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a field's Avro type (as written in the .avsc file). A nullable field is `["null", T]`; T is a
 * primitive, one of the logical types of the conventions (uuid, date, timestamp-micros, decimal), a
 * JSON-carrying string (`"x-kind": "json"`), an inline enum, or the full name of an enum defined earlier
 * in the same file. Inline enums are added to `named` so later references resolve.
 */
export function describeFieldType(avroFieldType: unknown, named: NamedEnums = new Map()): FieldTypeInfo {
  if (Array.isArray(avroFieldType)) {
    if (avroFieldType.length !== 2 || avroFieldType[0] !== 'null' || avroFieldType[1] === 'null') {
      throw new FieldTypeError(avroFieldType, 'a union must be ["null", T] (nullable T, null first so the default can be null)');
    }
    return { ...describeNonNull(avroFieldType[1], named), nullable: true };
  }
  return { ...describeNonNull(avroFieldType, named), nullable: false };
}

/** The field kind alone; see describeFieldType. */
export function fieldKindOf(avroFieldType: unknown, named?: NamedEnums): FieldKind {
  return describeFieldType(avroFieldType, named).kind;
}

function describeNonNull(t: unknown, named: NamedEnums): Omit<FieldTypeInfo, 'nullable'> {
  if (typeof t === 'string') {
    const kind = PRIMITIVE_KINDS[t];
    if (kind) return { kind };
    const ref = named.get(t);
    if (ref) return describeEnum(ref, t);
    throw new FieldTypeError(t, 'unsupported type or unknown type name (reference enums by their full name)');
  }
  if (Array.isArray(t)) throw new FieldTypeError(t, 'nested unions are not allowed');
  if (!isObject(t)) throw new FieldTypeError(t, 'not an Avro type');
  const base = t.type;
  const logical = t.logicalType;
  if (base === 'enum') {
    const fullName = enumFullName(t);
    if (named.has(fullName)) throw new FieldTypeError(t, `enum ${fullName} is defined twice; reference it by name`);
    named.set(fullName, t);
    return describeEnum(t, fullName);
  }
  if (base === 'string' && logical === 'uuid') return { kind: 'uuid' };
  if (base === 'string' && t['x-kind'] === 'json' && logical === undefined) return { kind: 'json' };
  if (base === 'int' && logical === 'date') return { kind: 'date' };
  if (base === 'long' && logical === 'timestamp-micros') return { kind: 'timestamp' };
  if (base === 'bytes' && logical === 'decimal') {
    const precision = t.precision;
    const scale = t.scale ?? 0;
    if (typeof precision !== 'number' || typeof scale !== 'number') throw new FieldTypeError(t, 'decimal needs numeric precision and scale');
    return { kind: 'decimal', precision, scale };
  }
  if (logical !== undefined) throw new FieldTypeError(t, `logical type ${String(logical)} on ${String(base)} is not part of the conventions`);
  if (t['x-kind'] !== undefined) throw new FieldTypeError(t, `x-kind must be "json" on a string`);
  if (typeof base === 'string' && PRIMITIVE_KINDS[base]) return { kind: PRIMITIVE_KINDS[base] };
  throw new FieldTypeError(t, 'unsupported type (records, arrays, maps, fixed, float and plain bytes are not used in the contract)');
}

function enumFullName(t: Record<string, unknown>): string {
  const name = t.name;
  if (typeof name !== 'string' || name === '') throw new FieldTypeError(t, 'enum without a name');
  if (name.includes('.')) return name;
  return typeof t.namespace === 'string' && t.namespace !== '' ? `${t.namespace}.${name}` : name;
}

function describeEnum(t: Record<string, unknown>, fullName: string): Omit<FieldTypeInfo, 'nullable'> {
  const symbols = t.symbols;
  if (!Array.isArray(symbols) || !symbols.every((s): s is string => typeof s === 'string')) {
    throw new FieldTypeError(t, 'enum symbols must be strings');
  }
  const info: Omit<FieldTypeInfo, 'nullable'> = { kind: 'enum', enumName: fullName, symbols };
  if (typeof t.default === 'string') info.enumDefault = t.default;
  const labels = t['x-labels'];
  if (labels !== undefined) {
    if (!isObject(labels) || !Object.values(labels).every((v) => typeof v === 'string')) {
      throw new FieldTypeError(t, 'x-labels must map symbols to strings');
    }
    info.symbolLabels = labels as Record<string, string>;
  }
  return info;
}
