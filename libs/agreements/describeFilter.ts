import type { EntityContract, FieldKind } from '../contracts/contractTypes';
import type { FilterLiteral, RowFilter } from './rowFilter';

/** Languages the catalogue states filters in: Vietnamese for operators, English beside it. */
export type FilterLanguage = 'vi' | 'en';

interface Words {
  and: string;
  or: string;
  not: string;
  isNull: string;
  isNotNull: string;
  startsWith: string;
  everyRow: string;
  noRow: string;
}

const WORDS: Readonly<Record<FilterLanguage, Words>> = {
  vi: {
    and: 'VÀ',
    or: 'HOẶC',
    not: 'KHÔNG',
    isNull: 'rỗng',
    isNotNull: 'không rỗng',
    startsWith: 'bắt đầu bằng',
    everyRow: 'mọi bản ghi (không lọc)',
    noRow: 'không bản ghi nào',
  },
  en: {
    and: 'AND',
    or: 'OR',
    not: 'NOT',
    isNull: 'is null',
    isNotNull: 'is not null',
    startsWith: 'starts with',
    everyRow: 'every row (no filter)',
    noRow: 'no row',
  },
};

const SYMBOLS = { eq: '=', ne: '≠', lt: '<', le: '≤', gt: '>', ge: '≥' } as const;

/** Text kinds: only there can a literal be mistaken for another kind's, so only there is it quoted. */
const TEXT_KINDS: ReadonlySet<FieldKind> = new Set(['string', 'uuid']);
const BARE = /^[\p{L}\p{N}_.:+-]+$/u;
const LOOKS_TYPED = /^(?:true|false|[+-]?\d+(?:\.\d+)?)$/;

/**
 * A row filter stated in words, as the catalogue shows it to operators and reviewers: the operators
 * of docs/agreements.md §2 as symbols (=, ≠, <, ≤, >, ≥, ∈, ∉), combinators in capitals, nested
 * combinations in parentheses, literals as the author wrote them. Without a filter, every row is shared.
 *
 * Given the entity's contract, a literal of a text field is quoted when it could otherwise be read as
 * something else (spaces, punctuation, a number, true/false, the empty string); without it every
 * string literal is treated as text. Pure: the same filter always reads the same.
 */
export function describeFilter(filter: RowFilter | undefined, language: FilterLanguage, contract?: EntityContract): string {
  const w = WORDS[language];
  if (filter === undefined) return w.everyRow;
  const kinds = new Map<string, FieldKind>(contract?.fields.map((f) => [f.name, f.kind]) ?? []);
  const literal = (field: string, v: FilterLiteral): string => {
    if (typeof v !== 'string') return String(v);
    const kind = kinds.get(field) ?? 'string';
    if (TEXT_KINDS.has(kind) && (!BARE.test(v) || LOOKS_TYPED.test(v))) return JSON.stringify(v);
    return v;
  };
  const node = (f: RowFilter, nested: boolean): string => {
    if ('and' in f || 'or' in f) {
      const items = 'and' in f ? f.and : f.or;
      if (items.length === 0) return 'and' in f ? w.everyRow : w.noRow;
      if (items.length === 1) return node(items[0], nested);
      const text = items.map((i) => node(i, true)).join(` ${'and' in f ? w.and : w.or} `);
      return nested ? `(${text})` : text;
    }
    if ('not' in f) return `${w.not} (${node(f.not, false)})`;
    switch (f.op) {
      case 'is_null':
        return `${f.field} ${w.isNull}`;
      case 'is_not_null':
        return `${f.field} ${w.isNotNull}`;
      case 'in':
      case 'not_in':
        return `${f.field} ${f.op === 'in' ? '∈' : '∉'} {${f.values.map((v) => literal(f.field, v)).join(', ')}}`;
      case 'between':
        return `${literal(f.field, f.low)} ≤ ${f.field} ≤ ${literal(f.field, f.high)}`;
      case 'prefix':
        // Always quoted: the prefix is a piece of text, possibly empty or ending in a space.
        return `${f.field} ${w.startsWith} ${JSON.stringify(f.value)}`;
      default:
        return `${f.field} ${SYMBOLS[f.op]} ${literal(f.field, f.value)}`;
    }
  };
  return node(filter, false);
}
