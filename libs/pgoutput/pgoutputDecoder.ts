import { PgoutputDecodeError } from './errors';
import type { Lsn } from './lsn';
import {
  type BeginMessage,
  type CommitMessage,
  type DeleteMessage,
  type InsertMessage,
  type LogicalMessage,
  type MicrosSinceEpoch,
  type OriginMessage,
  type PgoutputMessage,
  type Relation,
  type RelationColumn,
  type RelationMessage,
  type ReplicaIdentity,
  type StreamAbortMessage,
  type StreamCommitMessage,
  type StreamStartMessage,
  type TruncateMessage,
  type TypeMessage,
  type UpdateMessage,
} from './pgoutputMessages';
import { RelationCache } from './relationCache';
import { COLUMN, Tuple } from './tuple';
import { utf8Text } from './utf8Text';

/** 2000-01-01T00:00:00Z in µs since the Unix epoch (PostgreSQL's timestamp epoch). */
const PG_EPOCH_MICROS = 946_684_800_000_000n;
const EMPTY = Buffer.alloc(0);
/** Span entries (kind, start, end per column) per shared slab: 64 KB, a few hundred row images. */
const SPAN_SLAB = 16_384;

const TAG = {
  begin: 0x42, // B
  commit: 0x43, // C
  origin: 0x4f, // O
  relation: 0x52, // R
  type: 0x59, // Y
  insert: 0x49, // I
  update: 0x55, // U
  delete: 0x44, // D
  truncate: 0x54, // T
  message: 0x4d, // M
  streamStart: 0x53, // S
  streamStop: 0x45, // E
  streamCommit: 0x63, // c
  streamAbort: 0x41, // A
} as const;

const KIND_TEXT = 0x74; // t
const KIND_BINARY = 0x62; // b
const KIND_NULL = 0x6e; // n
const KIND_UNCHANGED = 0x75; // u
const TUPLE_NEW = 0x4e; // N
const TUPLE_KEY = 0x4b; // K
const TUPLE_OLD = 0x4f; // O

const REPLICA_IDENTITY: Record<number, ReplicaIdentity> = {
  0x64: 'default', // d
  0x6e: 'nothing', // n
  0x66: 'full', // f
  0x69: 'index', // i
};

/**
 * Decodes pgoutput messages (protocol versions 1 and 2) straight from the XLogData payload, reading by
 * offset. Column values stay as the bytes pgoutput sent (a Tuple); mapping them to Avro is the caller's
 * job, by type oid.
 *
 * Stateful: it keeps the relation cache and whether it is inside a streamed block (v2), because messages
 * in such a block carry an xid that others do not. One decoder per replication session, fed in order.
 *
 * Everything returned is independent of the input buffer (strings, or copied Buffers for tuples and
 * logical-message content), since node-postgres reuses its receive buffer for later frames.
 */
export class PgoutputDecoder {
  readonly relations: RelationCache;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  private tag = 0;
  private streamXid: number | null = null;
  private spanSlab = new Int32Array(SPAN_SLAB);
  private spanAt = 0;

  constructor(relations: RelationCache = new RelationCache()) {
    this.relations = relations;
  }

  /** Toplevel xid of the streamed block being decoded, or null outside one. */
  get currentStreamXid(): number | null {
    return this.streamXid;
  }

  /** Forget the streamed-block state; call when a new replication session starts. */
  resetSession(): void {
    this.streamXid = null;
  }

