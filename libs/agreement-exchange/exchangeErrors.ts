/**
 * Errors of the agreement exchange, each carrying what an operator needs to find the problem: the
 * ministry, the agreement or request, the topic position, the database. Messages never carry
 * personal data: record keys are ids, descriptions are not repeated.
 */

/** A party signing key that cannot be found, read or trusted. */
export class PartyKeyError extends Error {
  constructor(
    readonly party: string,
    reason: string,
    readonly keyId?: string,
    readonly file?: string,
  ) {
    super(`party key${keyId ? ` ${keyId}` : ''} of ${party}: ${reason}${file ? ` (${file})` : ''}`);
    this.name = 'PartyKeyError';
  }
}

/** The database has no `agreement` schema yet: the agreement-sync service creates it when it starts. */
export class ExchangeSchemaMissingError extends Error {
  constructor(readonly database: string) {
    super(`database ${database} has no agreement schema; start the agreement-sync service (thahs agreement sync) once to create it`);
    this.name = 'ExchangeSchemaMissingError';
  }
}

export class AgreementNotFoundError extends Error {
  constructor(
    readonly agreementId: string,
    readonly database: string,
  ) {
    super(`agreement ${agreementId} is not in the history held by ${database}`);
    this.name = 'AgreementNotFoundError';
  }
}

export class RequestNotFoundError extends Error {
  constructor(
    readonly requestId: string,
    readonly database: string,
  ) {
    super(`request ${requestId} is not in ${database}`);
    this.name = 'RequestNotFoundError';
  }
}

/** A step the local state machine already refuses: it is not published. */
export class StepRefusedError extends Error {
  constructor(
    readonly stream: 'agreement' | 'request',
    /** Agreement id, or request id for a request step. */
    readonly subject: string,
    readonly kind: string,
    readonly actor: string,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`${stream} ${subject}: ${kind} by ${actor} refused (${code}): ${reason}`);
    this.name = 'StepRefusedError';
  }
}

/** A step that could not be written to Kafka (nothing was acknowledged). */
export class PublishFailedError extends Error {
  constructor(
    readonly topic: string,
    readonly key: string,
    reason: string,
  ) {
    super(`publishing to ${topic} (key ${key}) failed: ${reason}`);
    this.name = 'PublishFailedError';
  }
}

/** A published step that the ministry's sync service refused, so it is not in the history. */
export class StepRejectedError extends Error {
  constructor(
    readonly ministry: string,
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly eventHash: string,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`${ministry}: the step ${eventHash.slice(0, 12)}… at ${topic}[${partition}]@${offset} was rejected (${code}): ${reason}`);
    this.name = 'StepRejectedError';
  }
}

/** The ministry's sync service did not store (or reject) a step in time: it may be stopped or behind. */
export class StepNotAppliedError extends Error {
  constructor(
    readonly ministry: string,
    readonly database: string,
    readonly topic: string,
    readonly eventHash: string,
    readonly waitedMs: number,
  ) {
    super(
      `${ministry}: step ${eventHash.slice(0, 12)}… was published to ${topic} but ${database} has not recorded it after ${waitedMs} ms; is the agreement-sync service of ${ministry} running?`,
    );
    this.name = 'StepNotAppliedError';
  }
}

/** The ministry's database has not caught up with the topic, so a step taken now could be built on stale history. */
export class CatchUpTimeoutError extends Error {
  constructor(
    readonly ministry: string,
    readonly topic: string,
    readonly partition: number,
    readonly storedOffset: string,
    readonly endOffset: string,
    readonly waitedMs: number,
  ) {
    super(
      `${ministry}: the database has consumed ${topic}[${partition}] up to ${storedOffset}, the topic ends at ${endOffset}; still behind after ${waitedMs} ms (is agreement-sync running?)`,
    );
    this.name = 'CatchUpTimeoutError';
  }
}

/** Creating or updating schema `agreement` failed. */
export class ExchangeMigrationError extends Error {
  constructor(
    readonly database: string,
    reason: string,
    override readonly cause?: unknown,
  ) {
    super(`migrating schema agreement in ${database} failed: ${reason}`);
    this.name = 'ExchangeMigrationError';
  }
}

/** A stored history that no longer replays: the database was altered behind the sync service. */
export class HistoryCorruptError extends Error {
  constructor(
    readonly database: string,
    readonly agreementId: string,
    readonly seq: number,
    reason: string,
  ) {
    super(`${database}: the stored history of ${agreementId} does not replay at event ${seq}: ${reason}`);
    this.name = 'HistoryCorruptError';
  }
}
