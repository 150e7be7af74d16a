import fc from 'fast-check';
import { compareLsn, formatLsn, INVALID_LSN, isLsnText, LsnFormatError, maxLsn, parseLsn } from './lsn';

describe('lsn', () => {
  it('parses and formats the pg_lsn text form', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(parseLsn('0/0')).toBe(INVALID_LSN);
    expect(formatLsn(0n)).toBe('0/0');
    expect(parseLsn('ffffffff/ffffffff')).toBe(0xffffffffffffffffn);
    expect(formatLsn(0xffffffffffffffffn)).toBe('FFFFFFFF/FFFFFFFF');
    expect(parseLsn('0/00000001')).toBe(1n);
  });

  it('rejects malformed text with a typed error', () => {
    for (const bad of ['', '16', '16/', '/1', '1/2/3', 'G/1', '123456789/0', ' 1/2', '1/2 ', '-1/2']) {
      expect(() => parseLsn(bad)).toThrow(LsnFormatError);
      expect(isLsnText(bad)).toBe(false);
    }
    expect(() => formatLsn(-1n)).toThrow(RangeError);
    expect(() => formatLsn(1n << 64n)).toThrow(RangeError);
  });

  it('round-trips every 64-bit value and orders like the numbers', () => {
    const lsn = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    fc.assert(fc.property(lsn, (x) => parseLsn(formatLsn(x)) === x));
    fc.assert(
      fc.property(lsn, lsn, (a, b) => {
        const c = compareLsn(a, b);
        return c === (a < b ? -1 : a > b ? 1 : 0) && maxLsn(a, b) === (a > b ? a : b);
      }),
    );
  });
});
