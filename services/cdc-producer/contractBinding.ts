import { EntityContract } from '../../libs/contracts/contractTypes';
import { COLUMN, Lsn, Relation, Tuple } from '../../libs/pgoutput';
import { ContractDriftError } from './cdcErrors';
import { columnTypeMaps } from './columnValueParser';
import { EventEncoder } from './eventEncoder';
import { RowEncoder } from './rowEncoder';

/**
 * A table's columns mapped onto its published contract. Built on start and again on every Relation
 * message, so a column dropped or retyped under the producer stops the table instead of silently
 * publishing nulls; columns the contract does not name are never published.
 */
export class ContractBinding {
  private readonly idColumn: number;
  private readonly row: RowEncoder;

  constructor(
    readonly ministry: string,
    readonly contract: EntityContract,
    readonly relation: Relation,
    encoder: EventEncoder,
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
    this.row = new RowEncoder(ministry, contract, new Map([...byName].map(([name, c]) => [name, c.i])), encoder.valueType, encoder.valueSchemaId);
  }

  /** The row's key (the uuid primary key), from the new tuple or the replica-identity tuple. */
  keyOf(tuple: Tuple): string {
    if (tuple.kind(this.idColumn) !== COLUMN.text) throw new ContractDriftError(this.ministry, this.contract.entity, 'id', 'the key is not present in the change');
    return tuple.text(this.idColumn);
  }

  /** The row's Avro value in wire format, as the contract publishes it (see RowEncoder). */
  encodeValue(newTuple: Tuple, oldTuple: Tuple | null, lsn: Lsn): Buffer {
    return this.row.encode(newTuple, oldTuple, lsn);
  }
}
