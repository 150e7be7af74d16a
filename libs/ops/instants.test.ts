import { parseInstant } from './instants';

describe('parseInstant', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  it('reads ISO instants with an offset, days in UTC+7, now and durations before now', () => {
    expect(parseInstant('--from', '2026-12-01T08:00:00+07:00', now).toISOString()).toBe('2026-12-01T01:00:00.000Z');
    expect(parseInstant('--from', '2026-12-01', now).toISOString()).toBe('2026-11-30T17:00:00.000Z');
    expect(parseInstant('--to', 'now', now).getTime()).toBe(now);
    expect(parseInstant('--from', '2h', now).toISOString()).toBe('2026-12-02T08:00:00.000Z');
    expect(parseInstant('--from', '7d', now).toISOString()).toBe('2026-11-25T10:00:00.000Z');
  });
  it('names the option at fault', () => {
    expect(() => parseInstant('--to-datetime', 'yesterday', now)).toThrow(/--to-datetime: "yesterday" is not an instant/);
    expect(() => parseInstant('--from', '2026-13-01', now)).toThrow(/--from/);
  });
});
