import type { AgreementDocument, AgreementState } from '../agreements';
import { agreementTopic, applyGroupId, dlqTopic } from '../contracts/agreementTopics';
import type { Ministry } from '../contracts/contractTypes';

/**
 * What an agreement puts on the exchange platform, read from its signed history alone (no consumer
 * internals): who provides, which ministry's partner store receives, which entities travel, and so
 * which topics, consumer group and dead-letter topic belong to it. Entities are those of every
 * confirmed version — an amendment that narrowed the scope still leaves the older topics with events
 * an operator may have to look at — or, before any version is confirmed, those of the latest one.
 */
export interface AgreementScope {
  agreementId: string;
  provider: Ministry;
  /** The ministry whose database holds the partner store (element 2), null when no version names one. */
  receiver: Ministry | null;
  /** Sorted entity names. */
  entities: string[];
  /** The partner schema of the newest confirmed version (else the latest), e.g. partner_cand. */
  partnerSchema: string | null;
  titleVi: string | null;
  /** Purpose codes of the newest version, for access-log entries (Art. 5.4). */
  purposes: string[];
}

export type AgreementRole = 'provider' | 'receiver' | 'none';

function confirmedDocuments(state: AgreementState): AgreementDocument[] {
  return state.versions.filter((v) => v.status === 'confirmed').map((v) => v.document);
}

export function agreementScope(state: AgreementState): AgreementScope | null {
  const latest = state.versions[state.versions.length - 1]?.document;
  if (!latest) return null;
  const confirmed = confirmedDocuments(state);
  const docs = confirmed.length > 0 ? confirmed : [latest];
  const newest = docs[docs.length - 1];
  const entities = new Set<string>();
  for (const d of docs) for (const e of d.data.entities) entities.add(e.entity);
  return {
    agreementId: state.agreementId,
    provider: latest.parties.provider.ministry,
    receiver: newest.place.partnerStore.database ?? null,
    entities: [...entities].sort(),
    partnerSchema: newest.place.partnerStore.schema ?? null,
    titleVi: latest.titleVi ?? null,
    purposes: latest.conditions.purposes.map((p) => p.code),
  };
}

export function roleOf(scope: AgreementScope, ministry: Ministry): AgreementRole {
  if (scope.provider === ministry) return 'provider';
  if (scope.receiver === ministry) return 'receiver';
  return 'none';
}

/** The agreement's topics, one per entity: `<prefix>.<provider>.<agreement>.<entity>`. */
export function scopeTopics(prefix: string, scope: AgreementScope): string[] {
  return scope.entities.map((e) => agreementTopic(prefix, scope.provider, scope.agreementId, e));
}

/** The consumer group that applies the agreement in the receiver's database, or null without a receiver. */
export function scopeGroup(prefix: string, scope: AgreementScope): string | null {
  return scope.receiver ? applyGroupId(prefix, scope.agreementId, scope.receiver) : null;
}

export function scopeDlqTopic(prefix: string, scope: AgreementScope): string | null {
  return scope.receiver ? dlqTopic(prefix, scope.receiver, scope.agreementId) : null;
}

/** The fields a version shares of an entity (with the key `id`), or null when it does not share it. */
export function sharedFields(doc: AgreementDocument, entity: string): string[] | null {
  const share = doc.data.entities.find((e) => e.entity === entity);
  if (!share) return null;
  return share.fields.includes('id') ? [...share.fields] : ['id', ...share.fields];
}
