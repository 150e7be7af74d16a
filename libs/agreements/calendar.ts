/**
 * Exact conversions between the human-friendly date/time text used in agreement files and the
 * project's canonical record representation (date = days since 1970-01-01, timestamp = microseconds
 * since the epoch). Written on integer arithmetic instead of `Date.parse` because Date parsing is
 * lenient (it accepts "2024-02-30" and local-time strings) and drops microseconds.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const MICROS_PER_DAY = 86_400_000_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function checkCalendarDate(year: number, month: number, day: number): string | undefined {
  if (year < 1 || year > 9999) return `year ${year} is outside 0001-9999`;
  if (month < 1 || month > 12) return `month ${month} does not exist`;
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) return `day ${day} does not exist in ${pad(year, 4)}-${pad(month, 2)} (last day is ${last})`;
  return undefined;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' to days since 1970-01-01. */
export function parseIsoDate(text: string): Parsed<number> {
  const m = DATE_RE.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not a date in the form YYYY-MM-DD` };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const bad = checkCalendarDate(year, month, day);
  if (bad) return { ok: false, reason: `"${text}" is not a valid date: ${bad}` };
  return { ok: true, value: daysFromCivil(year, month, day) };
}

export function formatIsoDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  if (year < 1 || year > 9999) throw new RangeError(`day ${days} is outside years 0001-9999`);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})$/;

/**
 * ISO 8601 timestamp with an explicit offset ('Z' or ±HH:MM) to microseconds since the epoch. An offset
 * is required: a bare local time would be read differently by each server's time zone. More than six
 * fractional digits are accepted only when the extra digits are zeros, so nothing is silently rounded.
 */
export function parseIsoTimestampMicros(text: string): Parsed<number> {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) {
    return {
      ok: false,
      reason: `"${text}" is not an ISO 8601 timestamp with an offset, e.g. 2025-07-01T08:00:00+07:00 or 2025-07-01T01:00:00Z`,
    };
  }
  const [year, month, day, hour, minute] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const bad = checkCalendarDate(year, month, day);
  if (bad) return { ok: false, reason: `"${text}" is not a valid timestamp: ${bad}` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `"${text}" has a time of day out of range` };
  const fraction = m[7] ?? '';
  if (fraction.length > 6 && /[1-9]/.test(fraction.slice(6))) {
    return { ok: false, reason: `"${text}" is more precise than a microsecond` };
  }
  const micros = Number(fraction.slice(0, 6).padEnd(6, '0'));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 18 || om > 59) return { ok: false, reason: `"${text}" has an impossible offset ${zone}` };
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const value = daysFromCivil(year, month, day) * MICROS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1_000_000 + micros;
  if (!Number.isSafeInteger(value)) {
    return {
      ok: false,
      reason: `"${text}" is too far from 1970 to be held exactly as microseconds in a number (about years 1685-2255)`,
    };
  }
  return { ok: true, value };
}

/** Microseconds since the epoch to 'YYYY-MM-DDTHH:MM:SS.ffffffZ', the form PostgreSQL reads exactly. */
export function formatTimestampMicros(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`${micros} is not a whole number of microseconds`);
  const days = Math.floor(micros / MICROS_PER_DAY);
  let rest = micros - days * MICROS_PER_DAY;
  const us = rest % 1_000_000;
  rest = (rest - us) / 1_000_000;
  const s = rest % 60;
  rest = (rest - s) / 60;
  const mi = rest % 60;
  const h = (rest - mi) / 60;
  return `${formatIsoDate(days)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(us, 6)}Z`;
}

/** An instant (agreement period bounds, event times) in epoch milliseconds. */
export function parseInstantMs(text: string): Parsed<number> {
  const r = parseIsoTimestampMicros(text);
  if (!r.ok) return r;
  if (r.value % 1000 !== 0) return { ok: false, reason: `"${text}" is more precise than a millisecond` };
  return { ok: true, value: r.value / 1000 };
}

export function formatInstantMs(ms: number): string {
  return new Date(ms).toISOString();
}
