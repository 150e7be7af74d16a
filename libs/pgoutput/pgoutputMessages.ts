import type { Lsn } from './lsn';
import type { Tuple } from './tuple';

/**
 * The value of a column whose TOASTed datum did not change in an UPDATE: pgoutput sends no data for it
 * ('u'). It is a symbol, never null or a string, so a sink cannot mistake it for a value and must skip
 * the column instead (the TOAST-placeholder bug of other CDC tools).
 */
export const UNCHANGED_TOAST: unique symbol = Symbol('pgoutput.unchanged-toast');
export type UnchangedToast = typeof UNCHANGED_TOAST;

/**
 * One column of a tuple: text form ('t'), null ('n'), unchanged TOAST ('u'), or raw bytes ('b', only
 * when the stream asked for binary output, which ReplicationStream never does).
 */
export type TupleValue = string | null | UnchangedToast | Buffer;

export function isUnchangedToast(v: TupleValue): v is UnchangedToast {
  return v === UNCHANGED_TOAST;
}

/** REPLICA IDENTITY of the table: which old values UPDATE and DELETE carry. */
export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

export interface RelationColumn {
  name: string;
  /** Part of the replica identity (flag bit 1). */
  isKey: boolean;
  flags: number;
  typeOid: number;
  /** atttypmod, -1 when the type has none (e.g. varchar(n) has n + 4). */
  typeMod: number;
}

export interface Relation {
  oid: number;
  /** Schema name; pgoutput sends '' for pg_catalog, mapped back here. */
  namespace: string;
  name: string;
  replicaIdentity: ReplicaIdentity;
  columns: readonly RelationColumn[];
}

/** µs since the Unix epoch (pgoutput sends µs since 2000-01-01; converted, still exact). */
export type MicrosSinceEpoch = bigint;

export interface BeginMessage {
  tag: 'begin';
  /** LSN of the commit record (the transaction's final LSN). */
  finalLsn: Lsn;
  commitTime: MicrosSinceEpoch;
  xid: number;
}

export interface CommitMessage {
  tag: 'commit';
  flags: number;
  commitLsn: Lsn;
  /** End of the commit record: the position to confirm once the transaction is safely handled. */
  endLsn: Lsn;
  commitTime: MicrosSinceEpoch;
}

export interface OriginMessage {
  tag: 'origin';
  originLsn: Lsn;
  name: string;
}

/**
 * `xid` below is present (non-null) only inside a streamed block (protocol v2, between Stream Start and
 * Stream Stop). It may be a subtransaction's xid; the block's toplevel xid is the Stream Start's.
 */
export interface RelationMessage {
  tag: 'relation';
  xid: number | null;
  relation: Relation;
}

export interface TypeMessage {
  tag: 'type';
  xid: number | null;
  typeOid: number;
  namespace: string;
  name: string;
}

export interface InsertMessage {
  tag: 'insert';
  xid: number | null;
  relation: Relation;
  /** Column values in the order of `Relation.columns`. */
  newTuple: Tuple;
}

export interface UpdateMessage {
  tag: 'update';
  xid: number | null;
  relation: Relation;
  /** Replica-identity columns of the old row ('K'): only when the key changed or was stored out of line. Non-key columns are null. */
  keyTuple: Tuple | null;
  /** The whole old row ('O'), with REPLICA IDENTITY FULL. */
  oldTuple: Tuple | null;
  newTuple: Tuple;
}

export interface DeleteMessage {
  tag: 'delete';
  xid: number | null;
  relation: Relation;
  keyTuple: Tuple | null;
  oldTuple: Tuple | null;
}

export interface TruncateMessage {
  tag: 'truncate';
  xid: number | null;
  cascade: boolean;
  restartIdentity: boolean;
  relations: readonly Relation[];
}

/** pg_logical_emit_message(); used for heartbeats. */
export interface LogicalMessage {
  tag: 'message';
  xid: number | null;
  transactional: boolean;
  lsn: Lsn;
  prefix: string;
  /** A copy: the receive buffer it came in is reused by the connection. */
  content: Buffer;
}

export interface StreamStartMessage {
  tag: 'streamStart';
  xid: number;
  /** True for the first block of this transaction. */
  firstSegment: boolean;
}

export interface StreamStopMessage {
  tag: 'streamStop';
}

export interface StreamCommitMessage {
  tag: 'streamCommit';
  xid: number;
  flags: number;
  commitLsn: Lsn;
  endLsn: Lsn;
  commitTime: MicrosSinceEpoch;
}

/** Discard the streamed changes of `subXid` (the whole transaction when `subXid === xid`). */
export interface StreamAbortMessage {
  tag: 'streamAbort';
  xid: number;
  subXid: number;
}

export type PgoutputMessage =
  | BeginMessage
  | CommitMessage
  | OriginMessage
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | LogicalMessage
  | StreamStartMessage
  | StreamStopMessage
  | StreamCommitMessage
  | StreamAbortMessage;

export type PgoutputTag = PgoutputMessage['tag'];
