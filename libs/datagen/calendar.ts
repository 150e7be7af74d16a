/**
 * Dates as day numbers (days since 1970-01-01) and instants as epoch milliseconds: the generator does
 * arithmetic on plain numbers and formats once, when a row is written. Vietnam has no daylight
 * saving, so local office hours are a fixed UTC+7 offset.
 */
import { civilFromDays, daysFromCivil } from '../agreements/calendar';

export type Day = number;
export type Instant = number;

const MS_PER_DAY = 86_400_000;
const VN_OFFSET_MS = 7 * 3_600_000;

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (the agreements library's integer conversion;
 * no Date objects, because the generator converts dates millions of times). Months and days out of
 * range roll over as with Date.UTC.
 */
export function day(year: number, month: number, dayOfMonth: number): Day {
  const m0 = month - 1;
  const y = year + Math.floor(m0 / 12);
  const m = (((m0 % 12) + 12) % 12) + 1;
  return daysFromCivil(y, m, 1) + dayOfMonth - 1;
}

/** [year, month (1–12), day of month] of a day number. */
export function civil(d: Day): [number, number, number] {
  const c = civilFromDays(d);
  return [c.year, c.month, c.day];
}

export function parseDay(iso: string): Day {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${iso}`);
  return day(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Formatted dates of 1900–2099, built on first use (the generator formats millions of dates). */
const CACHE_FROM = -25_567;
const CACHE_DAYS = 73_049;
const dateCache: (string | undefined)[] = new Array<string | undefined>(CACHE_DAYS);

/** 'YYYY-MM-DD'. */
export function dateStr(d: Day): string {
  const i = d - CACHE_FROM;
  if (i >= 0 && i < CACHE_DAYS) {
    let s = dateCache[i];
    if (s === undefined) {
      s = new Date(d * MS_PER_DAY).toISOString().slice(0, 10);
      dateCache[i] = s;
    }
    return s;
  }
  return new Date(d * MS_PER_DAY).toISOString().slice(0, 10);
}

export function yearOf(d: Day): number {
  return civil(d)[0];
}

export function monthOf(d: Day): number {
  return civil(d)[1];
}

/** The same day of the month `months` later (clamped to the month's last day). */
export function addMonths(d: Day, months: number): Day {
  const [y, m, dd] = civil(d);
  const whole = Math.trunc(months);
  const first = day(y, m + whole, 1);
  const lastDay = day(y, m + whole + 1, 1) - first;
  return first + Math.min(dd, lastDay) - 1 + Math.round((months - whole) * 30);
}

/** Whole months from `from` to `to` (negative when `to` is earlier). */
export function monthsBetween(from: Day, to: Day): number {
  const [ay, am, ad] = civil(from);
  const [by, bm, bd] = civil(to);
  let m = (by - ay) * 12 + (bm - am);
  if (bd < ad) m -= 1;
  return m;
}

/** The instant of local (UTC+7) time `minutes` after midnight of day `d`. */
export function at(d: Day, minutes: number): Instant {
  return d * MS_PER_DAY + minutes * 60_000 - VN_OFFSET_MS;
}

/** The local calendar day an instant falls on. */
export function localDay(t: Instant): Day {
  return Math.floor((t + VN_OFFSET_MS) / MS_PER_DAY);
}

const TWO_DIGITS: string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** ISO-8601 UTC with milliseconds, the form COPY and JSON details carry (hot path: no Date object). */
export function tsStr(t: Instant): string {
  const d = Math.floor(t / MS_PER_DAY);
  let rest = t - d * MS_PER_DAY;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  const hour = (rest - min) / 60;
  const msStr = ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : String(ms);
  return `${dateStr(d)}T${TWO_DIGITS[hour]}:${TWO_DIGITS[min]}:${TWO_DIGITS[sec]}.${msStr}Z`;
}

/** Last day of each calendar quarter strictly after `from` and not after `to`. */
export function quarterEnds(from: Day, to: Day): Day[] {
  const out: Day[] = [];
  const y0 = yearOf(from);
  const y1 = yearOf(to);
  for (let y = y0; y <= y1; y++) {
    for (const m of [3, 6, 9, 12]) {
      const end = day(y, m + 1, 1) - 1;
      if (end > from && end <= to) out.push(end);
    }
  }
  return out;
}
