import type { Type } from 'avsc';
import { EntityContract, FieldKind } from '../../libs/contracts/contractTypes';
import type { FieldSealer } from '../../libs/field-encryption';
import { formatLsn } from '../../libs/events';
// Avro writes an int as Kafka writes a varint: zigzag, then 7 bits per byte.
import { writeVarInt } from '../../libs/kafka/recordBody';
import { COLUMN, Lsn, Tuple } from '../../libs/pgoutput';
import { ContractDriftError } from './cdcErrors';
import { parseDateDays, parserFor, parseTimestampMicros, ValueFormatError } from './columnValueParser';
import { SEAL_SLACK, writeSealed } from './fieldSealing';

/** How one field's text is written: straight from its bytes where the Avro type allows, else parsed. */
type Writer = 'bytes' | 'enum' | 'boolean' | 'int' | 'date' | 'timestamp' | 'long' | 'parsed' | 'sealed';

interface FieldPlan {
  name: string;
  kind: FieldKind;
  column: number;
  /** Union branch indexes of null and of the value when the Avro field is ["null", T]; -1 when not a union. */
  nullBranch: number;
  valueBranch: number;
  writer: Writer;
  /** The Avro type the value is written as (the union's value branch). */
  type: Type;
  /** The contract allows null here. */
  nullable: boolean;
  /** Enum symbols' bytes in Avro order: the written index is the position. */
  symbols: readonly Buffer[];
  /** The contract's codes, checked on the parsed path (an enum kept as an Avro string). */
  contractSymbols: ReadonlySet<string> | undefined;
}

const DAY_MS = 86_400_000;
/** Longs are written by arithmetic below this magnitude (zigzag stays an exact double); others go through avsc. */
const FAST_LONG_LIMIT = 2 ** 51;

/**
 * Writes a row change's Avro value (schema-registry wire format) straight from the bytes pgoutput sent.
 *
 * pgoutput sends every value as text. Turning 36 columns into JS strings, parsing them into a record
 * object and letting avsc walk that object was most of the producer's CPU and garbage; here strings,
 * uuids and JSON are copied as they are (pgoutput's text is the UTF-8 Avro wants), enums are matched
 * byte-wise, and integers, dates and timestamps are read from their digits. Anything outside the
 * canonical shapes the server prints (and doubles and decimals) falls back to the text parsers, so a
 * value is accepted or refused exactly as `columnValueParser` says. The output is byte-identical to
 * avsc's encoding of the parsed record (tested).
 */
export class RowEncoder {
  private readonly plan: FieldPlan[];
  private scratch = Buffer.allocUnsafe(16 * 1024);
  /** Room the sealed fields' envelopes need beyond their text (0 when none is sealed). */
  private readonly sealSlack: number;
  private readonly idColumn: number;
  /** The key of the row being encoded, set only when a field is sealed (its envelope is bound to the row). */
  private rowKey = '';

  constructor(
    private readonly ministry: string,
    private readonly contract: EntityContract,
    /** Column index of each contract field in the table. */
    columns: ReadonlyMap<string, number>,
    valueType: Type,
    private readonly schemaId: number,
    private readonly sealer?: FieldSealer,
  ) {
    const avroFields = (valueType as unknown as { fields: readonly { name: string; type: Type }[] }).fields;
    if (avroFields.length !== contract.fields.length)
      throw new Error(`${contract.entity}: the Avro value type has ${avroFields.length} fields, the contract ${contract.fields.length}`);
    this.plan = contract.fields.map((f, i) => {
      const af = avroFields[i];
      if (af.name !== f.name) throw new Error(`${contract.entity}: Avro field ${i} is ${af.name}, the contract's is ${f.name}`);
      const column = columns.get(f.name);
      if (column === undefined) throw new ContractDriftError(ministry, contract.entity, f.name, 'the contract field has no column in the table');
      let type = af.type;
      let nullBranch = -1;
      let valueBranch = -1;
      const branches = (type as unknown as { types?: readonly Type[] }).types;
      if (branches) {
        nullBranch = branches.findIndex((b) => b.typeName === 'null');
        valueBranch = branches.findIndex((b) => b.typeName !== 'null');
        if (branches.length !== 2 || nullBranch < 0) throw new Error(`${contract.entity}.${f.name}: only ["null", T] unions are supported`);
        type = branches[valueBranch];
      }
      const symbols = ((type as unknown as { symbols?: readonly string[] }).symbols ?? []).map((s) => Buffer.from(s, 'utf8'));
      const contractSymbols = f.symbols ? new Set(f.symbols) : undefined;
      if (f.protected && !sealer) throw new Error(`${contract.entity}.${f.name}: a protected field needs the receiver's sealer`);
      const writer: Writer = f.protected ? 'sealed' : writerFor(f.kind, type.typeName);
      return { name: f.name, kind: f.kind, column, nullBranch, valueBranch, writer, type, nullable: f.nullable, symbols, contractSymbols };
    });
    this.sealSlack = SEAL_SLACK * this.plan.filter((f) => f.writer === 'sealed').length;
    this.idColumn = columns.get('id') ?? -1;
  }

