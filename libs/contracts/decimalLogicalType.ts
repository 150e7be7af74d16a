import { Schema, Type, types } from 'avsc';

const DECIMAL_TEXT = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Avro `decimal` on `bytes`, exchanged in JS as a string of decimal digits ("-1500000", or "12.50" with
 * scale 2). Money must stay exact and BigInt keeps every digit, where a JS number would round past 2^53.
 * The bytes are the two's-complement big-endian unscaled value, as the Avro specification (and Java's
 * BigInteger.toByteArray) writes them, so any Avro implementation reads the same amount.
 */
export class DecimalType extends types.LogicalType {
  readonly precision: number;
  readonly scale: number;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const attrs = schema as { precision?: unknown; scale?: unknown };
    const precision = attrs.precision;
    const scale = attrs.scale ?? 0;
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) {
      throw new Error(`decimal precision must be a positive integer, got ${JSON.stringify(precision)}`);
    }
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new Error(`decimal scale must be an integer between 0 and the precision, got ${JSON.stringify(scale)}`);
    }
    if (this.underlyingType.typeName !== 'bytes') {
      throw new Error(`decimal is supported on bytes only, not ${this.underlyingType.typeName}`);
    }
    this.precision = precision;
    this.scale = scale;
  }

  protected override _fromValue(buf: Buffer): string {
    return formatUnscaled(decodeTwosComplement(buf), this.scale);
  }

  protected override _toValue(val: unknown): Buffer {
    const unscaled = this.unscaledOf(val);
    const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
    if (digits > this.precision) {
      // The value itself stays out of the message: it is an amount of a row (messages reach logs and DLQs).
      throw new Error(`a decimal of ${digits} digits, more than precision ${this.precision}`);
    }
    return encodeTwosComplement(unscaled);
  }

  protected override _resolve(writer: Type): ((val: string) => string) | undefined {
    // A different scale would silently change every amount, so only the same scale resolves.
    if (writer instanceof DecimalType && writer.scale === this.scale && writer.precision <= this.precision) {
      return (val) => val;
    }
    return undefined;
  }

  protected override _export(attrs: Schema): void {
    const out = attrs as { precision?: number; scale?: number };
    out.precision = this.precision;
    out.scale = this.scale;
  }

  private unscaledOf(val: unknown): bigint {
    if (typeof val === 'bigint') return val * 10n ** BigInt(this.scale);
    if (typeof val !== 'string') throw new Error(`decimal value must be a string of digits, got ${typeof val}`);
    const m = DECIMAL_TEXT.exec(val);
    if (!m) throw new Error(`a string of ${val.length} characters that is not a decimal number`);
    const [, minus, whole, fraction = ''] = m;
    // Extra fractional digits are accepted only when they are zeros: the value must stay exact.
    if (fraction.length > this.scale && /[^0]/.test(fraction.slice(this.scale))) {
      throw new Error(`a decimal with more than ${this.scale} fractional digits`);
    }
    const unscaled = BigInt(whole + fraction.slice(0, this.scale).padEnd(this.scale, '0'));
    return minus ? -unscaled : unscaled;
  }
}

function decodeTwosComplement(buf: Buffer): bigint {
  if (buf.length === 0) return 0n;
  const n = BigInt(`0x${buf.toString('hex')}`);
  return buf[0] & 0x80 ? n - (1n << BigInt(buf.length * 8)) : n;
}

function encodeTwosComplement(n: bigint): Buffer {
  let bytes = 1;
  while (n < -(1n << BigInt(bytes * 8 - 1)) || n >= 1n << BigInt(bytes * 8 - 1)) bytes++;
  const unsigned = n < 0n ? (1n << BigInt(bytes * 8)) + n : n;
  return Buffer.from(unsigned.toString(16).padStart(bytes * 2, '0'), 'hex');
}

function formatUnscaled(n: bigint, scale: number): string {
  const negative = n < 0n;
  let digits = (negative ? -n : n).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}
