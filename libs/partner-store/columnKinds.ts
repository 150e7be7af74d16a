import type { ContractField, FieldKind } from '../contracts/contractTypes';

/**
 * How a contract field is stored in a partner table and how its canonical value travels to it. Values
 * go to PostgreSQL as arrays (one per column, unnested server-side); dates and timestamps travel as the
 * integers of the canonical representation and are converted by exact integer arithmetic in SQL, so no
 * microsecond is lost to a JS Date or a float.
 */
interface KindSpec {
  /** Column type; decimals get their contract precision and scale. */
  column(field: ContractField): string;
  /** Element type of the array parameter carrying the values. */
  param: string;
  /** Expression turning the unnested parameter value `v` into the column type. */
  convert(v: string): string;
}

const SAME = (v: string): string => v;

const KINDS: Readonly<Record<FieldKind, KindSpec>> = {
  string: { column: () => 'text', param: 'text', convert: SAME },
  enum: { column: () => 'text', param: 'text', convert: SAME },
  uuid: { column: () => 'uuid', param: 'uuid', convert: SAME },
  boolean: { column: () => 'boolean', param: 'boolean', convert: SAME },
  int: { column: () => 'integer', param: 'integer', convert: SAME },
  long: { column: () => 'bigint', param: 'bigint', convert: SAME },
  double: { column: () => 'double precision', param: 'double precision', convert: SAME },
  decimal: {
    column: (f) => (f.precision !== undefined ? `numeric(${f.precision}, ${f.scale ?? 0})` : 'numeric'),
    param: 'numeric',
    convert: SAME,
  },
  date: { column: () => 'date', param: 'integer', convert: (v) => `(DATE '1970-01-01' + ${v})` },
  timestamp: { column: () => 'timestamptz', param: 'bigint', convert: (v) => `(TIMESTAMPTZ 'epoch' + ${v} * INTERVAL '1 microsecond')` },
  json: { column: () => 'jsonb', param: 'jsonb', convert: SAME },
};

export function columnType(field: ContractField): string {
  // A sealed field holds the envelope as it arrived (libs/field-encryption), whatever its kind.
  if (field.protected) return 'bytea';
  const spec = KINDS[field.kind];
  if (field.kind === 'decimal' && field.precision !== undefined) {
    const p = field.precision;
    const s = field.scale ?? 0;
    if (!Number.isInteger(p) || !Number.isInteger(s) || p < 1 || s < 0 || s > p) throw new RangeError(`bad decimal precision/scale on ${field.name}`);
  }
  return spec.column(field);
}

export function paramType(kind: FieldKind): string {
  return KINDS[kind].param;
}

export function convertParam(kind: FieldKind, v: string): string {
  return KINDS[kind].convert(v);
}

/** SQL for a canonical timestamp (µs since the epoch, bigint) as timestamptz. */
export function micros(v: string): string {
  return KINDS.timestamp.convert(v);
}
