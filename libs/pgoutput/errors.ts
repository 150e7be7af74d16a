import { formatLsn, type Lsn } from './lsn';

/**
 * A pgoutput payload the decoder cannot read. Carries the message tag, the byte offset of the fault and,
 * when the stream knows it, the WAL position of the XLogData frame, so the bad frame can be found again
 * with pg_waldump or pg_recvlogical.
 */
export class PgoutputDecodeError extends Error {
  lsn: Lsn | null = null;
  constructor(
    readonly tag: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`pgoutput decode error in message '${tag}' at byte ${offset}: ${reason}`);
    this.name = 'PgoutputDecodeError';
  }
  /** Attaches the WAL position once the stream that received the frame knows it. */
  at(lsn: Lsn): this {
    this.lsn = lsn;
    this.message = `${this.message} (XLogData start ${formatLsn(lsn)})`;
    return this;
  }
}

/** What a replication failure was doing when it happened. */
export type ReplicationPhase = 'connect' | 'slot' | 'start' | 'stream' | 'handler' | 'status' | 'heartbeat' | 'stop';

/**
 * A failure of the replication connection or of the handler it feeds. `lsn` is the last WAL position
 * received and `confirmedLsn` the last one the caller confirmed, so an operator knows where a restart
 * resumes (from the slot's confirmed_flush_lsn, never beyond `confirmedLsn`).
 */
export class ReplicationStreamError extends Error {
  constructor(
    readonly slot: string,
    readonly phase: ReplicationPhase,
    readonly lsn: Lsn | null,
    readonly confirmedLsn: Lsn | null,
    message: string,
    cause?: unknown,
  ) {
    super(
      `replication slot "${slot}" (${phase}` +
        (lsn !== null ? `, received ${formatLsn(lsn)}` : '') +
        (confirmedLsn !== null ? `, confirmed ${formatLsn(confirmedLsn)}` : '') +
        `): ${message}`,
      { cause },
    );
    this.name = 'ReplicationStreamError';
  }
}

/** A publication that cannot be created or brought to the wanted table list. */
export class PublicationError extends Error {
  constructor(
    readonly publication: string,
    message: string,
    cause?: unknown,
  ) {
    super(`publication "${publication}": ${message}`, { cause });
    this.name = 'PublicationError';
  }
}

/** A name that is not allowed as a slot, publication, schema or table identifier here. */
export class IdentifierError extends Error {
  constructor(
    readonly kind: string,
    readonly value: string,
  ) {
    super(`invalid ${kind} name ${JSON.stringify(value)}: must match [a-z_][a-z0-9_]{0,62}`);
    this.name = 'IdentifierError';
  }
}

/** An exported snapshot name that is not of the form PostgreSQL produces. */
export class SnapshotNameError extends Error {
  constructor(readonly snapshotName: string) {
    super(`invalid exported snapshot name ${JSON.stringify(snapshotName)}`);
    this.name = 'SnapshotNameError';
  }
}