  decode(buf: Buffer, start = 0, end = buf.length): PgoutputMessage {
    if (start < 0 || end > buf.length || start >= end) throw new PgoutputDecodeError('?', start, 'empty or out-of-range message');
    this.buf = buf;
    this.pos = start + 1;
    this.end = end;
    this.tag = buf[start];
    try {
      let msg: PgoutputMessage;
      switch (this.tag) {
        case TAG.insert:
          msg = this.insert();
          break;
        case TAG.update:
          msg = this.update();
          break;
        case TAG.delete:
          msg = this.delete();
          break;
        case TAG.begin:
          msg = this.begin();
          break;
        case TAG.commit:
          msg = this.commit();
          break;
        case TAG.relation:
          msg = this.relation();
          break;
        case TAG.message:
          msg = this.message();
          break;
        case TAG.truncate:
          msg = this.truncate();
          break;
        case TAG.type:
          msg = this.type();
          break;
        case TAG.origin:
          msg = this.origin();
          break;
        case TAG.streamStart:
          msg = this.streamStart();
          break;
        case TAG.streamStop:
          msg = this.streamStop();
          break;
        case TAG.streamCommit:
          msg = this.streamCommit();
          break;
        case TAG.streamAbort:
          msg = this.streamAbort();
          break;
        default:
          throw this.fail(start, `unknown message type 0x${this.tag.toString(16)}`);
      }
      if (this.pos !== end) throw this.fail(this.pos, `${end - this.pos} trailing byte(s)`);
      return msg;
    } finally {
      this.buf = EMPTY;
    }
  }

  private fail(offset: number, reason: string): PgoutputDecodeError {
    return new PgoutputDecodeError(String.fromCharCode(this.tag), offset, reason);
  }

  private need(n: number, what: string): number {
    const p = this.pos;
    if (p + n > this.end) throw this.fail(p, `truncated ${what}: need ${n} byte(s), have ${this.end - p}`);
    this.pos = p + n;
    return p;
  }

  private u8(what: string): number {
    return this.buf[this.need(1, what)];
  }

  private u32(what: string): number {
    return this.buf.readUInt32BE(this.need(4, what));
  }

  private i32(what: string): number {
    return this.buf.readInt32BE(this.need(4, what));
  }

  private i16(what: string): number {
    return this.buf.readInt16BE(this.need(2, what));
  }

  private lsn(what: string): Lsn {
    return this.buf.readBigUInt64BE(this.need(8, what));
  }

  private time(what: string): MicrosSinceEpoch {
    return this.buf.readBigInt64BE(this.need(8, what)) + PG_EPOCH_MICROS;
  }

  private cstring(what: string): string {
    const start = this.pos;
    const z = this.buf.indexOf(0, start);
    if (z < 0 || z >= this.end) throw this.fail(start, `unterminated ${what}`);
    this.pos = z + 1;
    return utf8Text(this.buf, start, z);
  }

  /** The xid that messages carry only inside a streamed block. */
  private streamedXid(): number | null {
    return this.streamXid === null ? null : this.u32('xid');
  }

  private relationFor(oid: number, at: number): Relation {
    const r = this.relations.get(oid, this.streamXid);
    if (!r) throw this.fail(at, `relation oid ${oid} unknown: no Relation message received for it`);
    return r;
  }

