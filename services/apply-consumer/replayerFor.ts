import type { AgreementState } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import { PublicKeyRing } from '../../libs/signing';
import { AgreementPolicy } from './agreementPolicy';
import { Replayer } from './replayer';

/**
 * A replayer for an agreement the receiver holds, judged as the consumer judges: the agreement's signed
 * history (as stored in the receiver's database), the provider keys of THAHS_KEYS_DIR, the registry
 * and brokers of the settings.
 */
export function replayerFor(state: AgreementState, receiver: Ministry, contracts: ContractRegistry, o: { pgUrl: string; topicPrefix: string; log: Logger }): Replayer {
  const config = loadConfig();
  const policy = new AgreementPolicy(state, receiver, contracts);
  const provider = policy.provider();
  if (!provider) throw new Error(`agreement ${state.agreementId} names no provider`);
  return new Replayer({
    receiver,
    provider,
    agreementId: state.agreementId,
    policy,
    contracts,
    providerKeys: PublicKeyRing.fromDir(config.keysDir),
    pgUrl: o.pgUrl,
    kafkaBrokers: config.kafkaBrokers,
    registryUrl: config.registryUrl,
    log: o.log,
    partnerSchema: policy.partnerSchema() ?? `partner_${provider}`,
    topicPrefix: o.topicPrefix,
  });
}