  /**
   * The new row's value. An unchanged TOAST value is taken from the old row, which REPLICA IDENTITY
   * FULL supplies; without it the change cannot be published faithfully.
   */
  encode(newTuple: Tuple, oldTuple: Tuple | null, lsn: Lsn): Buffer {
    // Every writer needs at most its text's length plus a union index and a 10-byte varint.
    const bound = 5 + newTuple.bytes.length + (oldTuple ? oldTuple.bytes.length : 0) + 16 * this.plan.length + this.sealSlack;
    if (this.sealer) this.rowKey = newTuple.text(this.idColumn);
    if (this.scratch.length < bound) this.scratch = Buffer.allocUnsafe(2 * bound);
    const buf = this.scratch;
    buf[0] = 0;
    buf.writeUInt32BE(this.schemaId, 1);
    let p = 5;
    for (const f of this.plan) {
      let t = newTuple;
      let kind = t.kind(f.column);
      if (kind === COLUMN.unchanged) {
        if (oldTuple) {
          t = oldTuple;
          kind = t.kind(f.column);
        }
        if (kind === COLUMN.unchanged) throw this.drift(f, 'unchanged TOAST value without the old row (REPLICA IDENTITY FULL is required)', lsn);
      }
      if (kind === COLUMN.null) {
        if (f.nullBranch < 0 || !f.nullable) throw this.drift(f, 'null in a field the contract requires', lsn);
        buf[p++] = f.nullBranch << 1;
        continue;
      }
      if (kind !== COLUMN.text) throw this.drift(f, 'binary tuple data is not expected', lsn);
      if (f.valueBranch >= 0) buf[p++] = f.valueBranch << 1;
      p = this.writeValue(f, t, buf, p, lsn);
    }
    const out = Buffer.allocUnsafe(p);
    buf.copy(out, 0, 0, p);
    return out;
  }

  private writeValue(f: FieldPlan, t: Tuple, buf: Buffer, p: number, lsn: Lsn): number {
    const src = t.bytes;
    const s = t.start(f.column);
    const e = t.end(f.column);
    switch (f.writer) {
      case 'bytes':
        return writeBytes(buf, p, src, s, e);
      case 'enum': {
        const i = symbolIndex(f.symbols, src, s, e);
        if (i < 0) throw this.drift(f, notInEnum(t.text(f.column)), lsn);
        return writeVarInt(buf, p, i);
      }
      case 'boolean':
        if (e - s === 1 && (src[s] === 0x74 || src[s] === 0x66)) {
          buf[p] = src[s] === 0x74 ? 1 : 0;
          return p + 1;
        }
        break;
      case 'int': {
        const n = readDigits(src, s, e);
        if (n !== null && n >= -2147483648 && n <= 2147483647) return writeVarInt(buf, p, n);
        break;
      }
      case 'long': {
        const n = readDigits(src, s, e);
        if (n !== null) return writeLong(buf, p, n);
        break;
      }
      case 'date':
        if (e - s === 10 && src[s + 4] === 0x2d && src[s + 7] === 0x2d) {
          const y = readDigits(src, s, s + 4);
          const m = readDigits(src, s + 5, s + 7);
          const d = readDigits(src, s + 8, s + 10);
          if (y !== null && y >= 0 && m !== null && m >= 0 && d !== null && d >= 0) return writeVarInt(buf, p, Date.UTC(y, m - 1, d) / DAY_MS);
        }
        break;
      case 'timestamp': {
        const us = readTimestamp(src, s, e);
        if (us !== null && Math.abs(us) < FAST_LONG_LIMIT) return writeLong(buf, p, us);
        break;
      }
      case 'sealed':
        return writeSealed(this.sealer!, this.contract.entity, f.name, this.rowKey, src, s, e, buf, p);
      case 'parsed':
        break;
    }
    return this.writeParsed(f, t, buf, p, lsn);
  }

  /** The text parsers' verdict, written by avsc: every shape the fast writers do not take. */
  private writeParsed(f: FieldPlan, t: Tuple, buf: Buffer, p: number, lsn: Lsn): number {
    const text = t.text(f.column);
    let value;
    try {
      value = parserFor(f.kind)(text);
    } catch (err) {
      if (err instanceof ValueFormatError) throw this.drift(f, err.message, lsn);
      throw err;
    }
    if (f.contractSymbols && !f.contractSymbols.has(text)) throw this.drift(f, notInEnum(text), lsn);
    let end: number;
    try {
      end = f.type.encode(value, buf, p);
    } catch (err) {
      // e.g. more digits than the decimal's precision: a value the contract cannot carry stops the
      // table like any other drift, instead of failing the whole producer on every restart.
      throw this.drift(f, (err as Error).message, lsn);
    }
    if (end < 0) throw new Error(`${this.contract.entity}.${f.name}: value larger than the row's bound`);
    return end;
  }

