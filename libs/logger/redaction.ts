import { redactSecrets } from '../config/redact';

/**
 * The last line of defence before a log line is written: callers must already keep row values and
 * secrets out of what they log (DOMAIN.md §4), but a field of personal data, a URL with a password or an
 * error whose message quotes one can sit anywhere in what is logged — in a nested object, an error's
 * cause, an array. Fields named like personal data are redacted at every depth; every string has the
 * passwords of its URLs and `password=` pairs masked; errors become plain records (name, message, stack,
 * code, cause) so what they say is redacted too.
 */
const REDACTED_KEYS =
  /^(full_?name|other_?names|national_?id|legal_rep_.*|passport_?no|date_?of_?birth|.*_?address|father_?name|mother_?name|spouse_?name|password|passwd|secret|.*_secret|private_?key|privateKeyPem|token|authorization)$/i;
const REDACTED = '[redacted]';
const MAX_DEPTH = 8;
// Most strings hold no URL and no password: they skip the regular expressions.
const MAY_HOLD_SECRET = /:\/\/|pass|pwd/i;

export function isRedactedKey(key: string): boolean {
  return REDACTED_KEYS.test(key);
}

export function redactText(s: string): string {
  return MAY_HOLD_SECRET.test(s) ? redactSecrets(s) : s;
}

/** A redacted copy of `v`; the caller's objects are never changed. */
export function redactValue(v: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof v === 'string') return redactText(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  seen.add(v);
  if (Buffer.isBuffer(v)) return `[${v.length} bytes]`;
  if (v instanceof URL) return redactText(v.toString());
  if (v instanceof Date) return v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1, seen));
  const out: Record<string, unknown> = {};
  if (v instanceof Error) {
    out.name = v.name;
    out.message = redactText(v.message);
    if (v.stack) out.stack = redactText(v.stack);
    if (v.cause !== undefined) out.cause = redactValue(v.cause, depth + 1, seen);
  }
  for (const [k, x] of Object.entries(v)) out[k] = isRedactedKey(k) ? REDACTED : redactValue(x, depth + 1, seen);
  return out;
}

/** Redacts a winston info in place at its top level (winston keeps its own symbols on it), copying below. */
export function redactInfo<T extends Record<string, unknown>>(info: T): T {
  const seen = new WeakSet<object>([info]);
  const record = info as Record<string, unknown>;
  for (const k of Object.keys(record)) record[k] = isRedactedKey(k) ? REDACTED : redactValue(record[k], 1, seen);
  return info;
}
