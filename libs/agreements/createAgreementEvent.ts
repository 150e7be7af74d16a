import type { AgreementEvent, AgreementEventKind, AgreementEventPayloads, UnsignedAgreementEvent } from './agreementEvent';
import type { SigningKey } from './agreementKeys';
import { signAgreementEvent } from './agreementSigning';
import type { AgreementState } from './agreementState';

/**
 * Builds and signs the next event of an agreement: actor and keyId come from the signing key, `prev`
 * from the state, so the caller names only what happens. The result is plain JSON, ready to publish.
 */
export function createAgreementEvent<K extends AgreementEventKind>(
  state: AgreementState | null,
  kind: K,
  fields: { agreementId?: string; version: number; at: Date | string; payload: AgreementEventPayloads[K] },
  key: SigningKey,
): AgreementEvent {
  const agreementId = state?.agreementId ?? fields.agreementId;
  if (agreementId === undefined) throw new RangeError('agreementId is required for the first event of an agreement');
  const unsigned = {
    kind,
    agreementId,
    version: fields.version,
    actor: key.party,
    at: typeof fields.at === 'string' ? fields.at : fields.at.toISOString(),
    prev: state?.lastEventHash ?? null,
    keyId: key.keyId,
    payload: fields.payload,
  } as UnsignedAgreementEvent;
  return signAgreementEvent(unsigned, key);
}
