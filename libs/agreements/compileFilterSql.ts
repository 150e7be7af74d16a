import type { EntityContract } from '../contracts/contractTypes';
import { checkFilter, type CheckedFilter } from './checkFilter';
import { literalSqlParam, SQL_TYPE_BY_KIND, type CanonicalLiteral } from './filterLiterals';
import type { RowFilter } from './rowFilter';

export type SqlParam = string | number | boolean | readonly string[] | readonly number[] | readonly boolean[];

export interface CompiledSql {
  /** A boolean SQL expression (never NULL) for a WHERE clause; 'TRUE' when there is no filter. */
  sql: string;
  /** Values for $firstParamIndex, $firstParamIndex+1, ... in order. */
  params: SqlParam[];
}

export interface FilterSqlOptions {
  /** Qualifies every column, e.g. 't' gives "t"."national_id"; must be a plain SQL identifier. */
  tableAlias?: string;
}

/** Double-quotes an identifier; only ever applied to names taken from a contract or a checked alias. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The SQL equivalent of compileFilterPredicate over the provider's table (columns named like the
 * contract fields). Every literal is a parameter cast to the column's type; identifiers come only from
 * the contract. Each test is wrapped in COALESCE(…, false) so that a NULL column yields false rather
 * than SQL's unknown; NOT/AND/OR then see only true/false and agree with the JavaScript predicate on
 * every row. Text order uses COLLATE "C" (code point order), whatever the database's collation.
 */
export function compileFilterSql(filter: RowFilter | undefined, contract: EntityContract, firstParamIndex: number, options: FilterSqlOptions = {}): CompiledSql {
  checkSqlOptions(firstParamIndex, options);
  if (filter === undefined) return { sql: 'TRUE', params: [] };
  return compileCheckedSql(checkFilter(filter, contract), firstParamIndex, options);
}

function checkSqlOptions(firstParamIndex: number, options: FilterSqlOptions): void {
  if (!Number.isSafeInteger(firstParamIndex) || firstParamIndex < 1) {
    throw new RangeError(`firstParamIndex must be a whole number ≥ 1, got ${firstParamIndex}`);
  }
  if (options.tableAlias !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(options.tableAlias)) {
    throw new RangeError(`tableAlias ${JSON.stringify(options.tableAlias)} is not a plain SQL identifier`);
  }
}

export function compileCheckedSql(f: CheckedFilter, firstParamIndex: number, options: FilterSqlOptions = {}): CompiledSql {
  checkSqlOptions(firstParamIndex, options);
  const params: SqlParam[] = [];
  const prefix = options.tableAlias === undefined ? '' : `${quoteIdent(options.tableAlias)}.`;
  const bind = (value: SqlParam, type: string): string => {
    params.push(value);
    return `$${firstParamIndex + params.length - 1}::${type}`;
  };
  const emit = (n: CheckedFilter): string => {
    switch (n.kind) {
      case 'and':
      case 'or':
        if (n.items.length === 0) return n.kind === 'and' ? 'TRUE' : 'FALSE';
        return n.items.length === 1 ? emit(n.items[0]) : `(${n.items.map(emit).join(n.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${emit(n.item)})`;
      case 'null':
        return `(${prefix}${quoteIdent(n.field.name)} IS ${n.negated ? 'NOT ' : ''}NULL)`;
      default:
        break;
    }
    const kind = n.field.kind;
    const type = SQL_TYPE_BY_KIND[kind];
    // Code point order for text comparisons; equality is unaffected by the collation.
    const col = `${prefix}${quoteIdent(n.field.name)}${kind === 'string' ? ' COLLATE "C"' : ''}`;
    const lit = (v: CanonicalLiteral): string => bind(literalSqlParam(kind, v), type);
    switch (n.kind) {
      case 'prefix':
        return `COALESCE(starts_with(${col}, ${bind(n.value, 'text')}), false)`;
      case 'between':
        return `COALESCE(${col} BETWEEN ${lit(n.low)} AND ${lit(n.high)}, false)`;
      case 'member': {
        const values = n.values.map((v) => literalSqlParam(kind, v));
        const arr = bind(values as SqlParam, `${type}[]`);
        return n.negated ? `COALESCE(${col} <> ALL(${arr}), false)` : `COALESCE(${col} = ANY(${arr}), false)`;
      }
      case 'compare': {
        const op = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' }[n.op];
        return `COALESCE(${col} ${op} ${lit(n.value)}, false)`;
      }
    }
  };
  return { sql: emit(f), params };
}
