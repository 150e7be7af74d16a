import { agreementSubject, agreementTopic, DEFAULT_TOPIC_PREFIX } from './agreementTopics';
import { schemaFingerprint } from './catalogFingerprint';
import { PROVIDER_NAMES_VI } from './catalogLabels';
import type { CatalogEntity } from './catalogModel';
import { COMPATIBILITY_RULE, Ministry, SensitivityTier } from './contractTypes';
import { ContractRegistry } from './contractRegistry';
import { projectionFields, projectValueSchema } from './projectedContract';
import { protectFields } from './protectedFields';

/**
 * What the catalogue shows of one published agreement version (Art. 7, Art. 12): who gives what to
 * whom, and per shared entity the topic, the subjects and exactly the fields and rows that leave the
 * provider. libs/contracts does not read agreements (libs/agreements builds on it, not the reverse):
 * the caller hands each agreement in as plain data, its filters already stated in words; the
 * catalogue adds what the contract decides (types, docs, tiers, topic names, projected schemas).
 */
export interface CatalogAgreementParty {
  id: string;
  ministry: Ministry;
  nameVi: string;
  nameEn?: string;
}

export interface CatalogAgreementShareSource {
  entity: string;
  fields: readonly string[];
  /** Whether a row filter applies; without one every row is shared. */
  filtered: boolean;
  /** The row filter (or its absence) in words, e.g. by libs/agreements describeFilter. */
  filterVi: string;
  filterEn: string;
  /** Tier-3 fields the version seals to the receiver's key (security.fieldEncryption); absent when none. */
  sealed?: readonly string[];
}

export interface CatalogPurpose {
  code: string;
  description: string;
}

/** Element (9): ISO 8601 durations or 'until_end', with their reading in both languages. */
export interface CatalogRetention {
  received: string;
  derived: string;
  summaryVi: string;
  summaryEn: string;
}

/** Element (10): method and delay, with their reading in both languages. */
export interface CatalogDeletion {
  method: string;
  afterEnd: string;
  anonymiseFields?: Readonly<Record<string, readonly string[]>>;
  summaryVi: string;
  summaryEn: string;
}

export interface CatalogAgreementSource {
  id: string;
  version: number;
  titleVi: string;
  titleEn?: string;
  provider: CatalogAgreementParty;
  consumers: readonly CatalogAgreementParty[];
  dispatch: { number: string; date: string; channel: string };
  period: { validFrom: string; validTo: string };
  partnerStore: { database: Ministry; schema: string };
  method: { scope: string; initialSnapshot: boolean };
  purposes: readonly CatalogPurpose[];
  retention: CatalogRetention;
  deletion: CatalogDeletion;
  entities: readonly CatalogAgreementShareSource[];
}

/** A field as it travels on the agreement's topic. */
export interface CatalogSharedField {
  name: string;
  avroType: string;
  sensitivity: SensitivityTier;
  docVi: string;
  docEn: string;
}

export interface CatalogAgreementEntity {
  entity: string;
  docVi: string;
  docEn: string;
  topic: string;
  keySubject: string;
  valueSubject: string;
  compatibility: typeof COMPATIBILITY_RULE;
  /** The projected fields, in contract order, the key first. */
  fields: CatalogSharedField[];
  /** How many fields the entity's contract has, shared or not. */
  contractFieldCount: number;
  filtered: boolean;
  filterVi: string;
  filterEn: string;
  /** SHA-256 of the Parsing Canonical Form of the key schema and of the projected value schema. */
  fingerprints: { key: string; value: string };
  valueSchema: Record<string, unknown>;
}

export interface CatalogAgreementPartyView extends CatalogAgreementParty {
  ministryVi: string;
}

export interface CatalogAgreement extends Omit<CatalogAgreementSource, 'entities' | 'provider' | 'consumers'> {
  /** Anchor of its section in the Markdown and HTML renderings. */
  anchor: string;
  provider: CatalogAgreementPartyView;
  consumers: CatalogAgreementPartyView[];
  entities: CatalogAgreementEntity[];
}

/** An agreement the catalogue cannot show: the same version given twice, or a share the contract does not know. */
export class CatalogAgreementError extends Error {
  constructor(
    readonly agreementId: string,
    readonly version: number,
    readonly reason: string,
    readonly entity?: string,
  ) {
    super(`agreement ${agreementId} v${version}${entity === undefined ? '' : ` (entity ${entity})`}: ${reason}`);
    this.name = 'CatalogAgreementError';
  }
}

function compareAgreements(a: CatalogAgreementSource, b: CatalogAgreementSource): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.version - b.version;
}

/** Agreement ids are `A-Z a-z 0-9 . _ -`, all legal in an HTML id and a URL fragment as they are. */
export function agreementAnchor(id: string, version: number): string {
  return `agreement-${id}-v${version}`;
}

/**
 * The published agreements in a fixed order (id, then version), each completed from the contract;
 * shared fields are the entity sections' own (same type label, docs and tier).
 */
export function catalogAgreements(sources: readonly CatalogAgreementSource[], registry: ContractRegistry, entities: readonly CatalogEntity[]): CatalogAgreement[] {
  const sorted = [...sources].sort(compareAgreements);
  for (let i = 1; i < sorted.length; i++) {
    if (compareAgreements(sorted[i - 1], sorted[i]) === 0) throw new CatalogAgreementError(sorted[i].id, sorted[i].version, 'given twice');
  }
  const party = (p: CatalogAgreementParty): CatalogAgreementPartyView => ({ ...p, ministryVi: PROVIDER_NAMES_VI[p.ministry] });
  const byEntity = new Map(entities.map((e) => [e.entity, e]));
  return sorted.map((a) => ({
    ...a,
    anchor: agreementAnchor(a.id, a.version),
    provider: party(a.provider),
    consumers: a.consumers.map(party),
    entities: a.entities.map((share) => sharedEntity(a, share, registry, byEntity)),
  }));
}

function sharedEntity(
  a: CatalogAgreementSource,
  share: CatalogAgreementShareSource,
  registry: ContractRegistry,
  entities: ReadonlyMap<string, CatalogEntity>,
): CatalogAgreementEntity {
  const entry = entities.get(share.entity);
  if (!entry || !registry.has(share.entity)) throw new CatalogAgreementError(a.id, a.version, 'no contract for this entity', share.entity);
  const contract = registry.get(share.entity);
  let names: string[];
  try {
    names = projectionFields(contract, share.fields);
  } catch (err) {
    throw new CatalogAgreementError(a.id, a.version, (err as Error).message, share.entity);
  }
  const shared = new Set(names);
  const topic = agreementTopic(DEFAULT_TOPIC_PREFIX, a.provider.ministry, a.id, share.entity);
  // The schema the producer registers: sealed fields as bytes, so the fingerprint matches the registry's.
  const valueSchema = projectValueSchema(protectFields(contract, share.sealed ?? []), names);
  return {
    entity: share.entity,
    docVi: contract.docVi,
    docEn: contract.docEn,
    topic,
    keySubject: agreementSubject(topic, 'key'),
    valueSubject: agreementSubject(topic, 'value'),
    compatibility: COMPATIBILITY_RULE,
    fields: entry.fields.filter((f) => shared.has(f.name)).map((f) => ({ name: f.name, avroType: f.avroType, sensitivity: f.sensitivity, docVi: f.docVi, docEn: f.docEn })),
    contractFieldCount: contract.fields.length,
    filtered: share.filtered,
    filterVi: share.filterVi,
    filterEn: share.filterEn,
    fingerprints: { key: entry.fingerprints.key, value: schemaFingerprint(valueSchema) },
    valueSchema,
  };
}
