import type { FieldKind } from '../contracts/contractTypes';

/**
 * A record handed to a compiled filter predicate whose value does not have the canonical form of its
 * field's kind. Thrown rather than read as "no match" because `not` would turn a silent false into a
 * leak: a malformed record must stop the pipeline, not slip through it.
 */
export class FilterInputError extends Error {
  constructor(
    readonly entity: string,
    readonly field: string,
    readonly kind: FieldKind,
    readonly got: string,
  ) {
    super(`filter on ${entity}.${field}: expected the canonical ${kind} value, got ${got}`);
    this.name = 'FilterInputError';
  }
}
