import type { AgreementEvent } from './agreementEvent';

export type RefusalCode =
  | 'malformed'
  | 'bad_signature'
  | 'key_not_listed'
  | 'key_not_bound'
  | 'wrong_agreement'
  | 'broken_chain'
  | 'out_of_order'
  | 'terminated'
  | 'invalid_document'
  | 'wrong_version'
  | 'not_a_party'
  | 'not_allowed'
  | 'already_signed'
  | 'bad_document_signature'
  | 'not_in_force'
  | 'expired'
  | 'period_over'
  | 'provider_changed'
  | 'already_party'
  | 'join_mismatch'
  | 'not_provider';

/**
 * Why a lifecycle event was not applied. Returned (not thrown) by applyEvent, so a consumer of the
 * agreement topic can record it and carry on; it extends Error so callers may throw it as is.
 */
export class EventRefusal extends Error {
  readonly agreementId: string;
  readonly kind: string;
  readonly version: number;
  readonly actor: string;
  readonly at: string;

  constructor(
    readonly code: RefusalCode,
    readonly reason: string,
    /** The refused event; read defensively because a malformed one may lack any field. */
    event: unknown,
  ) {
    const e = (typeof event === 'object' && event !== null ? event : {}) as Partial<Record<keyof AgreementEvent, unknown>>;
    const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '?');
    super(`agreement ${text(e.agreementId)} v${text(e.version)}: ${text(e.kind)} by ${text(e.actor)} refused (${code}): ${reason}`);
    this.name = 'EventRefusal';
    this.agreementId = text(e.agreementId);
    this.kind = text(e.kind);
    this.version = typeof e.version === 'number' ? e.version : NaN;
    this.actor = text(e.actor);
    this.at = text(e.at);
  }
}
