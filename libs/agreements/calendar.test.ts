import { civilFromDays, daysFromCivil, formatIsoDate, formatTimestampMicros, parseInstantMs, parseIsoDate, parseIsoTimestampMicros } from './calendar';
import { addIsoDuration, parseIsoDuration } from './isoDuration';

describe('calendar conversions', () => {
  it('maps dates to days since 1970-01-01 and back, across eras and leap days', () => {
    const cases: [string, number][] = [
      ['1970-01-01', 0],
      ['1969-12-31', -1],
      ['2000-02-29', 11016],
      ['1990-01-01', 7305],
      ['0001-01-01', -719162],
      ['9999-12-31', 2932896],
    ];
    for (const [text, days] of cases) {
      expect(parseIsoDate(text)).toEqual({ ok: true, value: days });
      expect(formatIsoDate(days)).toBe(text);
    }
    for (let d = -800000; d <= 3000000; d += 997) {
      const { year, month, day } = civilFromDays(d);
      expect(daysFromCivil(year, month, day)).toBe(d);
    }
    expect(parseIsoDate('1900-02-29')).toEqual({ ok: false, reason: '"1900-02-29" is not a valid date: day 29 does not exist in 1900-02 (last day is 28)' });
    expect(parseIsoDate('2025-7-1')).toEqual({ ok: false, reason: '"2025-7-1" is not a date in the form YYYY-MM-DD' });
  });

  it('reads ISO 8601 timestamps with their offset, to the microsecond', () => {
    expect(parseIsoTimestampMicros('2025-07-01T00:00:00+07:00')).toEqual({ ok: true, value: 1_751_302_800_000_000 });
    expect(parseIsoTimestampMicros('2025-06-30T17:00:00.000001Z')).toEqual({ ok: true, value: 1_751_302_800_000_001 });
    expect(parseIsoTimestampMicros('1969-12-31T23:59:59.999999Z')).toEqual({ ok: true, value: -1 });
    expect(parseIsoTimestampMicros('2025-06-30 12:30-0430')).toEqual({ ok: true, value: 1_751_302_800_000_000 });
    expect(parseIsoTimestampMicros('2025-06-30T17:00:00.123456000Z')).toEqual({ ok: true, value: 1_751_302_800_123_456 });
    expect(parseIsoTimestampMicros('2025-06-30T17:00:00.1234567Z')).toEqual({ ok: false, reason: '"2025-06-30T17:00:00.1234567Z" is more precise than a microsecond' });
    expect(parseIsoTimestampMicros('2025-06-30T24:00:00Z')).toEqual({ ok: false, reason: '"2025-06-30T24:00:00Z" has a time of day out of range' });
    expect(parseIsoTimestampMicros('1500-01-01T00:00:00Z').ok).toBe(false);
    expect(formatTimestampMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
    expect(formatTimestampMicros(1_751_302_800_123_456)).toBe('2025-06-30T17:00:00.123456Z');
  });

  it('reads instants to the millisecond for agreement periods and events', () => {
    expect(parseInstantMs('2025-07-01T00:00:00+07:00')).toEqual({ ok: true, value: Date.parse('2025-06-30T17:00:00Z') });
    expect(parseInstantMs('2025-07-01T00:00:00.0005Z').ok).toBe(false);
  });

  it('parses ISO durations and adds them with calendar months clamped to the month end', () => {
    expect(parseIsoDuration('P1Y2M3W4DT5H6M7S')).toEqual({ ok: true, value: { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 } });
    for (const bad of ['P', 'PT', '5Y', 'P1.5Y', 'P1DT']) expect(parseIsoDuration(bad).ok).toBe(false);
    const d = (t: string) => (parseIsoDuration(t) as { ok: true; value: Parameters<typeof addIsoDuration>[1] }).value;
    expect(new Date(addIsoDuration(Date.parse('2024-01-31T10:00:00Z'), d('P1M'))).toISOString()).toBe('2024-02-29T10:00:00.000Z');
    expect(new Date(addIsoDuration(Date.parse('2024-02-29T00:00:00Z'), d('P1Y'))).toISOString()).toBe('2025-02-28T00:00:00.000Z');
    expect(new Date(addIsoDuration(Date.parse('2025-06-30T17:00:00Z'), d('P30D'))).toISOString()).toBe('2025-07-30T17:00:00.000Z');
  });
});
