import { addMonths, at, civil, dateStr, day, localDay, monthsBetween, quarterEnds, tsStr } from './calendar';

describe('calendar arithmetic', () => {
  it('agrees with Date for days, months and formatting across 1900–2100', () => {
    for (let d = -25_000; d < 47_000; d += 37) {
      const dt = new Date(d * 86_400_000);
      expect(civil(d)).toEqual([dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate()]);
      expect(day(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate())).toBe(d);
      expect(dateStr(d)).toBe(dt.toISOString().slice(0, 10));
      const t = d * 86_400_000 + ((d * 7919) % 86_400_000);
      expect(tsStr(t)).toBe(new Date(t).toISOString());
    }
  });

  it('adds months keeping the day, clamped to the month end', () => {
    expect(dateStr(addMonths(day(2024, 1, 31), 1))).toBe('2024-02-29');
    expect(dateStr(addMonths(day(2023, 1, 31), 1))).toBe('2023-02-28');
    expect(dateStr(addMonths(day(2020, 5, 15), 30))).toBe('2022-11-15');
    expect(dateStr(addMonths(day(2020, 5, 15), -5))).toBe('2019-12-15');
    expect(monthsBetween(day(2020, 1, 31), day(2020, 3, 1))).toBe(1);
    expect(monthsBetween(day(2020, 1, 1), day(2025, 1, 1))).toBe(60);
  });

  it('uses Vietnam local time (UTC+7) for office hours', () => {
    expect(tsStr(at(day(2025, 7, 1), 8 * 60))).toBe('2025-07-01T01:00:00.000Z');
    expect(localDay(at(day(2025, 7, 1), 30))).toBe(day(2025, 7, 1));
  });

  it('lists quarter ends inside a period', () => {
    expect(quarterEnds(day(2024, 2, 10), day(2024, 12, 31)).map(dateStr)).toEqual(['2024-03-31', '2024-06-30', '2024-09-30', '2024-12-31']);
  });
});
