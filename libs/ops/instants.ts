import { parseInstantMs } from '../agreements';

/**
 * An instant from the command line: ISO 8601 with an offset (2026-12-01T08:00:00+07:00), a date
 * alone (midnight in Vietnam, UTC+7: the operators' day), `now`, or a duration before now (30m, 2h,
 * 7d). `field` names the option in the error.
 */
export function parseInstant(field: string, text: string, now = Date.now()): Date {
  const t = text.trim();
  if (t === 'now') return new Date(now);
  const ago = /^(\d+)(s|m|h|d)$/.exec(t);
  if (ago) return new Date(now - Number(ago[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's' | 'm' | 'h' | 'd']);
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T00:00:00+07:00`);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  const p = parseInstantMs(t);
  if (p.ok) return new Date(p.value);
  throw new RangeError(`${field}: "${text}" is not an instant (ISO 8601 with an offset, YYYY-MM-DD for a day in UTC+7, now, or 30m / 2h / 7d before now)`);
}
