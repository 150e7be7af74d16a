import { Client } from 'pg';
import { Tuple } from '../../libs/pgoutput';
import { ChangeEvent } from './changeEvent';
import { ContractBinding } from './contractBinding';

export interface SnapshotProgress {
  entity: string;
  rows: number;
  done: boolean;
}

/**
 * Reads a table inside an already imported snapshot, in primary-key order and chunks, and turns each
 * row into an 'r' event at position (consistent point − 1, n): older than every change the slot will
 * stream, newer than every commit the snapshot saw, so consumers keep whichever is newer per key.
 * Values are fetched as text so the same contract binding parses them as the stream's.
 */
export async function* snapshotTable(
  db: Client,
  binding: ContractBinding,
  consistentPoint: bigint,
  ministry: string,
  /** When the snapshot was read (µs): agreements in force at that time govern these rows. */
  snapshotTs: number,
  chunkRows = 5000,
): AsyncGenerator<ChangeEvent[]> {
  const rel = binding.relation;
  const cols = rel.columns.map((c) => `"${c.name.replace(/"/g, '""')}"`).join(', ');
  const table = `"${rel.namespace.replace(/"/g, '""')}"."${rel.name.replace(/"/g, '""')}"`;
  const lsn = consistentPoint - 1n;
  let after = '00000000-0000-0000-0000-000000000000';
  let n = 0;
  let first = true;
  for (;;) {
    const r = await db.query<string[]>({
      text: `SELECT ${cols} FROM ${table} WHERE id ${first ? '>=' : '>'} $1 ORDER BY id LIMIT ${chunkRows}`,
      values: [after],
      rowMode: 'array',
      // The server's text output, unparsed: the same form pgoutput sends (a ::text cast would not be:
      // booleans would read 'true' instead of 't').
      types: { getTypeParser: () => (v: string) => v },
    });
    first = false;
    if (r.rows.length === 0) return;
    const events: ChangeEvent[] = r.rows.map((row) => {
      const tuple = Tuple.fromValues(row);
      const id = binding.keyOf(tuple);
      return {
        entity: binding.contract.entity,
        id,
        value: binding.encodeValue(tuple, null, lsn),
        meta: { op: 'r', position: { lsn, index: n++ }, xid: 0, commitTs: snapshotTs, ministry, entity: binding.contract.entity },
      };
    });
    after = events[events.length - 1].id;
    yield events;
    if (r.rows.length < chunkRows) return;
  }
}
