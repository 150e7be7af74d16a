import type { IssueCollector, PathSegment } from './validationIssue';

/**
 * Small typed readers over parsed YAML/JSON that record a precise issue (path + what is wrong) and
 * return `undefined` instead of throwing, so validation goes on and reports every problem at once.
 */
export type Path = readonly PathSegment[];

/**
 * What a value is, without what it says: for messages about values that may be personal data (a filter
 * literal such as an ID number, a record's field), which are logged and stored.
 */
export function describeShape(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `a string of ${v.length} character${v.length === 1 ? '' : 's'}`;
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (v instanceof Date) return 'a date/time value (quote it to make it a string)';
  return typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (v instanceof Date) return 'a date/time value (quote it to make it a string)';
  switch (typeof v) {
    case 'string':
      return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number':
      return `the number ${v}`;
    case 'boolean':
      return `the boolean ${v}`;
    case 'object':
      return 'a mapping';
    default:
      return `a ${typeof v}`;
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export class DocumentReader {
  constructor(readonly issues: IssueCollector) {}

  fail(path: Path, message: string): undefined {
    this.issues.add(path, message);
    return undefined;
  }

  /**
   * A mapping with exactly the keys allowed: unknown keys (usually typos) and missing required keys are
   * each reported at their own path.
   */
  object(path: Path, v: unknown, keys: { required: readonly string[]; optional?: readonly string[] }): Record<string, unknown> | undefined {
    if (v === undefined) return undefined; // reported by the parent when required
    if (!isPlainObject(v)) return this.fail(path, `expected a mapping, got ${describeValue(v)}`);
    const allowed = [...keys.required, ...(keys.optional ?? [])];
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) this.fail([...path, k], `unknown key "${k}"; expected one of: ${allowed.join(', ')}`);
    }
    for (const k of keys.required) {
      if (v[k] === undefined) this.fail([...path, k], 'is required but missing');
    }
    return v;
  }

  string(path: Path, v: unknown, opts: { pattern?: RegExp; patternHint?: string; maxLength?: number; allowEmpty?: boolean } = {}): string | undefined {
    if (v === undefined) return undefined; // reported by object() when required
    if (typeof v !== 'string') return this.fail(path, `expected a string, got ${describeValue(v)}`);
    if (!opts.allowEmpty && v.trim() === '') return this.fail(path, 'must not be empty');
    if (opts.maxLength !== undefined && v.length > opts.maxLength) {
      return this.fail(path, `is ${v.length} characters long; at most ${opts.maxLength} allowed`);
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      return this.fail(path, `${JSON.stringify(v)} is not ${opts.patternHint ?? `of the form ${opts.pattern.source}`}`);
    }
    return v;
  }

  optionalString(path: Path, v: unknown, opts: Parameters<DocumentReader['string']>[2] = {}): string | undefined {
    return v === undefined ? undefined : this.string(path, v, opts);
  }

  oneOf<T extends string>(path: Path, v: unknown, allowed: readonly T[]): T | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      return this.fail(path, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describeValue(v)}`);
    }
    return v as T;
  }

  boolean(path: Path, v: unknown): boolean | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') return this.fail(path, `expected true or false, got ${describeValue(v)}`);
    return v;
  }

  positiveInt(path: Path, v: unknown): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      return this.fail(path, `expected a whole number ≥ 1, got ${describeValue(v)}`);
    }
    return v;
  }

  /** A list; `minItems` defaults to 1 because an empty list in an agreement is always an omission. */
  list(path: Path, v: unknown, minItems = 1): readonly unknown[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return this.fail(path, `expected a list, got ${describeValue(v)}`);
    if (v.length < minItems) return this.fail(path, `must list at least ${minItems} item${minItems === 1 ? '' : 's'}`);
    return v;
  }

  /**
   * A list of distinct strings; bad and repeated items are reported at their index and left out, so
   * checks on the rest still run (the document is rejected anyway once any issue is recorded).
   */
  stringList(path: Path, v: unknown, opts: { minItems?: number; pattern?: RegExp; patternHint?: string; maxLength?: number } = {}): string[] | undefined {
    const items = this.list(path, v, opts.minItems ?? 1);
    if (!items) return undefined;
    const out: string[] = [];
    items.forEach((item, i) => {
      const s = this.string([...path, i], item, opts);
      if (s === undefined) return;
      if (out.includes(s)) {
        this.fail([...path, i], `${JSON.stringify(s)} is listed twice`);
        return;
      }
      out.push(s);
    });
    return out;
  }
}
