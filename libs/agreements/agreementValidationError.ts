import { formatIssue, type ValidationIssue } from './validationIssue';

/** An agreement document (or an event carrying one) that is not valid; lists every problem found. */
export class AgreementValidationError extends Error {
  constructor(
    readonly issues: readonly ValidationIssue[],
    readonly file?: string,
    readonly agreementId?: string,
  ) {
    super(
      `${file ?? `agreement ${agreementId ?? '(unnamed)'}`}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => `  ${formatIssue(i, file)}`).join('\n'),
    );
    this.name = 'AgreementValidationError';
  }
}

/** An agreement file that could not be read at all (missing, unreadable, unsupported extension). */
export class AgreementFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'AgreementFileError';
  }
}
