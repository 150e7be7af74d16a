import type { ContractField, EntityContract } from '../contracts/contractTypes';
import { checkFilter, type CheckedFilter } from './checkFilter';
import { compareCodePoints } from './codePointOrder';
import { compareDecimalParts, formatDecimalParts, parseDecimalText, type DecimalParts } from './decimalText';
import { compareDouble, type CanonicalLiteral } from './filterLiterals';
import { FilterInputError } from './filterInputError';
import type { RowFilter } from './rowFilter';

/** A record in the project's canonical representation (see docs/agreements.md); missing means null. */
export type CanonicalValue = string | number | boolean | null;
export type CanonicalRecord = Readonly<Record<string, CanonicalValue | undefined>>;
export type RecordPredicate = (record: CanonicalRecord) => boolean;

/**
 * Compiles a row filter into a closure tree: no text is evaluated, literals are converted once, and
 * each record costs one pass over the tree. Semantics (shared exactly with compileFilterSql): a
 * comparison, membership, range or prefix test on a null field is false; is_null/is_not_null test
 * nullness; and/or/not are ordinary two-valued logic over those results, so `not` of a comparison on a
 * null field is true. No filter means every record matches.
 */
export function compileFilterPredicate(filter: RowFilter | undefined, contract: EntityContract): RecordPredicate {
  if (filter === undefined) return () => true;
  return compileChecked(checkFilter(filter, contract), contract.entity);
}

export function compileChecked(f: CheckedFilter, entity: string): RecordPredicate {
  switch (f.kind) {
    case 'and': {
      const items = f.items.map((i) => compileChecked(i, entity));
      return (r) => {
        for (const p of items) if (!p(r)) return false;
        return true;
      };
    }
    case 'or': {
      const items = f.items.map((i) => compileChecked(i, entity));
      return (r) => {
        for (const p of items) if (p(r)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileChecked(f.item, entity);
      return (r) => !inner(r);
    }
    case 'null': {
      const name = f.field.name;
      return f.negated ? (r) => r[name] !== null && r[name] !== undefined : (r) => r[name] === null || r[name] === undefined;
    }
    case 'prefix': {
      const read = reader(f.field, entity);
      const name = f.field.name;
      const prefix = f.value;
      return (r) => {
        const v = r[name];
        return v !== null && v !== undefined && (read(v) as string).startsWith(prefix);
      };
    }
    case 'member':
      return member(f.field, f.values, f.negated, entity);
    case 'between': {
      const cmp = comparator(f.field, entity);
      const name = f.field.name;
      const { low, high } = f;
      return (r) => {
        const v = r[name];
        return v !== null && v !== undefined && cmp(v, low) >= 0 && cmp(v, high) <= 0;
      };
    }
    case 'compare': {
      const name = f.field.name;
      const lit = f.value;
      if (f.op === 'eq' || f.op === 'ne') {
        const eq = equality(f.field, entity);
        return f.op === 'eq'
          ? (r) => {
              const v = r[name];
              return v !== null && v !== undefined && eq(v, lit);
            }
          : (r) => {
              const v = r[name];
              return v !== null && v !== undefined && !eq(v, lit);
            };
      }
      const cmp = comparator(f.field, entity);
      const test = { lt: (c: number) => c < 0, le: (c: number) => c <= 0, gt: (c: number) => c > 0, ge: (c: number) => c >= 0 }[f.op];
      return (r) => {
        const v = r[name];
        return v !== null && v !== undefined && test(cmp(v, lit));
      };
    }
  }
}

/** Validates the canonical form of a non-null record value and returns it as the kind's JS value. */
function reader(field: ContractField, entity: string): (v: string | number | boolean) => string | number | boolean | DecimalParts {
  const fail = (v: unknown): never => {
    throw new FilterInputError(entity, field.name, field.kind, v);
  };
  switch (field.kind) {
    case 'string':
    case 'enum':
    case 'json':
      return (v) => (typeof v === 'string' ? v : fail(v));
    case 'uuid':
      // PostgreSQL's uuid type ignores case, so the predicate must too.
      return (v) => (typeof v === 'string' ? v.toLowerCase() : fail(v));
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : fail(v));
    case 'double':
      return (v) => (typeof v === 'number' ? v : fail(v));
    case 'int':
    case 'long':
    case 'date':
    case 'timestamp':
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? v : fail(v));
    case 'decimal':
      return (v) => (typeof v === 'string' ? (parseDecimalText(v) ?? fail(v)) : fail(v));
  }
}

function comparator(field: ContractField, entity: string): (v: string | number | boolean, lit: CanonicalLiteral) => number {
  const read = reader(field, entity);
  switch (field.kind) {
    case 'decimal':
      return (v, lit) => compareDecimalParts(read(v) as DecimalParts, lit as DecimalParts);
    case 'string':
      return (v, lit) => compareCodePoints(read(v) as string, lit as string);
    case 'double':
      return (v, lit) => compareDouble(read(v) as number, lit as number);
    default:
      return (v, lit) => {
        const x = read(v) as number;
        const y = lit as number;
        return x < y ? -1 : x > y ? 1 : 0;
      };
  }
}

function equality(field: ContractField, entity: string): (v: string | number | boolean, lit: CanonicalLiteral) => boolean {
  if (field.kind === 'decimal' || field.kind === 'double') {
    const cmp = comparator(field, entity);
    return (v, lit) => cmp(v, lit) === 0;
  }
  const read = reader(field, entity);
  return (v, lit) => read(v) === lit;
}

function member(field: ContractField, values: readonly CanonicalLiteral[], negated: boolean, entity: string): RecordPredicate {
  const name = field.name;
  let contains: (v: string | number | boolean) => boolean;
  if (field.kind === 'decimal') {
    // The shortest text of a decimal is unique per value, so it can key a set.
    const set = new Set(values.map((lit) => formatDecimalParts(lit as DecimalParts)));
    const read = reader(field, entity);
    contains = (v) => set.has(formatDecimalParts(read(v) as DecimalParts));
  } else {
    // Set membership is SameValueZero: -0 equals 0 and NaN equals NaN, as in PostgreSQL float8.
    const set = new Set(values as readonly (string | number | boolean)[]);
    const read = reader(field, entity);
    contains = (v) => set.has(read(v) as string | number | boolean);
  }
  return negated
    ? (r) => {
        const v = r[name];
        return v !== null && v !== undefined && !contains(v);
      }
    : (r) => {
        const v = r[name];
        return v !== null && v !== undefined && contains(v);
      };
}
