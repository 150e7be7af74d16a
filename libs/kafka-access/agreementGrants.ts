import type { AgreementDocument, AgreementState, AgreementVersionRecord } from '../agreements';
import { latestConfirmedVersion, loadAgreementDirectory, statusAt, versionRecordInForce } from '../agreements';
import { AgreementStore } from '../agreement-exchange/agreementStore';
import type { AgreementGrant } from './aclRules';

/**
 * Which agreements open topics now. An agreement is granted while confirmed and not ended — not yet
 * started, active or suspended (a suspended consumer keeps its group and fails closed on each event) —
 * with the entities of the version in force, else of the latest confirmed one; once it has expired
 * or was terminated its consumer loses the topics at the next synchronisation.
 */
export function grantFromDocument(doc: AgreementDocument): AgreementGrant {
  return {
    agreementId: doc.id,
    provider: doc.parties.provider.ministry,
    receivers: [...new Set(doc.parties.consumers.map((c) => c.ministry))].sort(),
    entities: [...new Set(doc.data.entities.map((e) => e.entity))].sort(),
  };
}

const GRANTED = new Set(['confirmed', 'active', 'suspended']);

export function grantsInForce(states: readonly AgreementState[], at: Date = new Date()): AgreementGrant[] {
  const byId = new Map<string, AgreementGrant>();
  for (const s of states) {
    if (!GRANTED.has(statusAt(s, at))) continue;
    const record: AgreementVersionRecord | undefined = versionRecordInForce(s, at) ?? latestConfirmedVersion(s);
    if (record) byId.set(s.agreementId, grantFromDocument(record.document));
  }
  return [...byId.values()].sort((a, b) => (a.agreementId < b.agreementId ? -1 : 1));
}

/** The grants of every agreement file of a folder (deploy/agreements): what a site's manifests open. */
export async function grantsFromAgreementFiles(dir: string): Promise<AgreementGrant[]> {
  const { documents, failures } = await loadAgreementDirectory(dir);
  if (failures.length > 0) throw failures[0];
  return documents.map((d) => grantFromDocument(d.document)).sort((a, b) => (a.agreementId < b.agreementId ? -1 : 1));
}

/**
 * Every agreement the ministries' databases hold (each keeps a copy of all of them; the longest
 * history wins), as the agreement-sync services recorded it. A database without the agreement
 * schema yet holds none.
 */
export async function agreementStatesOf(urls: readonly string[]): Promise<AgreementState[]> {
  const byId = new Map<string, AgreementState>();
  for (const url of urls) {
    const store = AgreementStore.open(url);
    try {
      const present = await store.assertSchema().then(
        () => true,
        () => false,
      );
      if (!present) continue;
      for (const s of await store.allStates()) if ((byId.get(s.agreementId)?.events.length ?? -1) < s.events.length) byId.set(s.agreementId, s);
    } finally {
      await store.close();
    }
  }
  return [...byId.values()];
}
