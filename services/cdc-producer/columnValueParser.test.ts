import { columnTypeMaps, parseDateDays, parserFor, parseTimestampMicros } from './columnValueParser';

describe('column value parsing', () => {
  it('maps dates to days since the epoch', () => {
    expect(parseDateDays('1970-01-01')).toBe(0);
    expect(parseDateDays('2024-02-29')).toBe(19782);
    expect(parseDateDays('1969-12-31')).toBe(-1);
    expect(() => parseDateDays('29/02/2024')).toThrow(/ISO date/);
  });

  it('maps timestamptz text to exact microseconds, honouring the offset', () => {
    expect(parseTimestampMicros('1970-01-01 00:00:00+00')).toBe(0);
    expect(parseTimestampMicros('2026-11-27 00:10:33.123456+00')).toBe(Date.UTC(2026, 10, 27, 0, 10, 33) * 1000 + 123456);
    expect(parseTimestampMicros('2026-11-27 07:10:33.5+07')).toBe(Date.UTC(2026, 10, 27, 0, 10, 33) * 1000 + 500000);
    expect(parseTimestampMicros('2026-11-26 23:40:33-00:30')).toBe(Date.UTC(2026, 10, 27, 0, 10, 33) * 1000);
  });

  it('keeps decimals exact and rejects what is not a value of the kind', () => {
    expect(parserFor('decimal')('-123456789012345678')).toBe('-123456789012345678');
    expect(() => parserFor('decimal')('NaN')).toThrow();
    expect(parserFor('boolean')('t')).toBe(true);
    expect(() => parserFor('int')('3000000000')).toThrow(/32-bit/);
    expect(() => parserFor('long')('90071992547409930')).toThrow(/2\^53/);
  });

  it('knows which column types can feed a contract kind', () => {
    expect(columnTypeMaps('uuid', 2950)).toBe(true);
    expect(columnTypeMaps('uuid', 25)).toBe(false);
    expect(columnTypeMaps('timestamp', 1114)).toBe(false); // timestamp without time zone is ambiguous
    expect(columnTypeMaps('enum', 25)).toBe(true);
  });
});
