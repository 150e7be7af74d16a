import type { CanonicalValue, CompiledEntityShare } from '../../libs/agreements';
import type { EntityContract } from '../../libs/contracts/contractTypes';
import { COLUMN, formatLsn, type Lsn, type Tuple } from '../../libs/pgoutput';
import { ContractDriftError } from './cdcErrors';
import { parserFor, ValueFormatError, type ValueParser } from './columnValueParser';

interface FilterColumn {
  name: string;
  column: number;
  parse: ValueParser;
}

/**
 * Whether a row image lies inside an agreement's row filter, read straight from the row's pgoutput
 * bytes: only the fields the filter reads are parsed (into the canonical form the compiled predicate
 * takes, the same the receiver's copy of the predicate reads), so a row the filter leaves out costs a
 * field or two and is never encoded.
 */
export class RowScope {
  private readonly columns: readonly FilterColumn[];
  private readonly record: Record<string, CanonicalValue> = {};

  constructor(
    private readonly ministry: string,
    private readonly contract: EntityContract,
    private readonly share: CompiledEntityShare,
    /** Column index of each contract field in the table. */
    columnIndex: ReadonlyMap<string, number>,
  ) {
    this.columns = share.filterFields.map((name) => {
      const field = contract.fields.find((f) => f.name === name);
      const column = columnIndex.get(name);
      if (!field || column === undefined) throw new ContractDriftError(ministry, contract.entity, name, 'the field the agreement filters on has no column in the table');
      return { name, column, parse: parserFor(field.kind) };
    });
  }

  /** Every row is inside: the agreement does not filter this entity. */
  get everyRow(): boolean {
    return this.columns.length === 0;
  }

  /** Whether the row image (with unchanged TOAST values taken from the old image) is inside the filter. */
  contains(t: Tuple, old: Tuple | null, lsn: Lsn): boolean {
    if (this.columns.length === 0) return true;
    const r = this.record;
    for (const c of this.columns) {
      let src = t;
      let kind = src.kind(c.column);
      if (kind === COLUMN.unchanged && old) {
        src = old;
        kind = src.kind(c.column);
      }
      if (kind === COLUMN.null) r[c.name] = null;
      else if (kind === COLUMN.text) {
        try {
          r[c.name] = c.parse(src.text(c.column));
        } catch (err) {
          if (!(err instanceof ValueFormatError)) throw err;
          throw new ContractDriftError(this.ministry, this.contract.entity, c.name, `${err.message} in the field the agreement filters on`, formatLsn(lsn));
        }
      } else
        throw new ContractDriftError(this.ministry, this.contract.entity, c.name, 'the filtered value is not in the change (REPLICA IDENTITY FULL is required)', formatLsn(lsn));
    }
    return this.share.matches(r);
  }
}
