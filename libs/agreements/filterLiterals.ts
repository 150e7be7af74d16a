import type { ContractField, FieldKind } from '../contracts/contractTypes';
import { formatIsoDate, formatTimestampMicros, parseIsoDate, parseIsoTimestampMicros, type Parsed } from './calendar';
import { compareCodePoints } from './codePointOrder';
import { compareDecimalParts, formatDecimalParts, parseDecimalText, type DecimalParts } from './decimalText';
import { describeShape } from './documentReader';
import type { FilterLiteral } from './rowFilter';

/**
 * A filter literal converted to the canonical record representation of its field's kind: text for
 * string/uuid/enum (uuid lower-cased), number for int/long/double/date (days)/timestamp (µs), parsed
 * digits for decimals.
 */
export type CanonicalLiteral = string | number | boolean | DecimalParts;

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text PostgreSQL cannot hold as written: NUL, and lone UTF-16 surrogates (which the driver would send
 * as U+FFFD, so SQL and predicate would compare different strings).
 */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'text cannot contain the NUL character';
  if (LONE_SURROGATE.test(text)) return 'text is not well-formed Unicode (it holds half of a surrogate pair)';
  return undefined;
}

/** The calendar's reason with the quoted literal replaced: a filter literal may be a personal value. */
function withoutLiteral(reason: string, raw: string): string {
  return reason.split(`"${raw}"`).join('the literal');
}

function bad(reason: string): Parsed<CanonicalLiteral> {
  return { ok: false, reason };
}

export function convertLiteral(field: ContractField, raw: FilterLiteral): Parsed<CanonicalLiteral> {
  // The literal itself stays out of the reason: it may be a personal value (an ID number, a name), and the path names it.
  const got = describeShape(raw);
  switch (field.kind) {
    case 'string':
      if (typeof raw !== 'string') return bad(`${field.name} is a string field; got ${got} (quote it)`);
      {
        const problem = textProblem(raw);
        if (problem) return bad(problem);
      }
      return { ok: true, value: raw };
    case 'uuid':
      if (typeof raw !== 'string' || !UUID_RE.test(raw)) return bad(`${field.name} is a uuid field; got ${got}`);
      return { ok: true, value: raw.toLowerCase() };
    case 'enum': {
      const symbols = field.symbols ?? [];
      if (typeof raw !== 'string' || !symbols.includes(raw)) {
        return bad(`${got} is not a symbol of ${field.name}; expected one of ${symbols.join(', ')}`);
      }
      return { ok: true, value: raw };
    }
    case 'boolean':
      if (typeof raw !== 'boolean') return bad(`${field.name} is a boolean field; got ${got} (write true or false)`);
      return { ok: true, value: raw };
    case 'int':
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < INT32_MIN || raw > INT32_MAX) {
        return bad(`${field.name} is a 32-bit integer field; got ${got}`);
      }
      return { ok: true, value: raw };
    case 'long': {
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
        return bad(`${field.name} is a long field; got ${got} (whole numbers up to ±9007199254740991)`);
      }
      return { ok: true, value: n };
    }
    case 'double':
      if (typeof raw !== 'number') return bad(`${field.name} is a double field; got ${got}`);
      return { ok: true, value: raw };
    case 'decimal':
      return convertDecimal(field, raw);
    case 'date': {
      if (typeof raw !== 'string') return bad(`${field.name} is a date field; got ${got} (write 'YYYY-MM-DD' in quotes)`);
      const r = parseIsoDate(raw);
      return r.ok ? r : bad(`${field.name}: ${withoutLiteral(r.reason, raw)}`);
    }
    case 'timestamp': {
      if (typeof raw !== 'string') return bad(`${field.name} is a timestamp field; got ${got} (write an ISO 8601 timestamp in quotes)`);
      const r = parseIsoTimestampMicros(raw);
      return r.ok ? r : bad(`${field.name}: ${withoutLiteral(r.reason, raw)}`);
    }
    case 'json':
      return bad(`${field.name} is a JSON field and can only be tested with is_null / is_not_null`);
  }
}

function convertDecimal(field: ContractField, raw: FilterLiteral): Parsed<CanonicalLiteral> {
  let text: string;
  if (typeof raw === 'number') {
    text = String(raw);
    if (/e/i.test(text)) return bad(`${field.name}: the number cannot be written exactly without an exponent; quote the decimal as text`);
  } else if (typeof raw === 'string') {
    text = raw;
  } else {
    return bad(`${field.name} is a decimal field; got ${describeShape(raw)}`);
  }
  const parts = parseDecimalText(text);
  if (!parts) return bad(`${field.name}: ${describeShape(text)} that is not a decimal such as "-1234.50"`);
  if (field.scale !== undefined && parts.frac.length > field.scale) {
    return bad(`the literal has ${parts.frac.length} decimal places; ${field.name} has scale ${field.scale}`);
  }
  if (field.precision !== undefined) {
    const maxInt = field.precision - (field.scale ?? 0);
    if (parts.int.length > maxInt) {
      return bad(`the literal has ${parts.int.length} integer digits; ${field.name} (decimal(${field.precision},${field.scale ?? 0})) allows ${maxInt}`);
    }
  }
  return { ok: true, value: parts };
}

/** PostgreSQL float8 order: NaN equals itself and sorts above every other value. */
export function compareDouble(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Order of two canonical literals of the same kind (used to check that between's low ≤ high). */
export function compareLiterals(kind: FieldKind, a: CanonicalLiteral, b: CanonicalLiteral): number {
  if (kind === 'decimal') return compareDecimalParts(a as DecimalParts, b as DecimalParts);
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'number' && typeof b === 'number') return compareDouble(a, b);
  return 0;
}

export function formatLiteral(kind: FieldKind, v: CanonicalLiteral): string {
  const p = literalSqlParam(kind, v);
  return typeof p === 'string' ? JSON.stringify(p) : String(p);
}

/** The value bound to a SQL parameter for a literal, in the text form PostgreSQL reads exactly. */
export function literalSqlParam(kind: FieldKind, v: CanonicalLiteral): string | number | boolean {
  switch (kind) {
    case 'decimal':
      return formatDecimalParts(v as DecimalParts);
    case 'date':
      return formatIsoDate(v as number);
    case 'timestamp':
      return formatTimestampMicros(v as number);
    case 'long':
    case 'double':
      // Text keeps bigint/float8 exact: node-pg would otherwise format numbers itself.
      return String(v as number);
    default:
      return v as string | number | boolean;
  }
}

/** PostgreSQL type a parameter is cast to, matching the provider table's column type for the kind. */
export const SQL_TYPE_BY_KIND: Readonly<Record<FieldKind, string>> = {
  string: 'text',
  uuid: 'uuid',
  enum: 'text',
  boolean: 'boolean',
  int: 'integer',
  long: 'bigint',
  double: 'double precision',
  decimal: 'numeric',
  date: 'date',
  timestamp: 'timestamptz',
  json: 'jsonb',
};
