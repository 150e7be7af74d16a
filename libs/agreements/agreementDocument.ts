import type { EntityContract, Ministry } from '../contracts/contractTypes';
import type { RowFilter } from './rowFilter';

/**
 * One version of a data-sharing agreement (nội dung thống nhất trao đổi dữ liệu), as authored and as
 * signed: the ten elements of Art. 12 of the circular plus identity, parties and the official dispatch
 * that records it (Art. 10.3). Status and history are not part of the document; they come from the
 * signed lifecycle events (see AgreementState).
 */
export const AGREEMENT_FORMAT = 'thahs-agreement/1';

export interface Party {
  /** Stable id of the body, prefixed by its ministry: e.g. `cand.c10`, `qdnd.cuc-dths`. */
  id: string;
  ministry: Ministry;
  nameVi: string;
  nameEn?: string;
}

export interface AgreementParties {
  provider: Party;
  consumers: readonly Party[];
}

export type DispatchChannel = 'official_letter' | 'internal_fax';
export const DISPATCH_CHANNELS: readonly DispatchChannel[] = ['official_letter', 'internal_fax'];

/** The official dispatch (công văn giao liên / fax nội bộ) recording the agreement, Art. 10.3. */
export interface Dispatch {
  /** Số công văn, e.g. `125/C10-P4`. */
  number: string;
  /** YYYY-MM-DD. */
  date: string;
  channel: DispatchChannel;
}

/** (1) One shared entity: its projection (fields named one by one) and an optional row filter. */
export interface EntityShare {
  entity: string;
  fields: readonly string[];
  filter?: RowFilter;
}

export interface DataElement {
  entities: readonly EntityShare[];
}

/** (2) Where the data is received and used. */
export interface PlaceElement {
  /** The only place received rows may be written: a schema of the consumer ministry's database. */
  partnerStore: { database: Ministry; schema: string };
  /** Sites (offices, data centres) where the data is used. */
  sites: readonly string[];
}

/** (3) The in-force window: validFrom ≤ t < validTo, ISO 8601 instants with an offset. */
export interface PeriodElement {
  validFrom: string;
  validTo: string;
}

export type ExchangeScope = 'full' | 'partial';
/** (4) How the data moves. */
export interface MethodElement {
  transport: 'streaming';
  /** full: every row of each listed entity; partial: some entity is filtered. */
  scope: ExchangeScope;
  /** Whether the consumer first receives the rows that exist when the agreement takes effect. */
  initialSnapshot: boolean;
}

/** (5) What the consumer does with data it receives. */
export interface ProcessingElement {
  description: string;
  /** Received data is applied to the partner store only and never re-published as the consumer's own (Art. 3.2). */
  republish: false;
  /** Whether derived data (statistics, reports, joins) may be produced from it. */
  derivedDataAllowed: boolean;
}

export interface Purpose {
  /** UPPER_SNAKE code recorded in the access log with every use. */
  code: string;
  description: string;
}
/** (6) Conditions and limits on exchange and use. */
export interface ConditionsElement {
  purposes: readonly Purpose[];
  restrictions: readonly string[];
}

export type SignatureAlgorithm = 'Ed25519';
export type DigestAlgorithm = 'SHA-256';
export type TransportProtection = 'TLSv1.2' | 'TLSv1.3';
export type ClientAuthentication = 'mTLS' | 'SASL_SCRAM_SHA_512';
export type StorageEncryption = 'AES-256-GCM' | 'AES-256-XTS';

export interface PartyKeys {
  party: string;
  /** Ids of the party's Ed25519 public keys (files in THAHS_KEYS_DIR), any of which may sign. */
  keyIds: readonly string[];
  /**
   * Per key id, the SHA-256 of its public key (SPKI DER, lowercase hex): a key file under that id with
   * another key is refused (keyBinding.ts). Required of every key id when present; absent only in
   * documents signed before it existed, whose keys are bound by id alone.
   */
  publicKeySha256?: Readonly<Record<string, string>>;
}
/** The one algorithm of protected fields: libs/field-encryption's envelope. */
export type FieldEncryptionAlgorithm = 'X25519-HKDF-SHA256-AES-256-GCM';

/**
 * The receiving ministry's encryption key (`thahs keys generate-encryption`): every tier-3 field the
 * version shares is sealed to it by the provider and stays sealed in the partner store. Bound like the
 * signing keys: a public key file under the id with another SHA-256 is refused.
 */
export interface FieldEncryptionElement {
  algorithm: FieldEncryptionAlgorithm;
  /** `<receiving ministry>-enc-<YYYYMMDD>-<8 hex>`. */
  keyId: string;
  /** SHA-256 of the X25519 public key's SPKI DER, lowercase hex. */
  publicKeySha256: string;
}

/** (8) Security and authentication of transmission, storage and access. */
export interface SecurityElement {
  signature: SignatureAlgorithm;
  digest: DigestAlgorithm;
  transport: TransportProtection;
  authentication: ClientAuthentication;
  storageEncryption: StorageEncryption;
  keys: readonly PartyKeys[];
  /** Optional: when present, every tier-3 field shared is sealed to this key (protectedFields.ts). */
  fieldEncryption?: FieldEncryptionElement;
}

/** An ISO 8601 duration counted from receipt, or 'until_end' (kept while the agreement lasts). */
export type Retention = string;
/** (9) Storage after exchange, for received data and data derived from it. */
export interface StorageElement {
  receivedRetention: Retention;
  derivedRetention: Retention;
}

export type DeletionMethod = 'hard_delete' | 'anonymise';
/** (10) How and when data is deleted once exchanged or when the exchange ends. */
export interface DeletionElement {
  method: DeletionMethod;
  /** For anonymise: per entity, the fields set to null (never key fields). */
  anonymiseFields?: Readonly<Record<string, readonly string[]>>;
  /** Delay after the end of the exchange (valid-to or termination) before deletion runs, e.g. P0D, P30D. */
  afterEnd: string;
}

export interface AgreementDocument {
  format: typeof AGREEMENT_FORMAT;
  id: string;
  version: number;
  titleVi: string;
  titleEn?: string;
  parties: AgreementParties;
  dispatch: Dispatch;
  data: DataElement;
  place: PlaceElement;
  period: PeriodElement;
  method: MethodElement;
  processing: ProcessingElement;
  conditions: ConditionsElement;
  commitments: readonly string[];
  security: SecurityElement;
  storage: StorageElement;
  deletion: DeletionElement;
}

/** Finds a contract by entity name; the validator never loads schemas itself. */
export type ContractLookup = (entity: string) => EntityContract | undefined;

export function allParties(doc: AgreementDocument): readonly Party[] {
  return [doc.parties.provider, ...doc.parties.consumers];
}

export function partyKeyIds(doc: AgreementDocument, party: string): readonly string[] {
  return doc.security.keys.find((k) => k.party === party)?.keyIds ?? [];
}
