import type { KeyObject } from 'crypto';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import {
  compileEntityShare,
  governingRecord,
  KeyBindingError,
  partyKeyIds,
  requireBoundKeys,
  statusAt,
  versionRecordInForce,
  type AgreementDocument,
  type AgreementState,
  type CompiledEntityShare,
} from '../../libs/agreements';
import { scopeVersionAt } from '../../libs/agreements';
import { sealedFields } from '../../libs/agreements/protectedFields';
import type { AppliedPolicy, DeclaredPolicy, PolicyResolver } from './policyResolver';

type HeldKeys = { ids(): string[]; get(keyId: string): KeyObject | undefined };

/**
 * The policy of one agreement for one receiving ministry, read from the agreement's signed history: the
 * version in force at the event's commit time (confirmed by every party, started, not expired, not
 * suspended, not terminated) decides the projection, the filter and the provider's keys. Anything
 * else — no version in force, a version whose partner store is not in this receiver's database, an
 * entity the version does not share — resolves to null and the event is withheld.
 *
 * What the receiver may hold when the event is applied bounds it too: after the agreement has expired
 * or been terminated nothing is applied, whatever the commit time, and after a narrowing amendment an
 * event committed under the wider version is projected and filtered by both. Otherwise a late or
 * replayed event would bring back data the ScopeEnforcer purged.
 */
export class AgreementPolicy implements PolicyResolver {
  private readonly compiled = new Map<string, AppliedPolicy | null>();
  private readonly declarations = new Map<string, DeclaredPolicy | null>();
  /**
   * The last answer and what it was asked: the events of one source transaction share their commit time
   * and arrive together, so most calls repeat the previous one within the same millisecond.
   */
  private last?: { provider: Ministry; entity: string; commitTimeUs: number; nowMs: number; policy: AppliedPolicy | null };
  /** The keys held, once requireKeysBound saw them bound: checked again at every new history. */
  private held?: HeldKeys;
  private onUnbound?: (err: KeyBindingError) => void;
  /** Held keys a later version binds to another public key: no longer trusted, whatever the version in force. */
  private readonly unbound = new Map<string, KeyBindingError>();

  constructor(
    private state: AgreementState,
    private readonly receiver: Ministry,
    private readonly contracts: ContractRegistry,
    /** Epoch milliseconds now; tests move it. */
    private readonly clock: () => number = Date.now,
  ) {}

  get agreementId(): string {
    return this.state.agreementId;
  }

  /** The signed history the policy follows now. */
  get current(): AgreementState {
    return this.state;
  }

  /** Follows a newer history of the same agreement (a lifecycle event arrived: amendment, suspension, termination). */
  update(state: AgreementState): void {
    if (state.agreementId !== this.state.agreementId) throw new RangeError(`policy of ${this.state.agreementId} cannot follow ${state.agreementId}`);
    this.state = state;
    this.compiled.clear();
    this.declarations.clear();
    this.last = undefined;
    this.recheckKeys();
  }

  /**
   * An amendment may bind a listed key id to another public key (issue 14, item 12): a key file held
   * since the start that no longer matches is not trusted from then on — its events and watermarks are
   * refused as signed by a key the agreement does not list now — and reported once through `onUnbound`.
   */
  private recheckKeys(): void {
    const held = this.held;
    if (!held) return;
    for (const keyId of held.ids()) {
      if (this.unbound.has(keyId)) continue;
      try {
        requireBoundKeys(this.state, { ids: () => [keyId], get: (id) => held.get(id) });
      } catch (err) {
        if (!(err instanceof KeyBindingError)) throw err;
        this.unbound.set(keyId, err);
        this.onUnbound?.(err);
      }
    }
  }

  resolve(provider: Ministry, entity: string, commitTimeUs: number): AppliedPolicy | null {
    const nowMs = this.clock();
    const l = this.last;
    if (l && l.commitTimeUs === commitTimeUs && l.nowMs === nowMs && l.entity === entity && l.provider === provider) return l.policy;
    const policy = this.resolveAt(provider, entity, commitTimeUs, nowMs);
    this.last = { provider, entity, commitTimeUs, nowMs, policy };
    return policy;
  }

