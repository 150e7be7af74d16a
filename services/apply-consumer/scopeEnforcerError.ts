/** A purge or deletion the agreement requires could not be carried out; names the agreement, the store and the step. */
export class ScopeEnforcerError extends Error {
  constructor(
    readonly agreementId: string,
    readonly schema: string,
    readonly step: 'scope' | 'retention' | 'end',
    message: string,
    readonly entity?: string,
  ) {
    super(`agreement ${agreementId}, partner store ${schema}${entity ? `.${entity}` : ''} (${step}): ${message}`);
    this.name = 'ScopeEnforcerError';
  }
}
