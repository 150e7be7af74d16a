import type { Operation, SourcePosition } from '../events';
import type { PartitionSequenceState } from './partitionSequence';

/** A value in the project's canonical record representation (docs/agreements.md); a Buffer is a sealed field's envelope. */
export type StoreValue = string | number | boolean | null | Buffer;

/**
 * One change ready for the partner store: the newest event of its key in the batch, already verified,
 * decoded and projected under the agreement version in force at its commit time.
 */
export interface StoreChange {
  entity: string;
  /** The record key (uuid). */
  id: string;
  position: SourcePosition;
  op: Operation;
  eventId: string;
  /** Source commit time, µs since the epoch. */
  commitTsUs: number;
  agreementId: string;
  agreementVersion: number;
  /** Key id of the provider's signature that authenticated the event. */
  signedBy: string;
  /** The projected row for an upsert; null removes the row (a delete, or a new state outside the filter). */
  row: Readonly<Record<string, StoreValue>> | null;
}

/** Kafka header values as kept in the dead-letter table: text, or base64 for binary values. */
/**
 * A header as the dead-letter table keeps it: text as text, bytes as base64, and for the event's meta
 * header also what it says when it decodes (operators read the table without Avro tools; the meta holds
 * no personal data).
 */
export type StoredHeaderValue = string | { base64: string; decoded?: Readonly<Record<string, string | number>> };

/** An event that could not be verified, decoded or validated, kept with its raw bytes for operators. */
export interface DeadLetterRecord {
  reason: string;
  /** Operator-facing explanation; never logged (it may quote the event). */
  detail: string;
  topic: string;
  partition: number;
  offset: string;
  /** Entity named by the topic, when the topic names one. */
  entity: string | null;
  key: Buffer | null;
  /** The value bytes, kept only where they may be (never for a policy violation: they hold what the agreement does not share). */
  value: Buffer | null;
  /** SHA-256 (hex) of the value bytes as received, kept whether or not the bytes are. */
  valueDigest: string | null;
  headers: Readonly<Record<string, StoredHeaderValue | null | (StoredHeaderValue | null)[]>>;
}

/** Who writes: fixed for a consumer, recorded with every log and dead-letter row. */
export interface StoreIdentity {
  receiver: string;
  provider: string;
  agreementId: string;
  consumerGroup: string;
}

export interface StoreBatch {
  /** At most one change per (entity, id): reduce the batch first. */
  changes: readonly StoreChange[];
  deadLetters: readonly DeadLetterRecord[];
  /** Where the gap check stands on the chunk's partitions after it, committed with it (partitionSequence.ts). */
  sequences?: readonly PartitionSequenceState[];
}

export interface StoreResult {
  /** Changes that altered the store (row written or removed, or a newer tombstone recorded). */
  applied: StoreChange[];
  /** Changes older than what the store already holds for their key (replays, redeliveries). */
  stale: StoreChange[];
  /** Dead letters recorded now (a redelivered dead letter is recorded once). */
  recordedDeadLetters: DeadLetterRecord[];
}
