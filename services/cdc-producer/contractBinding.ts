import type { Type } from 'avsc';
import { EntityContract } from '../../libs/contracts/contractTypes';
import type { FieldSealer } from '../../libs/field-encryption';
import { COLUMN, Relation, Tuple } from '../../libs/pgoutput';
import { ContractDriftError } from './cdcErrors';
import { columnTypeMaps } from './columnValueParser';
import { RowEncoder } from './rowEncoder';

/**
 * A table's columns mapped onto its published contract. Built on start and again on every Relation
 * message, so a column dropped or retyped under the producer stops the table instead of silently
 * publishing nulls. Every contract field must map, whatever an agreement shares of it: agreements
 * change, the contract is what the table promises. Columns the contract does not name are never
 * published.
 */
export class ContractBinding {
  private readonly idColumn: number;
  /** Column index of each contract field in the table. */
  readonly columns: ReadonlyMap<string, number>;

  constructor(
    readonly ministry: string,
    readonly contract: EntityContract,
    readonly relation: Relation,
  ) {
    const byName = new Map(relation.columns.map((c, i) => [c.name, { col: c, i }]));
    for (const f of contract.fields) {
      const found = byName.get(f.name);
      if (!found) throw new ContractDriftError(ministry, contract.entity, f.name, 'the contract field has no column in the table');
      if (!columnTypeMaps(f.kind, found.col.typeOid)) {
        throw new ContractDriftError(ministry, contract.entity, f.name, `column type oid ${found.col.typeOid} cannot map to contract kind ${f.kind}`);
      }
    }
    const id = byName.get('id');
    if (!id) throw new ContractDriftError(ministry, contract.entity, 'id', 'the key column is missing');
    this.idColumn = id.i;
    this.columns = new Map([...byName].map(([name, c]) => [name, c.i]));
  }

  /** The row's key (the uuid primary key), from the new tuple or the replica-identity tuple. */
  keyOf(tuple: Tuple): string {
    if (tuple.kind(this.idColumn) !== COLUMN.text) throw new ContractDriftError(this.ministry, this.contract.entity, 'id', 'the key is not present in the change');
    return tuple.text(this.idColumn);
  }

  /** Writes values of `projected` (a projection of this contract, see libs/contracts projectContract) from this table's rows. */
  encoder(projected: EntityContract, valueType: Type, valueSchemaId: number, sealer?: FieldSealer): RowEncoder {
    return new RowEncoder(this.ministry, projected, this.columns, valueType, valueSchemaId, sealer);
  }
}
