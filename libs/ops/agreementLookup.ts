import type { AgreementStore } from '../agreement-exchange/agreementStore';
import type { AgreementState } from '../agreements';
import type { Ministry } from '../contracts/contractTypes';
import { agreementScope, type AgreementScope } from './agreementScope';
import { OpsError } from './opsError';

/**
 * The agreement an operator names, from the history in the receiver's own database, checked to be
 * one under which that ministry receives: a group or a dead letter of it only exists there.
 */
export async function receivedAgreement(store: AgreementStore, agreementId: string, receiver: Ministry): Promise<{ state: AgreementState; scope: AgreementScope }> {
  await store.assertSchema();
  const state = await store.state(agreementId);
  if (!state)
    throw new OpsError(`no agreement ${agreementId} in the ${receiver} database (thahs agreement list --ministry ${receiver})`, { ministry: receiver, agreement: agreementId });
  const scope = agreementScope(state);
  if (!scope || scope.receiver !== receiver) {
    throw new OpsError(`${receiver} does not receive under agreement ${agreementId} (provider ${scope?.provider ?? '?'}, partner store in ${scope?.receiver ?? 'no database'})`, {
      ministry: receiver,
      agreement: agreementId,
    });
  }
  return { state, scope };
}
