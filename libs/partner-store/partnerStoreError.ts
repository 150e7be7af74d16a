/** The partner store refused a name, a contract or a write; carries where it happened. */
export class PartnerStoreError extends Error {
  constructor(
    message: string,
    readonly schema?: string,
    readonly entity?: string,
  ) {
    super(`partner store${schema ? ` ${schema}${entity ? `.${entity}` : ''}` : ''}: ${message}`);
    this.name = 'PartnerStoreError';
  }
}
