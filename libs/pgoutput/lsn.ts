/**
 * A WAL position (XLogRecPtr): an unsigned 64-bit byte offset. bigint keeps it exact; PostgreSQL's text
 * form is two hex halves, `16/B374D848`.
 */
export type Lsn = bigint;

/** A WAL position in text form that is not `XXXXXXXX/XXXXXXXX` hex. */
export class LsnFormatError extends Error {
  constructor(readonly text: string) {
    super(`invalid LSN ${JSON.stringify(text)}: expected two hex numbers separated by "/"`);
    this.name = 'LsnFormatError';
  }
}

export const INVALID_LSN: Lsn = 0n;
const MAX_LSN: Lsn = 0xffffffffffffffffn;
const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function parseLsn(text: string): Lsn {
  const m = LSN_TEXT.exec(text);
  if (!m) throw new LsnFormatError(text);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

// Every change of a transaction carries its commit LSN, and each event formats it more than once
// (event id, error context): remembering the last one spares BigInt shifts and string building per event.
let lastLsn: Lsn = -1n;
let lastText = '';

/** Same form as PostgreSQL's pg_lsn output (`%X/%X`: upper case, no zero padding). */
export function formatLsn(lsn: Lsn): string {
  if (lsn === lastLsn) return lastText;
  if (lsn < 0n || lsn > MAX_LSN) throw new RangeError(`LSN out of range: ${lsn}`);
  const hi = Number(lsn >> 32n);
  const lo = Number(lsn & 0xffffffffn);
  lastText = `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
  lastLsn = lsn;
  return lastText;
}

export function compareLsn(a: Lsn, b: Lsn): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxLsn(a: Lsn, b: Lsn): Lsn {
  return a > b ? a : b;
}

export function isLsnText(text: string): boolean {
  return LSN_TEXT.test(text);
}