  /**
   * Reads the kinds and lengths in place and copies the tuple's column data once: one allocation per
   * row image instead of a string per column, and the copy lets the Tuple outlive the receive buffer.
   * Spans are relative to the copy, which still holds the kind bytes and lengths between the values.
   */
  private tuple(): Tuple {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    if (p + 2 > end) throw this.fail(p, 'truncated tuple header');
    const n = buf.readInt16BE(p);
    p += 2;
    if (n < 0) throw this.fail(p - 2, `negative column count ${n}`);
    const first = p;
    // Spans of consecutive tuples share a slab; a slab is never written again once handed out (its
    // zeros are the start and end of null and unchanged columns).
    const need = n * 3;
    if (this.spanAt + need > this.spanSlab.length) {
      this.spanSlab = new Int32Array(Math.max(SPAN_SLAB, need));
      this.spanAt = 0;
    }
    const spans = this.spanSlab;
    const base = this.spanAt;
    this.spanAt += need;
    for (let i = 0, s = base; i < n; i++, s += 3) {
      if (p >= end) throw this.fail(p, `truncated tuple at column ${i}`);
      const kind = buf[p++];
      if (kind === KIND_TEXT || kind === KIND_BINARY) {
        if (p + 4 > end) throw this.fail(p, `truncated length of column ${i}`);
        const len = buf.readInt32BE(p);
        p += 4;
        if (len < 0 || p + len > end) throw this.fail(p, `column ${i} length ${len} exceeds the message`);
        spans[s] = kind === KIND_TEXT ? COLUMN.text : COLUMN.binary;
        spans[s + 1] = p - first;
        spans[s + 2] = p + len - first;
        p += len;
      } else if (kind === KIND_NULL) {
        spans[s] = COLUMN.null;
      } else if (kind === KIND_UNCHANGED) {
        spans[s] = COLUMN.unchanged;
      } else {
        throw this.fail(p - 1, `unknown column kind 0x${kind.toString(16)} at column ${i}`);
      }
    }
    this.pos = p;
    const bytes = Buffer.allocUnsafe(p - first);
    bytes.set(buf.subarray(first, p));
    return new Tuple(bytes, spans, base, n);
  }

  private begin(): BeginMessage {
    const finalLsn = this.lsn('final LSN');
    const commitTime = this.time('commit time');
    const xid = this.u32('xid');
    return { tag: 'begin', finalLsn, commitTime, xid };
  }

  private commit(): CommitMessage {
    const flags = this.u8('flags');
    const commitLsn = this.lsn('commit LSN');
    const endLsn = this.lsn('end LSN');
    const commitTime = this.time('commit time');
    return { tag: 'commit', flags, commitLsn, endLsn, commitTime };
  }

  private origin(): OriginMessage {
    const originLsn = this.lsn('origin LSN');
    const name = this.cstring('origin name');
    return { tag: 'origin', originLsn, name };
  }

  private relation(): RelationMessage {
    const xid = this.streamedXid();
    const oid = this.u32('relation oid');
    const ns = this.cstring('namespace');
    const name = this.cstring('relation name');
    const identChar = this.u8('replica identity');
    const replicaIdentity = REPLICA_IDENTITY[identChar];
    if (!replicaIdentity) throw this.fail(this.pos - 1, `unknown replica identity 0x${identChar.toString(16)}`);
    const ncols = this.i16('column count');
    if (ncols < 0) throw this.fail(this.pos - 2, `negative column count ${ncols}`);
    const columns: RelationColumn[] = new Array<RelationColumn>(ncols);
    for (let i = 0; i < ncols; i++) {
      const flags = this.u8('column flags');
      const colName = this.cstring('column name');
      const typeOid = this.u32('column type oid');
      const typeMod = this.i32('column typmod');
      columns[i] = { name: colName, isKey: (flags & 1) === 1, flags, typeOid, typeMod };
    }
    const relation: Relation = { oid, namespace: ns === '' ? 'pg_catalog' : ns, name, replicaIdentity, columns };
    this.relations.set(relation, this.streamXid);
    return { tag: 'relation', xid, relation };
  }

  private type(): TypeMessage {
    const xid = this.streamedXid();
    const typeOid = this.u32('type oid');
    const ns = this.cstring('namespace');
    const name = this.cstring('type name');
    return { tag: 'type', xid, typeOid, namespace: ns === '' ? 'pg_catalog' : ns, name };
  }

  private insert(): InsertMessage {
    const xid = this.streamedXid();
    const at = this.pos;
    const relation = this.relationFor(this.u32('relation oid'), at);
    const marker = this.u8('tuple marker');
    if (marker !== TUPLE_NEW) throw this.fail(this.pos - 1, `expected 'N' tuple, got 0x${marker.toString(16)}`);
    return { tag: 'insert', xid, relation, newTuple: this.tuple() };
  }

