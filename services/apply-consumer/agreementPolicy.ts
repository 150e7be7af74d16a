import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import {
  compileEntityShare,
  partyKeyIds,
  versionRecordInForce,
  type AgreementDocument,
  type AgreementState,
  type CompiledEntityShare,
} from '../../libs/agreements';
import type { AppliedPolicy, PolicyResolver } from './policyResolver';

/**
 * The policy of one agreement for one receiving ministry, read from the agreement's signed history: the
 * version in force at the event's commit time (confirmed by every party, started, not expired, not
 * suspended, not terminated) decides the projection, the filter and the provider's keys. Anything
 * else — no version in force, a version whose partner store is not in this receiver's database, an
 * entity the version does not share — resolves to null and the event is withheld.
 */
export class AgreementPolicy implements PolicyResolver {
  private readonly compiled = new Map<string, AppliedPolicy | null>();

  constructor(
    private readonly state: AgreementState,
    private readonly receiver: Ministry,
    private readonly contracts: ContractRegistry,
  ) {}

  get agreementId(): string {
    return this.state.agreementId;
  }

  resolve(provider: Ministry, entity: string, commitTimeUs: number): AppliedPolicy | null {
    const record = versionRecordInForce(this.state, commitTimeUs / 1000);
    if (!record) return null;
    const doc = record.document;
    if (doc.parties.provider.ministry !== provider || !this.receives(doc)) return null;
    const key = `${record.version}\u0000${entity}`;
    if (!this.compiled.has(key)) this.compiled.set(key, this.compile(doc, entity));
    return this.compiled.get(key) ?? null;
  }

  /** Entities any confirmed version shares: what the consumer subscribes to. */
  sharedEntities(): string[] {
    const out = new Set<string>();
    for (const v of this.state.versions) if (v.status === 'confirmed' && this.receives(v.document)) for (const e of v.document.data.entities) out.add(e.entity);
    return [...out].sort();
  }

  /** The partner schema of the newest confirmed version for this receiver, if any. */
  partnerSchema(): string | undefined {
    const confirmed = this.state.versions.filter((v) => v.status === 'confirmed' && this.receives(v.document));
    return confirmed[confirmed.length - 1]?.document.place.partnerStore.schema;
  }

  /** The provider ministry (fixed for the life of an agreement). */
  provider(): Ministry | undefined {
    return this.state.versions[0]?.document.parties.provider.ministry;
  }

  private receives(doc: AgreementDocument): boolean {
    return doc.place.partnerStore.database === this.receiver && doc.parties.consumers.some((c) => c.ministry === this.receiver);
  }

  private compile(doc: AgreementDocument, entity: string): AppliedPolicy | null {
    const share = doc.data.entities.find((e) => e.entity === entity);
    if (!share || !this.contracts.has(entity)) return null;
    const c: CompiledEntityShare = compileEntityShare(share, this.contracts.get(entity));
    return {
      agreementId: doc.id,
      version: doc.version,
      fields: c.fields.includes('id') ? c.fields : ['id', ...c.fields],
      predicate: c.matches,
      providerKeyIds: partyKeyIds(doc, doc.parties.provider.id),
    };
  }
}
