import { canonicalJson } from './canonicalJson';
import { compareDecimalParts, formatDecimalParts, parseDecimalText } from './decimalText';

describe('canonicalJson', () => {
  it('sorts keys, drops undefined properties and writes no whitespace', () => {
    expect(canonicalJson({ b: [1, { z: null, a: 'ă' }], a: true, c: undefined, '\u00e9': 1, Z: 2 })).toBe('{"Z":2,"a":true,"b":[1,{"a":"ă","z":null}],"é":1}');
    expect(canonicalJson({ n: 1e21, m: 0.1, k: -0 })).toBe('{"k":0,"m":0.1,"n":1e+21}');
  });

  it('is the same after a JSON round trip, whatever the key order', () => {
    const a = { x: { q: [3, 2, 1], p: 'Nguyễn' }, y: 1.5 };
    const b = JSON.parse('{"y":1.5,"x":{"p":"Nguyễn","q":[3,2,1]}}') as unknown;
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('refuses what JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ a: NaN })).toThrow('canonical JSON: $.a is NaN, which JSON cannot carry');
    expect(() => canonicalJson({ d: new Date(0) })).toThrow('canonical JSON: $.d is not a plain object');
    expect(() => canonicalJson([undefined])).toThrow('canonical JSON: $[0] is undefined');
    expect(() => canonicalJson({ b: 1n })).toThrow('canonical JSON: $.b is a bigint');
  });
});

describe('decimal text', () => {
  it('compares exactly, whatever the leading or trailing zeros', () => {
    const p = (s: string) => parseDecimalText(s)!;
    expect(compareDecimalParts(p('-0.50'), p('-0.5'))).toBe(0);
    expect(compareDecimalParts(p('-0'), p('0.00'))).toBe(0);
    expect(compareDecimalParts(p('-10'), p('-9.99'))).toBe(-1);
    expect(compareDecimalParts(p('0.051'), p('0.05'))).toBe(1);
    expect(compareDecimalParts(p('123456789012345678901234567890'), p('123456789012345678901234567889.9999'))).toBe(1);
    expect(formatDecimalParts(p('-000.1200'))).toBe('-0.12');
    expect(parseDecimalText('1e3')).toBeNull();
    expect(parseDecimalText('+1')).toBeNull();
    expect(parseDecimalText('.5')).toBeNull();
  });
});