  private update(): UpdateMessage {
    const xid = this.streamedXid();
    const at = this.pos;
    const relation = this.relationFor(this.u32('relation oid'), at);
    let keyTuple: Tuple | null = null;
    let oldTuple: Tuple | null = null;
    let marker = this.u8('tuple marker');
    if (marker === TUPLE_KEY) {
      keyTuple = this.tuple();
      marker = this.u8('tuple marker');
    } else if (marker === TUPLE_OLD) {
      oldTuple = this.tuple();
      marker = this.u8('tuple marker');
    }
    if (marker !== TUPLE_NEW) throw this.fail(this.pos - 1, `expected 'N' tuple, got 0x${marker.toString(16)}`);
    return { tag: 'update', xid, relation, keyTuple, oldTuple, newTuple: this.tuple() };
  }

  private delete(): DeleteMessage {
    const xid = this.streamedXid();
    const at = this.pos;
    const relation = this.relationFor(this.u32('relation oid'), at);
    const marker = this.u8('tuple marker');
    if (marker === TUPLE_KEY) return { tag: 'delete', xid, relation, keyTuple: this.tuple(), oldTuple: null };
    if (marker === TUPLE_OLD) return { tag: 'delete', xid, relation, keyTuple: null, oldTuple: this.tuple() };
    throw this.fail(this.pos - 1, `expected 'K' or 'O' tuple, got 0x${marker.toString(16)}`);
  }

  private truncate(): TruncateMessage {
    const xid = this.streamedXid();
    const n = this.i32('relation count');
    if (n < 0) throw this.fail(this.pos - 4, `negative relation count ${n}`);
    const options = this.u8('options');
    const relations: Relation[] = new Array<Relation>(n);
    for (let i = 0; i < n; i++) {
      const at = this.pos;
      relations[i] = this.relationFor(this.u32('relation oid'), at);
    }
    return { tag: 'truncate', xid, cascade: (options & 1) !== 0, restartIdentity: (options & 2) !== 0, relations };
  }

  private message(): LogicalMessage {
    const xid = this.streamedXid();
    const flags = this.u8('flags');
    const lsn = this.lsn('message LSN');
    const prefix = this.cstring('prefix');
    const len = this.i32('content length');
    if (len < 0) throw this.fail(this.pos - 4, `negative content length ${len}`);
    const p = this.need(len, 'content');
    return { tag: 'message', xid, transactional: (flags & 1) !== 0, lsn, prefix, content: Buffer.from(this.buf.subarray(p, p + len)) };
  }

  private streamStart(): StreamStartMessage {
    if (this.streamXid !== null) throw this.fail(this.pos - 1, `Stream Start inside the streamed block of xid ${this.streamXid}`);
    const xid = this.u32('xid');
    const first = this.u8('first-segment flag');
    this.streamXid = xid;
    return { tag: 'streamStart', xid, firstSegment: first === 1 };
  }

  private streamStop(): { tag: 'streamStop' } {
    if (this.streamXid === null) throw this.fail(this.pos - 1, 'Stream Stop outside a streamed block');
    this.streamXid = null;
    return { tag: 'streamStop' };
  }

  private streamCommit(): StreamCommitMessage {
    if (this.streamXid !== null) throw this.fail(this.pos - 1, 'Stream Commit inside a streamed block');
    const xid = this.u32('xid');
    const flags = this.u8('flags');
    const commitLsn = this.lsn('commit LSN');
    const endLsn = this.lsn('end LSN');
    const commitTime = this.time('commit time');
    this.relations.commitStream(xid);
    return { tag: 'streamCommit', xid, flags, commitLsn, endLsn, commitTime };
  }

  private streamAbort(): StreamAbortMessage {
    if (this.streamXid !== null) throw this.fail(this.pos - 1, 'Stream Abort inside a streamed block');
    const xid = this.u32('xid');
    const subXid = this.u32('subtransaction xid');
    this.relations.abortStream(xid, subXid);
    return { tag: 'streamAbort', xid, subXid };
  }
}
