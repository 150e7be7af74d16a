import type { EntityContract } from '../contracts/contractTypes';
import type { EntityShare } from './agreementDocument';
import { AgreementValidationError } from './agreementValidationError';
import { checkFilter, type CheckedFilter } from './checkFilter';
import { compileChecked, type CanonicalRecord, type CanonicalValue, type RecordPredicate } from './compileFilterPredicate';
import { compileCheckedSql, type CompiledSql, type FilterSqlOptions } from './compileFilterSql';

/** One entity of an agreement, ready for the hot path: row test, projection and the SQL twin of the test. */
export interface CompiledEntityShare {
  entity: string;
  fields: readonly string[];
  matches: RecordPredicate;
  /** Fields the row filter reads, in contract order (empty without a filter). */
  filterFields: readonly string[];
  /** A copy of the record holding only the agreed fields (missing ones as null). */
  project(record: CanonicalRecord): Record<string, CanonicalValue>;
  /** The row filter as SQL over the provider's table, parameters numbered from firstParamIndex. */
  whereSql(firstParamIndex: number, options?: FilterSqlOptions): CompiledSql;
}

export function compileEntityShare(share: EntityShare, contract: EntityContract): CompiledEntityShare {
  if (share.entity !== contract.entity) {
    throw new RangeError(`share is for ${share.entity}, contract is for ${contract.entity}`);
  }
  const known = new Set(contract.fields.map((f) => f.name));
  const unknown = share.fields.filter((f) => !known.has(f));
  if (unknown.length > 0) {
    throw new AgreementValidationError(unknown.map((f) => ({ path: 'fields', segments: ['fields'], message: `unknown field "${f}" in the contract of ${contract.entity}` })));
  }
  const checked = share.filter === undefined ? undefined : checkFilter(share.filter, contract);
  const matches: RecordPredicate = checked ? compileChecked(checked, contract.entity) : () => true;
  const fields = [...share.fields];
  const read = new Set<string>();
  if (checked) collectFields(checked, read);
  return {
    entity: share.entity,
    fields,
    matches,
    filterFields: contract.fields.filter((f) => read.has(f.name)).map((f) => f.name),
    project(record) {
      const out: Record<string, CanonicalValue> = {};
      for (const f of fields) out[f] = record[f] ?? null;
      return out;
    },
    whereSql(firstParamIndex, options = {}) {
      return checked ? compileCheckedSql(checked, firstParamIndex, options) : compileCheckedSql({ kind: 'and', items: [] }, firstParamIndex, options);
    },
  };
}

function collectFields(f: CheckedFilter, out: Set<string>): void {
  switch (f.kind) {
    case 'and':
    case 'or':
      for (const i of f.items) collectFields(i, out);
      return;
    case 'not':
      collectFields(f.item, out);
      return;
    default:
      out.add(f.field.name);
  }
}
