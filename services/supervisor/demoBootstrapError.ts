/** The local demo could not bring an example agreement into force, or its data could not be prepared. */
export class DemoBootstrapError extends Error {
  constructor(
    readonly agreementId: string | undefined,
    readonly ministry: string | undefined,
    reason: string,
    override readonly cause?: unknown,
  ) {
    super(`local demo${agreementId ? ` (agreement ${agreementId})` : ''}${ministry ? ` [${ministry}]` : ''}: ${reason}`);
    this.name = 'DemoBootstrapError';
  }
}
