import type { Parsed } from './calendar';

/**
 * ISO 8601 durations (P5Y, P6M, P30D, PT12H...) as used for retention and deletion delays. Calendar
 * units are kept apart from fixed ones because "P1M" from 31 January is not 30 days.
 */
export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION_RE = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function parseIsoDuration(text: string): Parsed<IsoDuration> {
  const m = DURATION_RE.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    return { ok: false, reason: `"${text}" is not an ISO 8601 duration such as P5Y, P6M, P30D or PT12H` };
  }
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]));
  return {
    ok: true,
    value: { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) },
  };
}

/** Adds a duration to an instant (UTC); a month step that lands past the month's end stops at its last day. */
export function addIsoDuration(instantMs: number, d: IsoDuration): number {
  const t = new Date(instantMs);
  const totalMonths = t.getUTCMonth() + d.months + 12 * d.years;
  const year = t.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = ((totalMonths % 12) + 12) % 12;
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const probe = new Date(0);
  probe.setUTCFullYear(year, month + 1, 0);
  const lastDay = probe.getUTCDate();
  const out = new Date(0);
  out.setUTCFullYear(year, month, Math.min(t.getUTCDate(), lastDay));
  out.setUTCHours(t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds(), t.getUTCMilliseconds());
  const shifted = out.getTime();
  return shifted + (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60_000 + d.seconds * 1000;
}
