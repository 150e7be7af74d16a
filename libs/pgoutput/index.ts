export { parseLsn, formatLsn, compareLsn, maxLsn, isLsnText, INVALID_LSN, LsnFormatError } from './lsn';
export type { Lsn } from './lsn';
export { PgoutputDecodeError, ReplicationStreamError, PublicationError, IdentifierError, SnapshotNameError } from './errors';
export type { ReplicationPhase } from './errors';
export { UNCHANGED_TOAST, isUnchangedToast } from './pgoutputMessages';
export type * from './pgoutputMessages';
export { Tuple, COLUMN } from './tuple';
export type { ColumnKind } from './tuple';
export { PgoutputDecoder } from './pgoutputDecoder';
export { RelationCache } from './relationCache';
export { parseWalSenderFrame, encodeStandbyStatus } from './walSenderFrames';
export type { WalSenderFrame, XLogDataFrame, KeepaliveFrame, StandbyStatus } from './walSenderFrames';
export { EventQueue } from './eventQueue';
export { encodePgoutput, encodeXLogData, encodeKeepalive } from './pgoutputEncoder';
export { decodeBenchmark } from './decodeBenchmark';
export { ReplicationStream, eachEvent } from './replicationStream';
export type {
  ReplicationEvent,
  ReplicationHandler,
  ReplicationStreamOptions,
  ReplicationStreamStats,
  ReplicationStreamState,
  SlotInfo,
  SnapshotAction,
  SystemIdentity,
} from './replicationStream';
export { ensurePublication, dropPublication } from './publication';
export type { PublishedTable, PublishAction, PublicationResult } from './publication';
export { importSnapshot } from './exportedSnapshot';
export { emitHeartbeat, isHeartbeat, HEARTBEAT_PREFIX } from './heartbeat';
export { checkIdentifier, quoteIdentifier } from './sqlIdentifiers';
export type { SqlRunner } from './sqlRunner';