  private drift(f: FieldPlan, reason: string, lsn: Lsn): ContractDriftError {
    return new ContractDriftError(this.ministry, this.contract.entity, f.name, reason, formatLsn(lsn));
  }
}

/** The row's code stays out of the reason (reasons are logged and stored): only its length says what was seen. */
function notInEnum(code: string): string {
  return `a code of ${code.length} characters that is not in the contract enum`;
}

function writerFor(kind: FieldKind, avro: string): Writer {
  if ((kind === 'string' || kind === 'uuid' || kind === 'json') && avro === 'string') return 'bytes';
  if (kind === 'enum' && avro === 'enum') return 'enum';
  if (kind === 'boolean' && avro === 'boolean') return 'boolean';
  if (kind === 'int' && avro === 'int') return 'int';
  if (kind === 'long' && avro === 'long') return 'long';
  if (kind === 'date' && avro === 'int') return 'date';
  if (kind === 'timestamp' && avro === 'long') return 'timestamp';
  return 'parsed';
}

function writeBytes(buf: Buffer, p: number, src: Buffer, s: number, e: number): number {
  const n = e - s;
  p = writeVarInt(buf, p, n);
  // A native copy costs more than a short loop.
  if (n < 48) for (let i = s; i < e; i++) buf[p++] = src[i];
  else {
    src.copy(buf, p, s, e);
    p += n;
  }
  return p;
}

/** Avro long for |n| < 2^51: zigzag by arithmetic (bit operators are 32-bit). */
function writeLong(buf: Buffer, p: number, n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z > 0x7f) {
    buf[p++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[p++] = z;
  return p;
}

function symbolIndex(symbols: readonly Buffer[], src: Buffer, s: number, e: number): number {
  const n = e - s;
  outer: for (let k = 0; k < symbols.length; k++) {
    const sym = symbols[k];
    if (sym.length !== n) continue;
    for (let i = 0; i < n; i++) if (sym[i] !== src[s + i]) continue outer;
    return k;
  }
  return -1;
}

/**
 * An optional '-' then 1–15 ASCII digits, as PostgreSQL prints integers; null for anything else (the
 * text parser then decides). 15 digits keep the value below FAST_LONG_LIMIT, an exact double.
 */
function readDigits(src: Buffer, s: number, e: number): number | null {
  let i = s;
  const negative = src[i] === 0x2d;
  if (negative) i++;
  if (i === e || e - i > 15) return null;
  let n = 0;
  for (; i < e; i++) {
    const d = src[i] - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]]`, the form a session with DateStyle=ISO prints, read
 * into µs since the epoch; null for any other shape (parseTimestampMicros then decides). Computed as
 * parseTimestampMicros does, so both give the same number.
 */
function readTimestamp(src: Buffer, s: number, e: number): number | null {
  if (e - s < 19 || src[s + 4] !== 0x2d || src[s + 7] !== 0x2d || (src[s + 10] !== 0x20 && src[s + 10] !== 0x54) || src[s + 13] !== 0x3a || src[s + 16] !== 0x3a) return null;
  const y = readDigits(src, s, s + 4);
  const mo = readDigits(src, s + 5, s + 7);
  const d = readDigits(src, s + 8, s + 10);
  const h = readDigits(src, s + 11, s + 13);
  const mi = readDigits(src, s + 14, s + 16);
  const sec = readDigits(src, s + 17, s + 19);
  if (y === null || mo === null || d === null || h === null || mi === null || sec === null || y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return null;
  let p = s + 19;
  let frac = 0;
  if (p < e && src[p] === 0x2e) {
    const f0 = ++p;
    while (p < e && src[p] >= 0x30 && src[p] <= 0x39) p++;
    const digits = p - f0;
    if (digits < 1 || digits > 6) return null;
    frac = readDigits(src, f0, p)! * 10 ** (6 - digits);
  }
  let offsetSec = 0;
  if (p < e) {
    const sign = src[p] === 0x2b ? 1 : src[p] === 0x2d ? -1 : 0;
    if (sign === 0 || p + 3 > e) return null;
    const oh = readDigits(src, p + 1, p + 3);
    if (oh === null || oh < 0) return null;
    p += 3;
    let om = 0;
    let os = 0;
    for (const part of [0, 1]) {
      if (p === e) break;
      if (src[p] === 0x3a) p++;
      if (p + 2 > e) return null;
      const v = readDigits(src, p, p + 2);
      if (v === null || v < 0) return null;
      if (part === 0) om = v;
      else os = v;
      p += 2;
    }
    if (p !== e) return null;
    offsetSec = sign * (oh * 3600 + om * 60 + os);
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  return (ms - offsetSec * 1000) * 1000 + frac;
}

/** Exposed for the property tests that hold the fast readers to the text parsers. */
export const textReaders = { readTimestamp, readDigits, parseDateDays, parseTimestampMicros };
