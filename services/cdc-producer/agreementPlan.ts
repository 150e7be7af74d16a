import {
  agreementEndAt,
  canonicalJson,
  compileEntityShare,
  deletionDueAt,
  governingRecord,
  parseInstantMs,
  sha256Hex,
  statusAt,
  versionRecordInForce,
  type AgreementState,
  type AgreementVersionRecord,
  type CompiledEntityShare,
  type FieldEncryptionElement,
} from '../../libs/agreements';
import { sealedFields } from '../../libs/agreements/protectedFields';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { projectContract, type ProjectedContract } from '../../libs/contracts/projectedContract';
import { protectFields } from '../../libs/contracts/protectedFields';

/**
 * One agreement version's rules for one entity, as the provider applies them before anything is
 * encoded: the projection (and its value schema), the row filter, and where the events go.
 */
export interface RouteRules {
  agreementId: string;
  version: number;
  entity: string;
  topic: string;
  projection: ProjectedContract;
  share: CompiledEntityShare;
  /** The filter as the document states it (null: every row); kept with the published scope. */
  filter: unknown;
  /** Identifies (fields, filter, audience): two versions with the same hash send exactly the same to the same receiver. */
  scopeHash: string;
  /**
   * Who receives: the partner store, the consumer bodies and, when the projection seals fields, the
   * receiver's encryption key they are sealed to. A new store, a body joining (Art. 10.4), or a rotated
   * receiver key receives the whole scope again, whatever the rows and fields — after a rotation no row
   * stays sealed to the old key only (agreements with an initial snapshot; docs/agreements.md).
   */
  audience: string;
  /** Element (4): whether the rows existing when the scope takes effect are sent. */
  initialSnapshot: boolean;
  /** Element (8): the provider body's key ids, any of which may sign. */
  providerKeyIds: readonly string[];
  /** The receiver's encryption key when the projection seals fields (tier 3 under security.fieldEncryption); absent otherwise. */
  sealTo?: FieldEncryptionElement;
}

/** What an agreement asks of the provider over a span of commit times. */
export type Segment =
  | { fromMs: number; toMs: number; kind: 'publish'; record: AgreementVersionRecord }
  /** Suspended: nothing is published; the keys of changed rows are remembered for the resumption. */
  | { fromMs: number; toMs: number; kind: 'park'; record: AgreementVersionRecord }
  | { fromMs: number; toMs: number; kind: 'none' };

function ms(text: string): number {
  const p = parseInstantMs(text);
  if (!p.ok) throw new RangeError(p.reason);
  return p.value;
}

/**
 * The agreement's history cut into spans over which nothing changes: between two consecutive instants
 * at which a version starts or ends, a suspension begins or ends, or the agreement is terminated, the
 * answer of versionRecordInForce (and of statusAt) is constant, so it is asked once per span.
 */
export function agreementSegments(state: AgreementState): Segment[] {
  const points = new Set<number>([-Infinity]);
  for (const v of state.versions) {
    if (v.status !== 'confirmed' || v.confirmedAt === undefined) continue;
    points.add(Math.max(ms(v.document.period.validFrom), ms(v.confirmedAt)));
    points.add(ms(v.document.period.validTo));
  }
  for (const s of state.suspensions) {
    points.add(ms(s.from));
    if (s.to !== undefined) points.add(ms(s.to));
  }
  if (state.termination) points.add(ms(state.termination.at));
  const sorted = [...points].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const fromMs = sorted[i];
    const toMs = i + 1 < sorted.length ? sorted[i + 1] : Infinity;
    const at = fromMs === -Infinity ? Number.MIN_SAFE_INTEGER : fromMs;
    const record = versionRecordInForce(state, at);
    if (record) out.push({ fromMs, toMs, kind: 'publish', record });
    else if (statusAt(state, at) === 'suspended') out.push({ fromMs, toMs, kind: 'park', record: governingRecord(state, at)!.record });
    else out.push({ fromMs, toMs, kind: 'none' });
  }
  return out;
}

/** The provider's view of one agreement under which its ministry provides. */
export class AgreementPlan {
  private readonly segments: Segment[];
  private last: Segment;
  private readonly rulesCache = new Map<number, Map<string, RouteRules | null>>();
  private lastVersion = -1;
  private lastEntity = '';
  private lastRules: RouteRules | null = null;
  readonly entities: ReadonlySet<string>;
  /** From this instant on the agreement has ended for good (Infinity while it has not): nothing is published, whatever the commit time. */
  readonly endsAtMs: number;

  constructor(
    readonly state: AgreementState,
    readonly provider: Ministry,
    private readonly contracts: ContractRegistry,
    private readonly topicPrefix: string,
  ) {
    this.segments = agreementSegments(state);
    this.last = this.segments[0];
    const entities = new Set<string>();
    for (const v of state.versions) if (v.status === 'confirmed') for (const e of v.document.data.entities) if (contracts.has(e.entity)) entities.add(e.entity);
    this.entities = entities;
    this.endsAtMs = this.segments.map((x) => x.fromMs).find((t) => t !== -Infinity && agreementEndAt(state, t) !== null) ?? Infinity;
  }

