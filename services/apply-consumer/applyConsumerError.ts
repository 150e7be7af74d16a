/** The consumer cannot start or run as configured; names the agreement, the group and what is wrong. */
export class ApplyConsumerError extends Error {
  constructor(
    readonly agreementId: string,
    readonly group: string,
    message: string,
    readonly topic?: string,
  ) {
    super(`apply consumer ${group} (agreement ${agreementId}): ${message}`);
    this.name = 'ApplyConsumerError';
  }
}
