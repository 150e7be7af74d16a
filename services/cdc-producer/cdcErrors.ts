/**
 * The table no longer matches its published contract (a contract field missing from the table, a
 * column type that cannot map, a value outside the contract). The table stops; nothing is published
 * for it until an operator fixes the drift and re-snapshots it.
 */
export class ContractDriftError extends Error {
  constructor(
    readonly ministry: string,
    readonly entity: string,
    readonly field: string,
    readonly reason: string,
    readonly lsn?: string,
  ) {
    super(`contract drift in ${ministry}.${entity}.${field}: ${reason}${lsn ? ` (at LSN ${lsn})` : ''}`);
    this.name = 'ContractDriftError';
  }
}

/** Publishing to Kafka failed; the slot was not advanced past the unacknowledged events. */
export class PublishError extends Error {
  constructor(
    readonly ministry: string,
    readonly topic: string,
    message: string,
  ) {
    super(`publishing to ${topic} for ${ministry} failed: ${message}`);
    this.name = 'PublishError';
  }
}

/**
 * The source database cannot be published from as it is: pgoutput sends text in the server's encoding
 * and row values are copied into Avro strings as they come, which must be UTF-8.
 */
export class SourceDatabaseError extends Error {
  constructor(
    readonly ministry: string,
    readonly reason: string,
  ) {
    super(`the ${ministry} source database cannot be published: ${reason}`);
    this.name = 'SourceDatabaseError';
  }
}
