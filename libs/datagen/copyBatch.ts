import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { once } from 'events';
import { finished } from 'stream/promises';
import { COLUMN_CODE_LISTS } from '../model/codes';
import { EXCHANGED_TABLES, type ExchangedTable } from '../model/exchangedTables';
import { TABLE_COLUMNS } from '../model/tableColumns';
import { copyValue, escapeCopyText } from './copyText';
import type { RowSink, TableRow } from './tableRow';

/**
 * A batch of generated rows kept as COPY text per table, written in dependency order (parents
 * first) inside the caller's transaction.
 *
 * Each value is written straight into a growing byte buffer as it arrives: ids, codes, dates and
 * numbers as Latin-1 (they are ASCII), free text as UTF-8. Concatenating row strings and converting
 * them afterwards cost more than generating the data (every `+=` allocates a rope node, the ropes
 * are flattened again on conversion, and one Vietnamese letter makes a whole chunk two bytes per
 * character); a batch also holds a few large buffers instead of many objects for the garbage
 * collector to trace.
 */

/**
 * Columns whose values are ids, codes, dates, instants or digit strings: they cannot contain the
 * characters COPY escapes (a malformed value would fail the COPY, not corrupt it), so the encoder
 * skips the escape scan for them.
 */
const PLAIN = /(^id$|_id$|_at$|_date$|_vnd$|^ministry$|^valid_|^suspension_|_until$|_deadline$|^date_of_birth$|^dob_precision$|^national_id$|^nationality$)/;

interface TableLayout {
  columns: readonly string[];
  plain: readonly boolean[];
  /**
   * One getter per column: each reads a single fixed property name, so its property access stays
   * monomorphic instead of one shared `row[column]` lookup seeing every column of every table.
   */
  getters: readonly ((row: Record<string, unknown>) => unknown)[];
}

const LAYOUTS = new Map<string, TableLayout>(
  EXCHANGED_TABLES.map((t) => {
    const codes = COLUMN_CODE_LISTS[t] ?? {};
    const columns = TABLE_COLUMNS[t] as readonly string[];
    return [t, { columns, plain: columns.map((c) => PLAIN.test(c) || c in codes), getters: columns.map((c) => (row: Record<string, unknown>) => row[c]) }];
  }),
);

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;
const LETTER_N = 78;

class TableBuffer {
  buf = Buffer.allocUnsafe(256 * 1024);
  used = 0;
  rows = 0;

  ensure(extra: number): void {
    if (this.used + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.used + extra, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.used++] = b;
  }

  /** ASCII text (ids, codes, dates, numbers): one byte per character. */
  ascii(s: string): void {
    this.ensure(s.length);
    this.used += this.buf.write(s, this.used, 'latin1');
  }

  /** Free text already escaped for COPY. */
  text(s: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.ensure(s.length * 3);
    this.used += this.buf.write(s, this.used, 'utf8');
  }
}

export class CopyBatch implements RowSink {
  private readonly tables = new Map<ExchangedTable, TableBuffer>();
  private total = 0;

  add<T extends ExchangedTable>(table: T, row: TableRow<T>): void {
    const { columns, plain, getters } = LAYOUTS.get(table) as TableLayout;
    const r = row as unknown as Record<string, unknown>;
    let tb = this.tables.get(table);
    if (!tb) {
      tb = new TableBuffer();
      this.tables.set(table, tb);
    }
    for (let i = 0; i < getters.length; i++) {
      if (i > 0) tb.byte(TAB);
      const v = (getters[i] as (row: Record<string, unknown>) => unknown)(r);
      if (typeof v === 'string') {
        if (plain[i]) tb.ascii(v);
        else tb.text(escapeCopyText(v));
      } else if (v === null || v === undefined) {
        tb.byte(BACKSLASH);
        tb.byte(LETTER_N);
      } else if (typeof v === 'number' || typeof v === 'boolean') tb.ascii(copyValue(v, table, columns[i] as string));
      else tb.text(copyValue(v, table, columns[i] as string));
    }
    tb.byte(NEWLINE);
    tb.rows += 1;
    this.total += 1;
  }

  get rowCount(): number {
    return this.total;
  }

  countsByTable(): ReadonlyMap<ExchangedTable, number> {
    return new Map([...this.tables].map(([t, b]) => [t, b.rows]));
  }

  /** The encoded rows, parents first, detached from this batch (it can be sent to another thread). */
  toPayload(): CopyPayload {
    const parts: CopyTablePart[] = [];
    for (const table of EXCHANGED_TABLES) {
      const tb = this.tables.get(table);
      if (tb && tb.rows > 0) parts.push({ table, data: tb.buf.subarray(0, tb.used), rows: tb.rows });
    }
    return { parts, rows: this.total };
  }

  /** COPYs every table, parents first, on `client` (inside the caller's transaction). */
  writeTo(client: ClientBase): Promise<void> {
    return writeCopyPayload(client, this.toPayload());
  }
}

export interface CopyTablePart {
  table: ExchangedTable;
  /** COPY text of `rows` rows. */
  data: Uint8Array;
  rows: number;
}

export interface CopyPayload {
  /** In dependency order (parents first). */
  parts: CopyTablePart[];
  rows: number;
}

/** COPYs a payload, table by table in its order, on `client` (inside the caller's transaction). */
export async function writeCopyPayload(client: ClientBase, payload: CopyPayload): Promise<void> {
  for (const part of payload.parts) {
    const columns = TABLE_COLUMNS[part.table].join(', ');
    const stream = client.query(copyFrom(`COPY thahs.${part.table} (${columns}) FROM STDIN`));
    const done = finished(stream);
    const slice = 1 << 20;
    for (let off = 0; off < part.data.length; off += slice) {
      if (!stream.write(part.data.subarray(off, Math.min(part.data.length, off + slice)))) await Promise.race([once(stream, 'drain'), done]);
    }
    stream.end();
    await done;
  }
}
