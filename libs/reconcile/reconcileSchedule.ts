/**
 * When the main job reconciles (THAHS_RECONCILE_SCHEDULE): entries separated by `;`, each
 * `<mode> <period> <when>` in Vietnam's time (UTC+07:00 all year, no daylight saving):
 * - `full yearly 01-15 02:00`: the annual evaluation of Art. 5, on 15 January at 02:00;
 * - `full monthly 01 02:00`, `incremental daily 03:00`;
 * or `off`. Modes are `full` and `incremental`; a day that a month lacks (`monthly 31`) falls on its last day.
 */
export type ScheduleMode = 'full' | 'incremental';
export type SchedulePeriod = 'yearly' | 'monthly' | 'daily';

export interface ScheduleEntry {
  mode: ScheduleMode;
  period: SchedulePeriod;
  /** 1-12 (yearly only). */
  month: number;
  /** 1-31 (yearly, monthly). */
  day: number;
  hour: number;
  minute: number;
  /** The entry as written, for logs. */
  text: string;
}

export const DEFAULT_RECONCILE_SCHEDULE = 'full yearly 01-15 02:00; incremental daily 03:00';

/** Vietnam's offset from UTC, in ms: the schedule's wall clock. */
const VN_OFFSET_MS = 7 * 3_600_000;

function clock(s: string, entry: string): { hour: number; minute: number } {
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`${entry}: "${s}" is not a time HH:MM`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

function dayOf(s: string, entry: string): number {
  if (!/^\d{2}$/.test(s) || Number(s) < 1 || Number(s) > 31) throw new Error(`${entry}: "${s}" is not a day of the month 01-31`);
  return Number(s);
}

export function parseReconcileSchedule(raw: string): ScheduleEntry[] {
  if (raw.trim() === 'off') return [];
  const entries = raw
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('must list at least one entry, or be off');
  return entries.map((text, i) => {
    const entry = `entry ${i + 1} ("${text}")`;
    const [mode, period, ...rest] = text.split(/\s+/);
    if (mode !== 'full' && mode !== 'incremental') throw new Error(`${entry}: the mode must be full or incremental, got "${mode}"`);
    const base = { mode, text } as const;
    if (period === 'daily') {
      if (rest.length !== 1) throw new Error(`${entry}: daily takes a time, e.g. "incremental daily 03:00"`);
      return { ...base, period, month: 1, day: 1, ...clock(rest[0], entry) };
    }
    if (period === 'monthly') {
      if (rest.length !== 2) throw new Error(`${entry}: monthly takes a day and a time, e.g. "full monthly 01 02:00"`);
      return { ...base, period, month: 1, day: dayOf(rest[0], entry), ...clock(rest[1], entry) };
    }
    if (period === 'yearly') {
      const md = /^(\d{2})-(\d{2})$/.exec(rest[0] ?? '');
      if (rest.length !== 2 || !md) throw new Error(`${entry}: yearly takes a date MM-DD and a time, e.g. "full yearly 01-15 02:00"`);
      const month = Number(md[1]);
      if (month < 1 || month > 12) throw new Error(`${entry}: "${md[1]}" is not a month 01-12`);
      const day = dayOf(md[2], entry);
      if (day > daysIn(2024, month)) throw new Error(`${entry}: ${md[1]} has no day ${md[2]}`);
      return { ...base, period, month, day, ...clock(rest[1], entry) };
    }
    throw new Error(`${entry}: the period must be yearly, monthly or daily, got "${period ?? ''}"`);
  });
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The occurrence of `e` in the given Vietnamese year and month (month ignored for yearly entries), as an instant. */
function occurrence(e: ScheduleEntry, year: number, month: number, day: number): number {
  const m = e.period === 'yearly' ? e.month : month;
  const d = e.period === 'daily' ? day : Math.min(e.day, daysIn(year, m));
  return Date.UTC(year, m - 1, d, e.hour, e.minute) - VN_OFFSET_MS;
}

/** Candidate occurrences around `at`: enough to find the one before and the one after. */
function around(e: ScheduleEntry, at: Date): number[] {
  const vn = new Date(at.getTime() + VN_OFFSET_MS);
  const y = vn.getUTCFullYear();
  const mo = vn.getUTCMonth() + 1;
  const out: number[] = [];
  if (e.period === 'yearly') for (const yy of [y - 1, y, y + 1]) out.push(occurrence(e, yy, 1, 1));
  else if (e.period === 'monthly') {
    for (const k of [-1, 0, 1]) {
      const d = new Date(Date.UTC(y, mo - 1 + k, 1));
      out.push(occurrence(e, d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    }
  } else {
    for (const k of [-1, 0, 1]) {
      const d = new Date(Date.UTC(y, mo - 1, vn.getUTCDate() + k));
      out.push(occurrence(e, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()));
    }
  }
  return out.sort((a, b) => a - b);
}

/** The first occurrence strictly after `at`. */
export function nextOccurrence(e: ScheduleEntry, at: Date): Date {
  return new Date(around(e, at).find((t) => t > at.getTime())!);
}

/** The last occurrence at or before `at`. */
export function previousOccurrence(e: ScheduleEntry, at: Date): Date {
  return new Date(
    around(e, at)
      .filter((t) => t <= at.getTime())
      .pop()!,
  );
}

/**
 * Whether an entry is due now: an occurrence has passed since `since` — the last run of its mode the
 * schedule started, so a run missed while the main job was down is made when it starts again; or, when
 * the schedule never ran, the main job's start, so a fresh installation waits for the first occurrence.
 */
export function isDue(e: ScheduleEntry, now: Date, since: Date): boolean {
  return since.getTime() < previousOccurrence(e, now).getTime();
}
