import { loadConfig } from '../config';
import { DEFAULT_RECONCILE_SCHEDULE, isDue, nextOccurrence, parseReconcileSchedule, previousOccurrence } from './reconcileSchedule';

const at = (s: string): Date => new Date(s);

describe('reconcile schedule', () => {
  it('parses the default: the yearly full evaluation and a daily incremental run', () => {
    expect(parseReconcileSchedule(DEFAULT_RECONCILE_SCHEDULE).map(({ mode, period, month, day, hour, minute }) => [mode, period, month, day, hour, minute])).toEqual([
      ['full', 'yearly', 1, 15, 2, 0],
      ['incremental', 'daily', 1, 1, 3, 0],
    ]);
    expect(parseReconcileSchedule('off')).toEqual([]);
  });

  it.each([
    ['hourly incremental', /entry 1 .*mode must be full or incremental/],
    ['full weekly 02:00', /entry 1 .*period must be yearly, monthly or daily/],
    ['incremental daily 3:00', /not a time HH:MM/],
    ['incremental daily 24:00', /not a time HH:MM/],
    ['full daily 03:00; full yearly 02-30 01:00', /entry 2 .*02 has no day 30/],
    ['full yearly 13-01 01:00', /not a month/],
    ['full monthly 32 01:00', /not a day of the month/],
    [' ; ', /at least one entry/],
  ])('rejects %p naming the entry at fault', (raw, message) => {
    expect(() => parseReconcileSchedule(raw)).toThrow(message);
  });

  it('places occurrences on Vietnamese wall-clock time (UTC+07:00)', () => {
    const [yearly, daily] = parseReconcileSchedule(DEFAULT_RECONCILE_SCHEDULE);
    expect(nextOccurrence(daily, at('2026-12-02T13:00:00Z')).toISOString()).toBe('2026-12-02T20:00:00.000Z');
    expect(previousOccurrence(daily, at('2026-12-02T13:00:00Z')).toISOString()).toBe('2026-12-01T20:00:00.000Z');
    expect(nextOccurrence(yearly, at('2026-12-02T13:00:00Z')).toISOString()).toBe('2027-01-14T19:00:00.000Z');
    // 02:00 on 15 January in Hanoi is the evening of the 14th in UTC: just after it, the next is a year on.
    expect(nextOccurrence(yearly, at('2027-01-14T19:00:00Z')).toISOString()).toBe('2028-01-14T19:00:00.000Z');
    expect(previousOccurrence(yearly, at('2027-01-14T19:00:00Z')).toISOString()).toBe('2027-01-14T19:00:00.000Z');
    const [monthly] = parseReconcileSchedule('full monthly 31 01:00');
    expect(nextOccurrence(monthly, at('2027-02-01T00:00:00Z')).toISOString()).toBe('2027-02-27T18:00:00.000Z');
  });

  it('is due once an occurrence has passed since the last run, and catches up a missed one', () => {
    const [, daily] = parseReconcileSchedule(DEFAULT_RECONCILE_SCHEDULE);
    const started = at('2026-12-02T10:00:00Z');
    expect(isDue(daily, at('2026-12-02T19:59:00Z'), started)).toBe(false);
    expect(isDue(daily, at('2026-12-02T20:00:00Z'), started)).toBe(true);
    // The run of 20:00 was made: not due again until the next day.
    expect(isDue(daily, at('2026-12-03T19:00:00Z'), at('2026-12-02T20:00:05Z'))).toBe(false);
    // The main job was down for three days: one run at its start, not three.
    expect(isDue(daily, at('2026-12-06T08:00:00Z'), at('2026-12-02T20:00:05Z'))).toBe(true);
  });

  it('is read by the configuration, which names the variable and the entry at fault', () => {
    expect(loadConfig({}).reconcileSchedule.map((e) => e.text)).toEqual(['full yearly 01-15 02:00', 'incremental daily 03:00']);
    expect(() => loadConfig({ THAHS_RECONCILE_SCHEDULE: 'full daily 02:00; full weekly 01:00' })).toThrow(/THAHS_RECONCILE_SCHEDULE.*entry 2/);
  });
});
