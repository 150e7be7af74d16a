import { PgoutputDecodeError } from './errors';
import type { Lsn } from './lsn';

const PG_EPOCH_MS = 946_684_800_000;
const XLOG_DATA = 0x77; // w
const KEEPALIVE = 0x6b; // k
const STANDBY_STATUS = 0x72; // r

/** An XLogData frame header; the pgoutput message is `chunk[payloadOffset..]`. */
export interface XLogDataFrame {
  kind: 'xlogData';
  /** WAL position of the data (for pgoutput: the change's LSN, or a commit's end LSN). */
  dataStart: Lsn;
  /** Current end of WAL on the server. */
  walEnd: Lsn;
  /** Server clock, ms since the Unix epoch. */
  sendTimeMs: number;
  payloadOffset: number;
}

export interface KeepaliveFrame {
  kind: 'keepalive';
  walEnd: Lsn;
  sendTimeMs: number;
  replyRequested: boolean;
}

export type WalSenderFrame = XLogDataFrame | KeepaliveFrame;

/** Reads a signed int64 of µs since 2000-01-01 as ms since the Unix epoch, without a BigInt (exact until year 2285). */
function pgMicrosToMs(b: Buffer, offset: number): number {
  const us = b.readInt32BE(offset) * 4294967296 + b.readUInt32BE(offset + 4);
  return Math.floor(us / 1000) + PG_EPOCH_MS;
}

/** Reads one CopyData payload sent by a walsender during START_REPLICATION. */
export function parseWalSenderFrame(chunk: Buffer): WalSenderFrame {
  const kind = chunk.length > 0 ? chunk[0] : -1;
  if (kind === XLOG_DATA) {
    if (chunk.length < 26) throw new PgoutputDecodeError('w', 0, `XLogData frame of ${chunk.length} bytes is too short`);
    return {
      kind: 'xlogData',
      dataStart: chunk.readBigUInt64BE(1),
      walEnd: chunk.readBigUInt64BE(9),
      sendTimeMs: pgMicrosToMs(chunk, 17),
      payloadOffset: 25,
    };
  }
  if (kind === KEEPALIVE) {
    if (chunk.length < 18) throw new PgoutputDecodeError('k', 0, `keepalive frame of ${chunk.length} bytes is too short`);
    return {
      kind: 'keepalive',
      walEnd: chunk.readBigUInt64BE(1),
      sendTimeMs: pgMicrosToMs(chunk, 9),
      replyRequested: chunk[17] === 1,
    };
  }
  throw new PgoutputDecodeError(kind < 0 ? '?' : String.fromCharCode(kind), 0, 'unknown walsender frame type');
}

export interface StandbyStatus {
  /** Last WAL position received. */
  written: Lsn;
  /** Position the slot may advance to (confirmed_flush_lsn): only what the caller confirmed. */
  flushed: Lsn;
  applied: Lsn;
  nowMs: number;
  replyRequested: boolean;
}

/** The Standby Status Update ('r') a client sends to the walsender. */
export function encodeStandbyStatus(s: StandbyStatus): Buffer {
  const b = Buffer.allocUnsafe(34);
  b[0] = STANDBY_STATUS;
  b.writeBigUInt64BE(s.written, 1);
  b.writeBigUInt64BE(s.flushed, 9);
  b.writeBigUInt64BE(s.applied, 17);
  b.writeBigInt64BE((BigInt(Math.trunc(s.nowMs)) - BigInt(PG_EPOCH_MS)) * 1000n, 25);
  b[33] = s.replyRequested ? 1 : 0;
  return b;
}
