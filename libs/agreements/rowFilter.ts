import type { FieldKind } from '../contracts/contractTypes';
import { DocumentReader, describeValue, isPlainObject, type Path } from './documentReader';

/**
 * Row filters as authors write them: declarative trees of comparisons on contract fields, combined with
 * and/or/not. Literals are human-friendly (dates 'YYYY-MM-DD', timestamps ISO 8601 with an offset,
 * decimals as text or numbers) and are converted to the canonical form when checked against a contract.
 */
export type FilterLiteral = string | number | boolean;

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type MemberOp = 'in' | 'not_in';
export type NullOp = 'is_null' | 'is_not_null';
export type FilterOp = CompareOp | MemberOp | NullOp | 'between' | 'prefix';

export type RowFilter =
  | { and: readonly RowFilter[] }
  | { or: readonly RowFilter[] }
  | { not: RowFilter }
  | { field: string; op: CompareOp; value: FilterLiteral }
  | { field: string; op: MemberOp; values: readonly FilterLiteral[] }
  | { field: string; op: 'between'; low: FilterLiteral; high: FilterLiteral }
  | { field: string; op: NullOp }
  | { field: string; op: 'prefix'; value: string };

export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
export const FILTER_OPS: readonly FilterOp[] = [...COMPARE_OPS, 'in', 'not_in', 'between', 'prefix', 'is_null', 'is_not_null'];

const ORDERED: readonly FilterOp[] = [...COMPARE_OPS, 'in', 'not_in', 'between', 'is_null', 'is_not_null'];
const EQUALITY: readonly FilterOp[] = ['eq', 'ne', 'in', 'not_in', 'is_null', 'is_not_null'];

/**
 * Operators each kind supports. Ordering is refused where it has no meaning a person would rely on
 * (uuid, enum symbol order) and JSON only supports null tests, since jsonb equality is not text equality.
 */
export const OPS_BY_KIND: Readonly<Record<FieldKind, readonly FilterOp[]>> = {
  string: [...ORDERED, 'prefix'],
  uuid: EQUALITY,
  enum: EQUALITY,
  boolean: ['eq', 'ne', 'is_null', 'is_not_null'],
  int: ORDERED,
  long: ORDERED,
  double: ORDERED,
  decimal: ORDERED,
  date: ORDERED,
  timestamp: ORDERED,
  json: ['is_null', 'is_not_null'],
};

/** Bounds keeping a hostile or runaway filter from exhausting the stack or producing huge SQL. */
export const MAX_FILTER_DEPTH = 32;
export const MAX_FILTER_NODES = 1000;
export const MAX_IN_VALUES = 10_000;

function readLiteral(r: DocumentReader, path: Path, v: unknown): FilterLiteral | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return r.fail(path, `expected a finite value, got ${describeValue(v)}`);
    return v;
  }
  if (v === null) return r.fail(path, 'null is not a value to compare with; use op is_null or is_not_null');
  return r.fail(path, `expected a string, number or boolean, got ${describeValue(v)}`);
}

const PLACEHOLDER: RowFilter = { and: [] };

/** Reads the structure of a filter (no contract needed); type checking is `checkFilter`'s job. */
export function readRowFilter(r: DocumentReader, path: Path, v: unknown): RowFilter | undefined {
  const counter = { nodes: 0 };
  return readNode(r, path, v, 0, counter);
}

function readNode(r: DocumentReader, path: Path, v: unknown, depth: number, counter: { nodes: number }): RowFilter | undefined {
  if (depth > MAX_FILTER_DEPTH) return r.fail(path, `filter is nested deeper than ${MAX_FILTER_DEPTH} levels`);
  if (++counter.nodes > MAX_FILTER_NODES) {
    return counter.nodes === MAX_FILTER_NODES + 1 ? r.fail(path, `filter has more than ${MAX_FILTER_NODES} nodes`) : undefined;
  }
  if (!isPlainObject(v)) return r.fail(path, `expected a filter mapping (and/or/not, or field+op), got ${describeValue(v)}`);
  const combinators = (['and', 'or', 'not'] as const).filter((k) => k in v);
  if (combinators.length > 0) {
    if (combinators.length > 1 || Object.keys(v).length > 1) {
      return r.fail(path, `a combinator node holds exactly one of and/or/not and nothing else; found keys ${Object.keys(v).join(', ')}`);
    }
    const k = combinators[0];
    // A bad child is replaced by a neutral placeholder so the siblings keep their index and are still
    // type-checked: the author sees every problem in one pass. The issue already recorded guarantees
    // that a tree holding a placeholder is never accepted.
    if (k === 'not') {
      if (v.not === undefined) return r.fail([...path, 'not'], 'is required but missing');
      return { not: readNode(r, [...path, 'not'], v.not, depth + 1, counter) ?? PLACEHOLDER };
    }
    const items = r.list([...path, k], v[k], 1);
    if (!items) return undefined;
    const out = items.map((item, i) => readNode(r, [...path, k, i], item, depth + 1, counter) ?? PLACEHOLDER);
    return k === 'and' ? { and: out } : { or: out };
  }
  if (!('op' in v) && !('field' in v)) {
    return r.fail(path, `expected and/or/not or a comparison with field and op; found keys ${Object.keys(v).join(', ') || '(none)'}`);
  }
  const op = r.oneOf([...path, 'op'], v.op, FILTER_OPS);
  if (v.op === undefined) r.fail([...path, 'op'], 'is required but missing');
  if (op === undefined) {
    // Still report a missing field so one pass shows both problems.
    if (v.field === undefined) r.fail([...path, 'field'], 'is required but missing');
    return undefined;
  }
  const operand: Record<FilterOp, readonly string[]> = {
    eq: ['value'],
    ne: ['value'],
    lt: ['value'],
    le: ['value'],
    gt: ['value'],
    ge: ['value'],
    prefix: ['value'],
    in: ['values'],
    not_in: ['values'],
    between: ['low', 'high'],
    is_null: [],
    is_not_null: [],
  };
  const obj = r.object(path, v, { required: ['field', 'op', ...operand[op]] });
  if (!obj) return undefined;
  const field = r.string([...path, 'field'], obj.field, { pattern: /^[a-z_][a-z0-9_]*$/, patternHint: 'a contract field name' });
  switch (op) {
    case 'is_null':
    case 'is_not_null':
      return field === undefined ? undefined : { field, op };
    case 'in':
    case 'not_in': {
      const items = r.list([...path, 'values'], obj.values, 1);
      if (!items) return undefined;
      if (items.length > MAX_IN_VALUES) return r.fail([...path, 'values'], `lists ${items.length} values; at most ${MAX_IN_VALUES}`);
      const values: FilterLiteral[] = [];
      let bad = false;
      items.forEach((item, i) => {
        const lit = readLiteral(r, [...path, 'values', i], item);
        if (lit === undefined) bad = true;
        else values.push(lit);
      });
      return field === undefined || bad ? undefined : { field, op, values };
    }
    case 'between': {
      const low = readLiteral(r, [...path, 'low'], obj.low);
      const high = readLiteral(r, [...path, 'high'], obj.high);
      return field === undefined || low === undefined || high === undefined ? undefined : { field, op, low, high };
    }
    case 'prefix': {
      const value = r.string([...path, 'value'], obj.value, { allowEmpty: true });
      return field === undefined || value === undefined ? undefined : { field, op, value };
    }
    default: {
      const value = readLiteral(r, [...path, 'value'], obj.value);
      return field === undefined || value === undefined ? undefined : { field, op, value };
    }
  }
}
