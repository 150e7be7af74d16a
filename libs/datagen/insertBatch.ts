import type { ClientBase } from 'pg';
import { EXCHANGED_TABLES, type ExchangedTable } from '../model/exchangedTables';
import { TABLE_COLUMNS } from '../model/tableColumns';
import type { RowSink, TableRow } from './tableRow';

/**
 * Rows of one small change (a new person with their case, say) written with parameterised
 * multi-row INSERTs, parents first, inside the caller's transaction. Used by the live workload,
 * where transactions are small and COPY's per-statement overhead would dominate.
 */
export class InsertBatch implements RowSink {
  private readonly rows = new Map<ExchangedTable, Record<string, unknown>[]>();

  add<T extends ExchangedTable>(table: T, row: TableRow<T>): void {
    let list = this.rows.get(table);
    if (!list) {
      list = [];
      this.rows.set(table, list);
    }
    list.push(row as unknown as Record<string, unknown>);
  }

  get rowCount(): number {
    let n = 0;
    for (const list of this.rows.values()) n += list.length;
    return n;
  }

  /** Ids of the rows per table (for undoing the change later). */
  idsByTable(): Map<ExchangedTable, string[]> {
    return new Map([...this.rows].map(([t, list]) => [t, list.map((r) => r.id as string)]));
  }

  async writeTo(client: ClientBase): Promise<number> {
    let written = 0;
    for (const table of EXCHANGED_TABLES) {
      const list = this.rows.get(table);
      if (!list || list.length === 0) continue;
      const columns = TABLE_COLUMNS[table] as readonly string[];
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const row of list) {
        const slots: string[] = [];
        for (const c of columns) {
          const v = row[c];
          params.push(v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
          slots.push(`$${params.length}`);
        }
        tuples.push(`(${slots.join(', ')})`);
      }
      const res = await client.query(`INSERT INTO thahs.${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
      written += res.rowCount ?? 0;
    }
    return written;
  }
}
