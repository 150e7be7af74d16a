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
}
