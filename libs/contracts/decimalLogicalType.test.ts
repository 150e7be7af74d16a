import fc from 'fast-check';
import { Type } from 'avsc';
import { createAvroType } from './avroType';

const money = (): Type => createAvroType({ type: 'bytes', logicalType: 'decimal', precision: 18, scale: 0 });
// Decoding with no logical types shows the raw bytes the Avro specification prescribes.
const rawBytes = (t: Type, v: string): string => (Type.forSchema('bytes').fromBuffer(t.toBuffer(v)) as Buffer).toString('hex');

describe('DecimalType (bytes <-> decimal string)', () => {
  it("writes the two's-complement big-endian unscaled value, as Java BigInteger does", () => {
    const t = money();
    expect(rawBytes(t, '0')).toBe('00');
    expect(rawBytes(t, '1')).toBe('01');
    expect(rawBytes(t, '-1')).toBe('ff');
    expect(rawBytes(t, '127')).toBe('7f');
    expect(rawBytes(t, '128')).toBe('0080');
    expect(rawBytes(t, '-128')).toBe('80');
    expect(rawBytes(t, '-129')).toBe('ff7f');
    expect(rawBytes(t, '255')).toBe('00ff');
    expect(rawBytes(t, '1500000')).toBe('16e360');
  });

  it('round-trips every 18-digit amount exactly, negatives included', () => {
    const t = money();
    const max = 10n ** 18n - 1n;
    for (const v of ['0', '-1', '999999999999999999', '-999999999999999999', '9007199254740993']) {
      expect(t.fromBuffer(t.toBuffer(v))).toBe(v);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: -max, max }), (n) => {
        expect(t.fromBuffer(t.toBuffer(n.toString()))).toBe(n.toString());
      }),
      { numRuns: 300 },
    );
  });

  it('normalises leading zeros and accepts bigint input', () => {
    const t = money();
    expect(t.fromBuffer(t.toBuffer('000120'))).toBe('120');
    expect(t.fromBuffer(t.toBuffer('-0'))).toBe('0');
    expect(t.fromBuffer(t.toBuffer(-42n))).toBe('-42');
  });

  it('keeps the scale', () => {
    const t = createAvroType({ type: 'bytes', logicalType: 'decimal', precision: 5, scale: 2 });
    expect(t.fromBuffer(t.toBuffer('12.5'))).toBe('12.50');
    expect(t.fromBuffer(t.toBuffer('-0.05'))).toBe('-0.05');
    expect(t.fromBuffer(t.toBuffer('7'))).toBe('7.00');
    expect(t.fromBuffer(t.toBuffer('1.230'))).toBe('1.23');
  });

  it('rejects values it cannot store exactly', () => {
    const t = money();
    expect(t.isValid('1000000000000000000')).toBe(false); // 19 digits > precision 18
    expect(t.isValid('1.5')).toBe(false); // scale 0
    expect(t.isValid(12)).toBe(false); // a JS number may already have lost digits
    expect(t.isValid('12e3')).toBe(false);
    expect(t.isValid('')).toBe(false);
    expect(() => t.toBuffer('abc')).toThrow(/not a decimal number/);
    expect(t.isValid('-999999999999999999')).toBe(true);
  });

  it('rejects a malformed decimal declaration', () => {
    expect(() => createAvroType({ type: 'bytes', logicalType: 'decimal' })).toThrow(/precision/);
    expect(() => createAvroType({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 5 })).toThrow(/scale/);
    expect(() => createAvroType({ type: 'string', logicalType: 'decimal', precision: 4 })).toThrow(/bytes/);
  });
});
