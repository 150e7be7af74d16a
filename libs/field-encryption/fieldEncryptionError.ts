/**
 * Why a protected field could not be sealed or opened. The context names where (agreement, entity,
 * field, key id), never the value or any key material.
 */
export class FieldEncryptionError extends Error {
  constructor(
    message: string,
    readonly context: { agreementId?: string; entity?: string; field?: string; keyId?: string; file?: string } = {},
  ) {
    super(message);
    this.name = 'FieldEncryptionError';
  }
}
