import { FieldKind } from '../../libs/contracts/contractTypes';

/**
 * pgoutput sends column values as text in the walsender's DateStyle and TimeZone; the replication
 * connection pins DateStyle=ISO and TimeZone=UTC, so these parsers see one format only. Each returns
 * the project's canonical value for the contract kind (docs: dates as days, timestamps as µs).
 */
export type CanonicalValue = string | number | boolean | null;
export type ValueParser = (text: string) => CanonicalValue;

export class ValueFormatError extends Error {}

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

export function parseDateDays(text: string): number {
  const m = DATE.exec(text);
  if (!m) throw new ValueFormatError(`not an ISO date`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

export function parseTimestampMicros(text: string): number {
  const m = TIMESTAMP.exec(text);
  if (!m) throw new ValueFormatError(`not an ISO timestamp`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const frac = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  const offsetSec = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) : 0;
  return (ms - offsetSec * 1000) * 1000 + frac;
}

const parsers: Record<FieldKind, ValueParser> = {
  string: (t) => t,
  uuid: (t) => t,
  enum: (t) => t,
  json: (t) => t,
  boolean: (t) => {
    if (t === 't') return true;
    if (t === 'f') return false;
    throw new ValueFormatError('not a boolean');
  },
  int: (t) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new ValueFormatError('not a 32-bit integer');
    return n;
  },
  long: (t) => {
    const n = Number(t);
    if (!Number.isSafeInteger(n)) throw new ValueFormatError('not an integer within ±2^53');
    return n;
  },
  double: (t) => {
    const n = Number(t);
    if (Number.isNaN(n) && t !== 'NaN') throw new ValueFormatError('not a number');
    return n;
  },
  decimal: (t) => {
    if (!DECIMAL.test(t)) throw new ValueFormatError('not a finite decimal');
    return t;
  },
  date: parseDateDays,
  timestamp: parseTimestampMicros,
};

export function parserFor(kind: FieldKind): ValueParser {
  return parsers[kind];
}

/** PostgreSQL type OIDs each contract kind may be read from; anything else is drift. */
const PG = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
};
const TEXTUAL = [PG.text, PG.varchar, PG.bpchar];
const compatibleOids: Record<FieldKind, readonly number[]> = {
  string: TEXTUAL,
  uuid: [PG.uuid],
  enum: TEXTUAL,
  json: [PG.jsonb, PG.json, PG.text],
  boolean: [PG.bool],
  int: [PG.int2, PG.int4],
  long: [PG.int2, PG.int4, PG.int8],
  double: [PG.float4, PG.float8],
  decimal: [PG.numeric, PG.int2, PG.int4, PG.int8],
  date: [PG.date],
  timestamp: [PG.timestamptz],
};

/** User-defined enum types have OIDs of their own (≥ 16384); their labels are checked per value. */
export function columnTypeMaps(kind: FieldKind, typeOid: number): boolean {
  return compatibleOids[kind].includes(typeOid) || (kind === 'enum' && typeOid >= 16384);
}
