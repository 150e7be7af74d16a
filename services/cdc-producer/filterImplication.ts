import type { RowFilter } from '../../libs/agreements';

type Filter = RowFilter | null | undefined;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Two literals of one field that compare the same way in the filter's semantics: numbers, or plain ISO dates. */
function order(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string' && DATE.test(a) && DATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A leaf test is provably no wider than another on the same field. */
function leafImplies(n: Record<string, unknown>, o: Record<string, unknown>): boolean {
  if (n.field !== o.field) return false;
  if (same(n, o)) return true;
  const nop = n.op as string;
  const oop = o.op as string;
  if ((nop === 'in' || nop === 'eq') && oop === 'in') {
    const values = nop === 'eq' ? [n.value] : (n.values as unknown[]);
    const allowed = o.values as unknown[];
    return values.every((v) => allowed.some((a) => same(a, v)));
  }
  const lower = (op: string): boolean => op === 'ge' || op === 'gt';
  const upper = (op: string): boolean => op === 'le' || op === 'lt';
  if ((lower(nop) && lower(oop)) || (upper(nop) && upper(oop))) {
    const c = order(n.value, o.value);
    if (c === undefined) return false;
    // ≥ a later bound (or > the same one) keeps fewer rows; likewise for upper bounds.
    if (lower(nop)) return c > 0 || (c === 0 && (nop === oop || nop === 'gt'));
    return c < 0 || (c === 0 && (nop === oop || nop === 'lt'));
  }
  return false;
}

/**
 * Whether every row the new filter keeps is provably kept by the old one (new ⇒ old), judged on the
 * filters' shape: no filter keeps every row; an `and` implies whatever one of its items implies; an
 * `or` is implied when every item implies; a leaf implies one on the same field that is no narrower
 * (a later lower bound, an earlier upper bound, a subset of values). "Unknown" answers false: the
 * producer then backfills the new scope, which is never wrong, only more work.
 */
export function filterImplies(next: Filter, old: Filter): boolean {
  if (old === null || old === undefined) return true;
  if (next === null || next === undefined) return false;
  if (same(next, old)) return true;
  if ('or' in old && old.or.some((o) => filterImplies(next, o))) return true;
  if ('and' in old) return old.and.every((o) => filterImplies(next, o));
  if ('and' in next) return next.and.some((n) => filterImplies(n, old));
  if ('or' in next) return next.or.every((n) => filterImplies(n, old));
  if ('not' in next || 'not' in old) return false;
  return leafImplies(next as unknown as Record<string, unknown>, old as unknown as Record<string, unknown>);
}
