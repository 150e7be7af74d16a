import type { FieldKind } from '../contracts/contractTypes';
import { describeShape } from './documentReader';

/**
 * A record handed to a compiled filter predicate whose value does not have the canonical form of its
 * field's kind. Thrown rather than read as "no match" because `not` would turn a silent false into a
 * leak: a malformed record must stop the pipeline, not slip through it.
 */
export class FilterInputError extends Error {
  /** What was received, by type and size only: the value is a row's and never reaches a message. */
  readonly got: string;

  constructor(
    readonly entity: string,
    readonly field: string,
    readonly kind: FieldKind,
    value: unknown,
  ) {
    super(`filter on ${entity}.${field}: expected the canonical ${kind} value, got ${describeShape(value)}`);
    this.got = describeShape(value);
    this.name = 'FilterInputError';
  }
}
