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

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new RangeError(`not an LSN: "${text}"`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}