  private resolveAt(provider: Ministry, entity: string, commitTimeUs: number, nowMs: number): AppliedPolicy | null {
    const at = commitTimeUs / 1000;
    const record = versionRecordInForce(this.state, at);
    if (!record) return null;
    // A commit time ahead of this clock (skew) is judged at the commit time.
    const ceiling = scopeVersionAt(this.state, Math.max(nowMs, at));
    if (!ceiling) return null;
    const doc = record.document;
    if (doc.parties.provider.ministry !== provider || !this.receives(doc) || !this.receives(ceiling.document)) return null;
    const key = `${record.version}\u0000${ceiling.version}\u0000${entity}`;
    if (!this.compiled.has(key))
      this.compiled.set(key, this.bounded(this.compile(doc, entity), ceiling.version === record.version ? undefined : this.compile(ceiling.document, entity)));
    return this.compiled.get(key) ?? null;
  }

  resolveRemoval(provider: Ministry, entity: string, commitTimeUs: number): AppliedPolicy | null {
    const at = commitTimeUs / 1000;
    if (statusAt(this.state, at) !== 'suspended') return null;
    const governing = governingRecord(this.state, at);
    const ceiling = scopeVersionAt(this.state, Math.max(this.clock(), at));
    if (!governing || !ceiling) return null;
    const doc = governing.record.document;
    if (doc.parties.provider.ministry !== provider || !this.receives(doc) || !this.receives(ceiling.document)) return null;
    return this.compile(doc, entity);
  }

  requireKeysBound(keys: HeldKeys, onUnbound?: (err: KeyBindingError) => void): void {
    requireBoundKeys(this.state, keys);
    this.held = keys;
    this.onUnbound = onUnbound;
  }

  /** Key ids refused since an amendment bound them to another public key than the file held here. */
  unboundKeys(): string[] {
    return [...this.unbound.keys()].sort();
  }

  keyAllowedNow(provider: Ministry, keyId: string): boolean {
    if (this.unbound.size > 0 && this.unbound.has(keyId)) return false;
    const now = scopeVersionAt(this.state, this.clock());
    if (!now || now.document.parties.provider.ministry !== provider) return false;
    return partyKeyIds(now.document, now.document.parties.provider.id).includes(keyId);
  }

  declared(provider: Ministry, entity: string, version: number): DeclaredPolicy | null {
    const k = `${version}\u0000${entity}`;
    if (this.declarations.has(k)) return this.declarations.get(k)!;
    const record = this.state.versions.find((v) => v.version === version && v.status === 'confirmed');
    const doc = record?.document;
    const share = doc?.data.entities.find((e) => e.entity === entity);
    let out: DeclaredPolicy | null = null;
    if (doc && share && doc.parties.provider.ministry === provider && this.contracts.has(entity)) {
      const c = compileEntityShare(share, this.contracts.get(entity));
      const sealed = sealedFields(doc, entity, this.contracts.get(entity));
      out = { agreementId: doc.id, version, fields: c.fields.includes('id') ? c.fields : ['id', ...c.fields], predicate: c.matches, filterFields: c.filterFields, sealed };
    }
    this.declarations.set(k, out);
    return out;
  }

  /** The rules of the commit-time version narrowed by those of the version in force now. */
  private bounded(at: AppliedPolicy | null, now: AppliedPolicy | null | undefined): AppliedPolicy | null {
    if (!at || now === undefined) return at;
    if (!now) return null;
    const fields = at.fields.filter((f) => now.fields.includes(f));
    return { ...at, fields, predicate: (r) => at.predicate(r) && now.predicate(r) };
  }

  sealedFields(provider: Ministry, entity: string): string[] {
    const out = new Set<string>();
    if (!this.contracts.has(entity)) return [];
    for (const v of this.state.versions)
      if (v.status === 'confirmed' && v.document.parties.provider.ministry === provider && this.receives(v.document))
        for (const f of sealedFields(v.document, entity, this.contracts.get(entity))) out.add(f);
    return [...out];
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
