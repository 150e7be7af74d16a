import { AgreementStore, ExchangeSchemaMissingError } from '../../libs/agreement-exchange';
import { versionRecordInForce, type AgreementDocument, type AgreementState } from '../../libs/agreements';
import { sealedFields } from '../../libs/agreements/protectedFields';
import { protectFields } from '../../libs/contracts/protectedFields';
import type { ContractRegistry } from '../../libs/contracts';
import { MINISTRIES, type Ministry } from '../../libs/contracts/contractTypes';
import { checkPartnerSchema } from '../../libs/partner-store';
import { entityScope, ReconcileError, type RunScope } from '../../libs/reconcile';

/** The agreement version a run compares against, with how each ministry's copy of its history stands. */
export interface ResolvedAgreement {
  scope: RunScope;
  document: AgreementDocument;
  /** The receiver's copy of the signed history (every version, for reports of older runs). */
  state: AgreementState;
  /** The provider's own copy of the history: the same version in force ('same'), another, or none here. */
  providerCopy: 'same' | 'different' | 'absent';
}

/** A ministry's agreement history, or null when its database holds none (no agreement schema, or not this agreement). */
async function stateIn(url: string, agreementId: string): Promise<AgreementState | null> {
  const store = AgreementStore.open(url);
  try {
    await store.assertSchema();
    return await store.state(agreementId);
  } catch (err) {
    if (err instanceof ExchangeSchemaMissingError) return null;
    throw err;
  } finally {
    await store.close();
  }
}

/**
 * Finds the agreement in the ministries' signed histories and the version in force at `at`, read from
 * the receiver's copy — the one its partner store was written under. Only entities of that version may
 * be named; none named means all of them.
 */
export async function resolveAgreement(
  databases: Readonly<Record<Ministry, string>>,
  contracts: ContractRegistry,
  agreementId: string,
  entities: readonly string[] | undefined,
  at: Date,
): Promise<ResolvedAgreement> {
  const states = new Map<Ministry, AgreementState | null>();
  for (const m of MINISTRIES) states.set(m, await stateIn(databases[m], agreementId));
  const any = [...states.values()].find((s): s is AgreementState => s !== null);
  if (!any) throw new ReconcileError('no ministry database holds this agreement', { agreementId });
  const latest = any.versions[any.versions.length - 1].document;
  const receiver = latest.place.partnerStore.database;
  const provider = latest.parties.provider.ministry;
  const held = states.get(receiver) ?? null;
  if (!held) throw new ReconcileError("the receiver's database holds no copy of the agreement's history", { agreementId, ministry: receiver });
  const record = versionRecordInForce(held, at.getTime());
  if (!record) throw new ReconcileError(`no version of the agreement is in force at ${at.toISOString()}`, { agreementId, ministry: receiver });
  const doc = record.document;
  const names = doc.data.entities.map((e) => e.entity);
  for (const e of entities ?? []) {
    if (!names.includes(e)) throw new ReconcileError(`version ${record.version} does not share this entity (it shares ${names.join(', ')})`, { agreementId, entity: e });
  }
  const shares = doc.data.entities.filter((s) => entities === undefined || entities.length === 0 || entities.includes(s.entity));
  const providerState = states.get(provider) ?? null;
  const providerRecord = providerState ? versionRecordInForce(providerState, at.getTime()) : null;
  return {
    document: doc,
    state: held,
    providerCopy: providerState === null ? 'absent' : providerRecord?.documentHash === record.documentHash ? 'same' : 'different',
    scope: {
      agreementId,
      agreementVersion: record.version,
      documentHash: record.documentHash,
      provider,
      receiver,
      partnerSchema: checkPartnerSchema(doc.place.partnerStore.schema, provider),
      entities: shares.map((s) => entityScope(s, protectFields(contracts.get(s.entity), sealedFields(doc, s.entity, contracts.get(s.entity))))),
    },
  };
}
