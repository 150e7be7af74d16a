/** A failure of the local stack manager, naming the component (cand, qdnd, platform, kafka, registry). */
export class StackError extends Error {
  constructor(
    readonly component: string,
    message: string,
    readonly logFile?: string,
  ) {
    super(`${component}: ${message}${logFile ? ` (log: ${logFile})` : ''}`);
    this.name = 'StackError';
  }
}
