import { createHash, sign, verify, type KeyObject } from 'crypto';
import { canonicalJson, type DeletionMethod } from '../../libs/agreements';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { DeletionReasonCode } from '../../libs/partner-store';
import type { SigningKey } from '../../libs/signing';

export const DELETION_RECORD_FORMAT = 'thahs-deletion-record/1';

/** What was removed from one partner table. */
export interface DeletedEntity {
  entity: string;
  rowsDeleted: number;
  /** Rows kept with `fieldsCleared` set to null (anonymisation, or fields an amendment stopped sharing). */
  rowsAnonymised: number;
  /** keysDigest of the ids of the rows deleted. */
  keysDigest: string;
  /** keysDigest of the ids of the rows anonymised. */
  anonymisedKeysDigest: string;
  /** Fields set to null in the rows kept, sorted. */
  fieldsCleared: string[];
  /** Fields the table no longer has at all (dropped after clearing), sorted. */
  columnsDropped: string[];
}

/**
 * The receiver's signed statement that it deleted partner data as the agreement requires (Art. 12
 * (9)-(10), Art. 13): what, how many, a digest of the keys the provider can recompute from its own ids,
 * when and under which version. Sent to the provider and kept append-only by the receiver.
 */
export interface UnsignedDeletionRecord {
  format: typeof DELETION_RECORD_FORMAT;
  recordId: string;
  agreementId: string;
  version: number;
  receiver: Ministry;
  provider: Ministry;
  partnerStore: { database: Ministry; schema: string };
  /** scope_narrowed: an amendment narrowed the scope; retention: element (9) ran out; agreement_end: element (10) at the end. */
  reason: DeletionReasonCode;
  /** Element (10)'s method for agreement_end; hard_delete otherwise. */
  method: DeletionMethod;
  /** For agreement_end: the instant the agreement expired or was terminated. */
  endedAt?: string;
  entities: DeletedEntity[];
  /**
   * For agreement_end: what was removed outside the partner tables — the agreement's topics on the
   * exchange platform (its events and the receiver's dead-letter topic) and its dead letters here.
   */
  platform?: { topicsDeleted: string[]; deadLettersDeleted: number };
  executedAt: string;
  keyId: string;
  algorithm: 'Ed25519';
}

export interface DeletionRecord extends UnsignedDeletionRecord {
  /** base64 Ed25519 signature over the canonical JSON of the record without this field. */
  signature: string;
}

/**
 * SHA-256 (hex) of the keys: lower-case uuid texts sorted by code point, joined by a line feed (no
 * trailing one). The provider recomputes it from the ids it expects to be gone; the SQL twin is in
 * libs/partner-store purgeSql.
 */
export function keysDigest(ids: Iterable<string>): string {
  const sorted = [...ids].map((i) => i.toLowerCase()).sort();
  return createHash('sha256').update(sorted.join('\n'), 'utf8').digest('hex');
}

export function signDeletionRecord(record: Omit<UnsignedDeletionRecord, 'keyId' | 'algorithm'>, key: SigningKey): DeletionRecord {
  const unsigned: UnsignedDeletionRecord = { ...record, keyId: key.keyId, algorithm: 'Ed25519' };
  const signature = sign(null, Buffer.from(canonicalJson(unsigned), 'utf8'), key.privateKey).toString('base64');
  return { ...unsigned, signature };
}

/**
 * Whether `record` carries a valid Ed25519 signature of `publicKey` over exactly its content. Any
 * change — a count, a digest, a field, the key id — or a record that is not one at all gives false.
 */
export function verifyDeletionRecord(record: DeletionRecord, publicKey: KeyObject): boolean {
  if (record === null || typeof record !== 'object' || typeof record.signature !== 'string') return false;
  if (record.format !== DELETION_RECORD_FORMAT || record.algorithm !== 'Ed25519') return false;
  const { signature, ...unsigned } = record;
  let text: string;
  try {
    text = canonicalJson(unsigned);
  } catch {
    return false;
  }
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64 || sig.toString('base64') !== signature) return false;
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, sig);
  } catch {
    return false;
  }
}
