import type { EntityContract } from '../contracts/contractTypes';
import type { AgreementDocument, ContractLookup, FieldEncryptionAlgorithm } from './agreementDocument';
import type { RowFilter } from './rowFilter';

export const FIELD_ENCRYPTION_ALGORITHM: FieldEncryptionAlgorithm = 'X25519-HKDF-SHA256-AES-256-GCM';

/**
 * The fields of `entity` this version seals: when it names the receiver's encryption key
 * (security.fieldEncryption), every tier-3 field it shares — there is no per-field choice, so no tier-3
 * field can be left in the clear by omission. None without that key (documents from before it).
 */
export function sealedFields(doc: AgreementDocument, entity: string, contract: EntityContract): string[] {
  if (!doc.security.fieldEncryption) return [];
  const share = doc.data.entities.find((e) => e.entity === entity);
  if (!share) return [];
  const shared = new Set(share.fields);
  return contract.fields.filter((f) => f.sensitivity === 3 && shared.has(f.name) && !contract.keyFields.includes(f.name)).map((f) => f.name);
}

/** Every field a row filter reads. */
export function filterFieldNames(filter: RowFilter | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (f: unknown): void => {
    if (typeof f !== 'object' || f === null) return;
    const o = f as Record<string, unknown>;
    if (Array.isArray(o.and)) o.and.forEach(walk);
    if (Array.isArray(o.or)) o.or.forEach(walk);
    if (o.not !== undefined) walk(o.not);
    if (typeof o.field === 'string') out.add(o.field);
  };
  walk(filter);
  return out;
}

/**
 * Fields an amendment would switch between sealed and clear while both versions share them: refused,
 * because records of both versions stay on one compacted topic and the partner column cannot be text
 * for some rows and ciphertext for others (Avro even resolves string and bytes into each other, so the
 * registry's compatibility rule would not catch it). Returns `entity.field` names.
 */
export function protectionChanges(previous: AgreementDocument, next: AgreementDocument, contracts: ContractLookup): string[] {
  const out: string[] = [];
  for (const share of next.data.entities) {
    const before = previous.data.entities.find((e) => e.entity === share.entity);
    const contract = contracts(share.entity);
    if (!before || !contract) continue;
    const was = new Set(sealedFields(previous, share.entity, contract));
    const now = new Set(sealedFields(next, share.entity, contract));
    for (const f of share.fields) if (before.fields.includes(f) && was.has(f) !== now.has(f)) out.push(`${share.entity}.${f}`);
  }
  return out;
}
