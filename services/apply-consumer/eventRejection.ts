import { HeaderError } from '../../libs/events';
import { VerificationError, VerificationFailure } from '../../libs/signing';

/**
 * Why an event goes to the dead-letter queue: a stable code for the table, the DLQ headers and the
 * metrics. Authentication failures keep the signing library's codes.
 */
export type DeadLetterReason =
  | VerificationFailure
  /** Signed by a trusted key that the agreement version in force does not list for the provider. */
  | 'key-not-in-agreement'
  /** The envelope headers are missing or malformed. */
  | 'bad-header'
  /** Larger than any exchanged event can be (value, key, envelope) or with more headers than one: refused before any check costs CPU. */
  | 'oversize'
  /** The registry does not know the schema id of the key or value. */
  | 'unknown-schema'
  /** The schema id names another record (another entity, or key for value) or cannot be read as the contract. */
  | 'wrong-schema'
  /** Not the wire format, or the Avro body does not decode. */
  | 'undecodable'
  /** Decoded, but inconsistent: entity or ministry differ from the topic, value id differs from key id, op and value disagree. */
  | 'invalid-event'
  /** The agreement's row filter could not evaluate the record. */
  | 'filter-error'
  /**
   * The provider sent a field or a row the agreement version it names does not share (or names a
   * version that shares nothing): the event is refused and its value bytes are not kept.
   */
  | 'policy-violation'
  /** The partner store refused the row (a value its column cannot hold). */
  | 'store-rejected';

/** An event this consumer refuses for a reason of its own (not a failure of the consumer). */
export class EventRejection extends Error {
  constructor(
    readonly reason: DeadLetterReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'EventRejection';
  }
}

/**
 * Sorts a failure met while reading one event: a problem of the event itself becomes a dead letter
 * (the partition carries on); anything else — the registry or the database down, a bug — returns
 * null and must propagate so the batch is retried, never skipped.
 */
export function classifyFailure(err: unknown): { reason: DeadLetterReason; detail: string } | null {
  if (err instanceof EventRejection) return { reason: err.reason, detail: err.detail };
  if (err instanceof VerificationError) return { reason: err.reason, detail: err.message };
  if (err instanceof HeaderError) return { reason: 'bad-header', detail: err.message };
  return null;
}

/** PostgreSQL errors caused by one row's values (data exceptions, integrity violations), not by the server. */
export function isRowDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
