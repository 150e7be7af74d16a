/** Why an event or document failed authentication; `reason` is a stable code for DLQ records and metrics. */
export type VerificationFailure = 'missing-proof' | 'unknown-key' | 'malformed-proof' | 'bad-signature' | 'wrong-ministry';

export class VerificationError extends Error {
  constructor(
    readonly reason: VerificationFailure,
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'VerificationError';
  }
}

export class KeyError extends Error {
  constructor(
    message: string,
    readonly keyId?: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'KeyError';
  }
}
