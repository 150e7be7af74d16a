import { EntityContract } from '../../libs/contracts/contractTypes';
import { Relation, TupleData, UNCHANGED_TOAST } from '../../libs/pgoutput';
import { ContractDriftError } from './cdcErrors';
import { CanonicalValue, columnTypeMaps, parserFor, ValueFormatError, ValueParser } from './columnValueParser';

export type CanonicalRecord = Record<string, CanonicalValue>;

interface BoundField {
  name: string;
  column: number;
  nullable: boolean;
  parse: ValueParser;
  symbols?: ReadonlySet<string>;
}

/**
 * A table's columns mapped onto its published contract. Built on start and again on every Relation
 * message, so a column dropped or retyped under the producer stops the table instead of silently
 * publishing nulls; columns the contract does not name are never published.
 */
export class ContractBinding {
  private readonly fields: BoundField[];
  private readonly idColumn: number;

  constructor(
    readonly ministry: string,
    readonly contract: EntityContract,
    readonly relation: Relation,
  ) {
    const byName = new Map(relation.columns.map((c, i) => [c.name, { col: c, i }]));
    this.fields = contract.fields.map((f) => {
      const found = byName.get(f.name);
      if (!found) throw new ContractDriftError(ministry, contract.entity, f.name, 'the contract field has no column in the table');
      if (!columnTypeMaps(f.kind, found.col.typeOid)) {
        throw new ContractDriftError(ministry, contract.entity, f.name, `column type oid ${found.col.typeOid} cannot map to contract kind ${f.kind}`);
      }
      return { name: f.name, column: found.i, nullable: f.nullable, parse: parserFor(f.kind), symbols: f.symbols ? new Set(f.symbols) : undefined };
    });
    const id = byName.get('id');
    if (!id) throw new ContractDriftError(ministry, contract.entity, 'id', 'the key column is missing');
    this.idColumn = id.i;
  }

  /** The row's key (the uuid primary key), from the new tuple or the replica-identity tuple. */
  keyOf(tuple: TupleData): string {
    const v = tuple[this.idColumn];
    if (typeof v !== 'string') throw new ContractDriftError(this.ministry, this.contract.entity, 'id', 'the key is not present in the change');
    return v;
  }

  /**
   * The row as the contract publishes it. An unchanged TOAST value is taken from the old row, which
   * REPLICA IDENTITY FULL supplies; without it the change cannot be published faithfully.
   */
  toRecord(newTuple: TupleData, oldTuple: TupleData | null, lsn: string): CanonicalRecord {
    const out: CanonicalRecord = {};
    for (const f of this.fields) {
      let v = newTuple[f.column];
      if (v === UNCHANGED_TOAST) {
        v = oldTuple ? oldTuple[f.column] : UNCHANGED_TOAST;
        if (v === UNCHANGED_TOAST) {
          throw new ContractDriftError(this.ministry, this.contract.entity, f.name, 'unchanged TOAST value without the old row (REPLICA IDENTITY FULL is required)', lsn);
        }
      }
      if (v === null) {
        if (!f.nullable) throw new ContractDriftError(this.ministry, this.contract.entity, f.name, 'null in a field the contract requires', lsn);
        out[f.name] = null;
        continue;
      }
      if (typeof v !== 'string') throw new ContractDriftError(this.ministry, this.contract.entity, f.name, 'binary tuple data is not expected', lsn);
      try {
        out[f.name] = f.parse(v);
      } catch (err) {
        if (err instanceof ValueFormatError) throw new ContractDriftError(this.ministry, this.contract.entity, f.name, err.message, lsn);
        throw err;
      }
      if (f.symbols && !f.symbols.has(v)) throw new ContractDriftError(this.ministry, this.contract.entity, f.name, `code "${v}" is not in the contract enum`, lsn);
    }
    return out;
  }
}
