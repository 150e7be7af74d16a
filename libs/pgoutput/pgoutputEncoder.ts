import type { Lsn } from './lsn';
import type { PgoutputMessage, ReplicaIdentity } from './pgoutputMessages';
import { COLUMN, Tuple } from './tuple';

const PG_EPOCH_MICROS = 946_684_800_000_000n;
const IDENTITY_CHAR: Record<ReplicaIdentity, string> = { default: 'd', nothing: 'n', full: 'f', index: 'i' };

class Writer {
  private parts: Buffer[] = [];
  u8(v: number): this {
    this.parts.push(Buffer.from([v]));
    return this;
  }
  char(c: string): this {
    return this.u8(c.charCodeAt(0));
  }
  i16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  lsn(v: Lsn): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(v);
    this.parts.push(b);
    return this;
  }
  time(unixMicros: bigint): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(unixMicros - PG_EPOCH_MICROS);
    this.parts.push(b);
    return this;
  }
  cstring(s: string): this {
    this.parts.push(Buffer.from(s, 'utf8'), Buffer.from([0]));
    return this;
  }
  bytes(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  xid(x: number | null): this {
    return x === null ? this : this.u32(x);
  }
  tuple(t: Tuple): this {
    this.i16(t.length);
    for (let i = 0; i < t.length; i++) {
      const kind = t.kind(i);
      if (kind === COLUMN.null) this.char('n');
      else if (kind === COLUMN.unchanged) this.char('u');
      else
        this.char(kind === COLUMN.text ? 't' : 'b')
          .i32(t.end(i) - t.start(i))
          .bytes(t.bytes.subarray(t.start(i), t.end(i)));
    }
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const EMPTY_TUPLE = Tuple.fromValues([]);
const ns = (n: string): string => (n === 'pg_catalog' ? '' : n);

/**
 * Writes pgoutput messages byte for byte as a walsender does, so code that consumes the decoder's
 * output (the CDC producer, benchmarks) can be tested without a server. A message's xid is written
 * when it is non-null, as inside a streamed block.
 */
export function encodePgoutput(m: PgoutputMessage): Buffer {
  const w = new Writer();
  switch (m.tag) {
    case 'begin':
      return w.char('B').lsn(m.finalLsn).time(m.commitTime).u32(m.xid).done();
    case 'commit':
      return w.char('C').u8(m.flags).lsn(m.commitLsn).lsn(m.endLsn).time(m.commitTime).done();
    case 'origin':
      return w.char('O').lsn(m.originLsn).cstring(m.name).done();
    case 'relation': {
      const r = m.relation;
      w.char('R').xid(m.xid).u32(r.oid).cstring(ns(r.namespace)).cstring(r.name).char(IDENTITY_CHAR[r.replicaIdentity]).i16(r.columns.length);
      for (const c of r.columns) w.u8(c.flags).cstring(c.name).u32(c.typeOid).i32(c.typeMod);
      return w.done();
    }
    case 'type':
      return w.char('Y').xid(m.xid).u32(m.typeOid).cstring(ns(m.namespace)).cstring(m.name).done();
    case 'insert':
      return w.char('I').xid(m.xid).u32(m.relation.oid).char('N').tuple(m.newTuple).done();
    case 'update':
      w.char('U').xid(m.xid).u32(m.relation.oid);
      if (m.keyTuple) w.char('K').tuple(m.keyTuple);
      else if (m.oldTuple) w.char('O').tuple(m.oldTuple);
      return w.char('N').tuple(m.newTuple).done();
    case 'delete':
      w.char('D').xid(m.xid).u32(m.relation.oid);
      if (m.keyTuple) return w.char('K').tuple(m.keyTuple).done();
      return w
        .char('O')
        .tuple(m.oldTuple ?? EMPTY_TUPLE)
        .done();
    case 'truncate':
      w.char('T')
        .xid(m.xid)
        .i32(m.relations.length)
        .u8((m.cascade ? 1 : 0) | (m.restartIdentity ? 2 : 0));
      for (const r of m.relations) w.u32(r.oid);
      return w.done();
    case 'message':
      return w
        .char('M')
        .xid(m.xid)
        .u8(m.transactional ? 1 : 0)
        .lsn(m.lsn)
        .cstring(m.prefix)
        .i32(m.content.length)
        .bytes(m.content)
        .done();
    case 'streamStart':
      return w
        .char('S')
        .u32(m.xid)
        .u8(m.firstSegment ? 1 : 0)
        .done();
    case 'streamStop':
      return w.char('E').done();
    case 'streamCommit':
      return w.char('c').u32(m.xid).u8(m.flags).lsn(m.commitLsn).lsn(m.endLsn).time(m.commitTime).done();
    case 'streamAbort':
      return w.char('A').u32(m.xid).u32(m.subXid).done();
  }
}

/** Wraps a pgoutput payload in an XLogData ('w') frame. */
export function encodeXLogData(dataStart: Lsn, walEnd: Lsn, sendTimeUnixMicros: bigint, payload: Buffer): Buffer {
  const h = Buffer.allocUnsafe(25);
  h[0] = 0x77;
  h.writeBigUInt64BE(dataStart, 1);
  h.writeBigUInt64BE(walEnd, 9);
  h.writeBigInt64BE(sendTimeUnixMicros - PG_EPOCH_MICROS, 17);
  return Buffer.concat([h, payload]);
}

/** A primary keepalive ('k') frame. */
export function encodeKeepalive(walEnd: Lsn, sendTimeUnixMicros: bigint, replyRequested: boolean): Buffer {
  const b = Buffer.allocUnsafe(18);
  b[0] = 0x6b;
  b.writeBigUInt64BE(walEnd, 1);
  b.writeBigInt64BE(sendTimeUnixMicros - PG_EPOCH_MICROS, 9);
  b[17] = replyRequested ? 1 : 0;
  return b;
}
