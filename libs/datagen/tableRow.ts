import type { ExchangedTable } from '../model/exchangedTables';
import type { EntityByTable } from '../model/entities';

/**
 * A row as writers produce it: the entity's columns with instants already formatted as ISO-8601
 * strings (what COPY and INSERT parameters take), nothing optional, nothing extra.
 */
type Wire<T> = T extends Date ? string : T;
export type WireRow<E> = { -readonly [K in keyof E]: Wire<E[K]> };
export type TableRow<T extends ExchangedTable> = WireRow<EntityByTable[T]>;

/** Where generated rows go: a COPY batch for `seed`, INSERT statements for `workload`. */
export interface RowSink {
  add<T extends ExchangedTable>(table: T, row: TableRow<T>): void;
}
