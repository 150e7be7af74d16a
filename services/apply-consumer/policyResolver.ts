import type { KeyObject } from 'crypto';
import type { KeyBindingError } from '../../libs/agreements';
import type { Ministry } from '../../libs/contracts/contractTypes';

/** A decoded record in the canonical representation (dates in days, timestamps in µs, decimals as text). */
export type PolicyRecord = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** What the agreement version in force at an event's commit time allows for one entity. */
export interface AppliedPolicy {
  agreementId: string;
  version: number;
  /** The projection; always includes the key field id. */
  fields: readonly string[];
  /** The row filter: false means the row is not shared (a held copy is removed). */
  predicate(record: PolicyRecord): boolean;
  /** Key ids the provider may sign with under this version; an event signed by any other key is refused. */
  providerKeyIds: readonly string[];
}

/**
 * Which rules govern an event. `null` means no agreement version is in force for the provider, entity
 * and commit time: the event is withheld (default deny, Art. 3.4). The consumer depends only on this,
 * so tests and other agreement sources can stand in for the agreements library.
 */
export interface PolicyResolver {
  resolve(provider: Ministry, entity: string, commitTimeUs: number): AppliedPolicy | null;
  /**
   * For a removal (a delete carries no data) committed while the agreement was suspended: the rules it
   * is applied under, so a row the provider deleted or moved out of scope does not stay with the
   * receiver until the resumption. Null when the agreement was not merely suspended then.
   */
  resolveRemoval?(provider: Ministry, entity: string, commitTimeUs: number): AppliedPolicy | null;
  /**
   * The rules of the version an event says it was published under (its signed meta): what the
   * provider may have sent. Null when that version was never confirmed or does not share the entity.
   */
  declared?(provider: Ministry, entity: string, version: number): DeclaredPolicy | null;
  /**
   * Whether the version in force now still lists `keyId` for the provider. The signer chooses an event's
   * commit time and position, so a key removed from the agreement (revoked) must not sign an event
   * backdated into a version that listed it.
   */
  keyAllowedNow?(provider: Ministry, keyId: string): boolean;
  /** Fields of `entity` any confirmed version seals (they are stored as bytea); none when absent. */
  sealedFields?(provider: Ministry, entity: string): readonly string[];
  /**
   * Throws KeyBindingError when a held key is not the public key an agreement version binds to its id;
   * later versions are checked as they arrive, a key failing then is refused from then on and reported through `onUnbound`.
   */
  requireKeysBound?(keys: { ids(): string[]; get(keyId: string): KeyObject | undefined }, onUnbound?: (err: KeyBindingError) => void): void;
}

/** What an agreement version allows a provider to send of one entity (defence in depth at the receiver). */
export interface DeclaredPolicy {
  agreementId: string;
  version: number;
  fields: readonly string[];
  predicate(record: PolicyRecord): boolean;
  /** Fields the row filter reads: the receiver can check the filter only when the event carries them all. */
  filterFields: readonly string[];
  /** Fields the version seals to the receiver's key (tier 3 under security.fieldEncryption). */
  sealed?: readonly string[];
}
