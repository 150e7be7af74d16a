import type { ContractField, EntityContract } from '../contracts/contractTypes';
import { AgreementValidationError } from './agreementValidationError';
import { compareLiterals, convertLiteral, formatLiteral, textProblem, type CanonicalLiteral } from './filterLiterals';
import { OPS_BY_KIND, type CompareOp, type RowFilter } from './rowFilter';
import { IssueCollector, type PathSegment } from './validationIssue';

/** A row filter type-checked against a contract, its literals in canonical form: the compilers' input. */
export type CheckedFilter =
  | { kind: 'and' | 'or'; items: readonly CheckedFilter[] }
  | { kind: 'not'; item: CheckedFilter }
  | { kind: 'compare'; field: ContractField; op: CompareOp; value: CanonicalLiteral }
  | { kind: 'member'; field: ContractField; negated: boolean; values: readonly CanonicalLiteral[] }
  | { kind: 'between'; field: ContractField; low: CanonicalLiteral; high: CanonicalLiteral }
  | { kind: 'null'; field: ContractField; negated: boolean }
  | { kind: 'prefix'; field: ContractField; value: string };

/**
 * Type-checks `filter` against `contract`, adding every problem to `issues` at its path under `base`.
 * Returns undefined when anything was wrong.
 */
export function checkFilterInto(filter: RowFilter, contract: EntityContract, issues: IssueCollector, base: readonly PathSegment[]): CheckedFilter | undefined {
  const before = issues.count;
  const fields = new Map(contract.fields.map((f) => [f.name, f]));
  const out = check(filter, contract, fields, issues, base);
  return issues.count === before ? out : undefined;
}

/** Same as `checkFilterInto`, throwing an AgreementValidationError listing every problem. */
export function checkFilter(filter: RowFilter, contract: EntityContract, base: readonly PathSegment[] = ['filter']): CheckedFilter {
  const issues = new IssueCollector();
  const out = checkFilterInto(filter, contract, issues, base);
  if (!out) throw new AgreementValidationError(issues.issues);
  return out;
}

function check(
  f: RowFilter,
  contract: EntityContract,
  fields: ReadonlyMap<string, ContractField>,
  issues: IssueCollector,
  path: readonly PathSegment[],
): CheckedFilter | undefined {
  if ('and' in f) return combine('and', f.and, contract, fields, issues, path);
  if ('or' in f) return combine('or', f.or, contract, fields, issues, path);
  if ('not' in f) {
    const item = check(f.not, contract, fields, issues, [...path, 'not']);
    return item && { kind: 'not', item };
  }
  const field = fields.get(f.field);
  if (!field) {
    issues.add([...path, 'field'], `unknown field "${f.field}" in the contract of ${contract.entity}; fields are: ${contract.fields.map((x) => x.name).join(', ')}`);
    return undefined;
  }
  const allowed = OPS_BY_KIND[field.kind];
  if (!allowed.includes(f.op)) {
    issues.add([...path, 'op'], `operator ${f.op} does not apply to ${field.name} (${field.kind}); allowed: ${allowed.join(', ')}`);
    return undefined;
  }
  const literal = (raw: Parameters<typeof convertLiteral>[1], at: readonly PathSegment[]): CanonicalLiteral | undefined => {
    const r = convertLiteral(field, raw);
    if (!r.ok) {
      issues.add(at, r.reason);
      return undefined;
    }
    return r.value;
  };
  switch (f.op) {
    case 'is_null':
    case 'is_not_null':
      if (!field.nullable) {
        issues.add([...path, 'op'], `${field.name} is not nullable in the contract, so ${f.op} is always ${f.op === 'is_null' ? 'false' : 'true'}`);
        return undefined;
      }
      return { kind: 'null', field, negated: f.op === 'is_not_null' };
    case 'in':
    case 'not_in': {
      const values: CanonicalLiteral[] = [];
      let ok = true;
      f.values.forEach((raw, i) => {
        const v = literal(raw, [...path, 'values', i]);
        if (v === undefined) ok = false;
        else values.push(v);
      });
      return ok ? { kind: 'member', field, negated: f.op === 'not_in', values } : undefined;
    }
    case 'between': {
      const low = literal(f.low, [...path, 'low']);
      const high = literal(f.high, [...path, 'high']);
      if (low === undefined || high === undefined) return undefined;
      if (compareLiterals(field.kind, low, high) > 0) {
        issues.add([...path, 'high'], `high ${formatLiteral(field.kind, high)} is below low ${formatLiteral(field.kind, low)}: the range is empty`);
        return undefined;
      }
      return { kind: 'between', field, low, high };
    }
    case 'prefix':
      {
        const problem = textProblem(f.value);
        if (problem) {
          issues.add([...path, 'value'], problem);
          return undefined;
        }
      }
      return { kind: 'prefix', field, value: f.value };
    default: {
      const value = literal(f.value, [...path, 'value']);
      return value === undefined ? undefined : { kind: 'compare', field, op: f.op, value };
    }
  }
}

function combine(
  kind: 'and' | 'or',
  items: readonly RowFilter[],
  contract: EntityContract,
  fields: ReadonlyMap<string, ContractField>,
  issues: IssueCollector,
  path: readonly PathSegment[],
): CheckedFilter | undefined {
  const out: CheckedFilter[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const c = check(item, contract, fields, issues, [...path, kind, i]);
    if (c) out.push(c);
    else ok = false;
  });
  return ok ? { kind, items: out } : undefined;
}
