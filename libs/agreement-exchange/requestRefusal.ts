/** Why a request event was not applied; returned by applyRequestEvent, recorded by the sync service. */
export type RequestRefusalCode =
  | 'malformed'
  | 'bad_signature'
  | 'key_not_listed'
  | 'unknown_basis'
  | 'wrong_agreement'
  | 'no_confirmed_version'
  | 'broken_chain'
  | 'out_of_order'
  | 'not_a_party'
  | 'not_allowed'
  | 'not_shared'
  | 'closed';

export class RequestRefusal extends Error {
  constructor(
    readonly code: RequestRefusalCode,
    readonly reason: string,
    readonly requestId: string,
    readonly kind: string,
    readonly actor: string,
  ) {
    super(`request ${requestId}: ${kind} by ${actor} refused (${code}): ${reason}`);
    this.name = 'RequestRefusal';
  }
}
