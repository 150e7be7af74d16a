/**
 * Total order of source changes: (commit LSN, index of the change within its transaction). Several
 * changes share one commit LSN (multi-row statements, COPY), so the LSN alone cannot order or
 * deduplicate them — the mistake behind Debezium's lost/duplicated events on restart.
 */
export interface SourcePosition {
  lsn: bigint;
  index: number;
}

export function comparePositions(a: SourcePosition, b: SourcePosition): number {
  if (a.lsn !== b.lsn) return a.lsn < b.lsn ? -1 : 1;
  return a.index - b.index;
}

// One LSN text form for the whole project: the replication library's (pg_lsn's own format).
export { formatLsn, parseLsn } from '../pgoutput/lsn';
