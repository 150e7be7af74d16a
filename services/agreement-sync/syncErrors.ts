/** A message the service could not store or reject (database error, stop requested); Kafka redelivers it. */
export class SyncProcessingError extends Error {
  constructor(
    readonly ministry: string,
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    reason: string,
    override readonly cause?: unknown,
  ) {
    super(`agreement-sync ${ministry}: ${topic}[${partition}]@${offset}: ${reason}`);
    this.name = 'SyncProcessingError';
  }
}
