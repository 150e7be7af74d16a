import { randomUUID } from 'crypto';
import type { SigningKey } from '../agreements';
import type { RequestEventOf, RequestKind, RequestPayloads, UnsignedRequestEvent } from './requestEvent';
import { signRequestEvent } from './requestSigning';
import type { RequestState } from './requestState';

/**
 * Builds and signs the next event of a request. Opening events get a fresh request id; later ones
 * take id, agreement and `prev` from the state. `basis` is the hash of the last agreement event the
 * actor's database holds.
 */
export function createRequestEvent<K extends RequestKind>(
  state: RequestState | null,
  kind: K,
  fields: { agreementId?: string; requestId?: string; basis: string; at: Date | string; payload: RequestPayloads[K] },
  key: SigningKey,
): RequestEventOf<K> {
  const agreementId = state?.agreementId ?? fields.agreementId;
  if (agreementId === undefined) throw new RangeError('agreementId is required to open a request');
  const unsigned = {
    format: 'thahs-request/1',
    kind,
    requestId: state?.requestId ?? fields.requestId ?? randomUUID(),
    agreementId,
    basis: fields.basis,
    actor: key.party,
    at: typeof fields.at === 'string' ? fields.at : fields.at.toISOString(),
    prev: state?.lastEventHash ?? null,
    keyId: key.keyId,
    payload: fields.payload,
  } as UnsignedRequestEvent;
  return signRequestEvent(unsigned, key) as RequestEventOf<K>;
}