  get agreementId(): string {
    return this.state.agreementId;
  }

  /** The span holding `atMs`; commit times of a stream arrive in order, so the last answer usually holds. */
  segmentAt(atMs: number): Segment {
    const l = this.last;
    if (atMs >= l.fromMs && atMs < l.toMs) return l;
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid].fromMs <= atMs) lo = mid;
      else hi = mid - 1;
    }
    this.last = this.segments[lo];
    return this.last;
  }

  /** The rules of `version` for `entity`, or null when that version does not share the entity. */
  rules(version: number, entity: string): RouteRules | null {
    // Asked for every change: consecutive changes mostly ask the same question, answered without building a key.
    if (version === this.lastVersion && entity === this.lastEntity) return this.lastRules;
    let byEntity = this.rulesCache.get(version);
    if (!byEntity) {
      byEntity = new Map();
      this.rulesCache.set(version, byEntity);
    }
    let r = byEntity.get(entity);
    if (r === undefined) {
      r = this.compile(version, entity);
      byEntity.set(entity, r);
    }
    this.lastVersion = version;
    this.lastEntity = entity;
    this.lastRules = r;
    return r;
  }

  topic(entity: string): string {
    return agreementTopic(this.topicPrefix, this.provider, this.agreementId, entity);
  }

  /** Ended for good (expired with nothing to follow, or terminated) by `nowMs`: nothing more is published. */
  ended(nowMs: number): boolean {
    return nowMs >= this.endsAtMs;
  }

  /** Element (10) is due: the receiver deletes the partner data and the agreement's topics. */
  deletionDue(nowMs: number): boolean {
    const end = agreementEndAt(this.state, nowMs);
    return end !== null && nowMs >= deletionDueAt(end);
  }

  private compile(version: number, entity: string): RouteRules | null {
    const record = this.state.versions.find((v) => v.version === version);
    const share = record?.document.data.entities.find((e) => e.entity === entity);
    if (!record || !share || !this.contracts.has(entity)) return null;
    const contract = this.contracts.get(entity);
    const compiled = compileEntityShare(share, contract);
    const doc = record.document;
    const sealed = sealedFields(doc, entity, contract);
    const projection = projectContract(protectFields(contract, sealed), compiled.fields);
    const filter = share.filter ?? null;
    // The key id joins the hash only when fields are sealed, so the audience of every other route keeps its value.
    const sealedTo = sealed.length > 0 ? { sealedTo: doc.security.fieldEncryption!.keyId } : {};
    const audience = sha256Hex(canonicalJson({ store: doc.place.partnerStore, consumers: doc.parties.consumers.map((c) => c.id).sort(), ...sealedTo }));
    return {
      agreementId: doc.id,
      version,
      entity,
      topic: this.topic(entity),
      projection,
      share: compiled,
      filter,
      scopeHash: sha256Hex(canonicalJson({ fields: projection.fields, filter, audience })),
      audience,
      initialSnapshot: doc.method.initialSnapshot,
      providerKeyIds: doc.security.keys.find((k) => k.party === doc.parties.provider.id)?.keyIds ?? [],
      ...(sealed.length > 0 ? { sealTo: doc.security.fieldEncryption } : {}),
    };
  }
}

/** Every agreement under which one ministry provides, by entity. */
export class PublicationPlan {
  private readonly byEntity = new Map<string, AgreementPlan[]>();

  constructor(readonly agreements: readonly AgreementPlan[]) {
    for (const a of agreements) {
      for (const e of a.entities) {
        const list = this.byEntity.get(e) ?? [];
        list.push(a);
        this.byEntity.set(e, list);
      }
    }
  }

  static build(states: readonly AgreementState[], ministry: Ministry, contracts: ContractRegistry, topicPrefix: string): PublicationPlan {
    const mine = states.filter((s) => s.versions[0]?.document.parties.provider.ministry === ministry);
    return new PublicationPlan(mine.map((s) => new AgreementPlan(s, ministry, contracts, topicPrefix)));
  }

  static empty(): PublicationPlan {
    return new PublicationPlan([]);
  }

  /** The agreements that share `entity` in some confirmed version (possibly not in force now). */
  forEntity(entity: string): readonly AgreementPlan[] {
    return this.byEntity.get(entity) ?? NONE;
  }

  agreement(id: string): AgreementPlan | undefined {
    return this.agreements.find((a) => a.agreementId === id);
  }

  /** Identifies the histories the plan was built from: a changed history means a new plan. */
  get signature(): string {
    return this.agreements.map((a) => `${a.agreementId}:${a.state.lastEventHash}`).join(',');
  }
}

const NONE: readonly AgreementPlan[] = [];
