import { ContractError } from './contractError';
import type { ContractField, EntityContract } from './contractTypes';

/** Attribute of a sealed field in a projected value schema: the registry's copy says which fields are ciphertext. */
export const PROTECTED_ATTRIBUTE = 'x-protected';

/**
 * Kinds a protected field may have. The sealed plaintext is the value's text as the provider's
 * database prints it (UTF-8), which for these is the value itself; every tier-3 field of the contracts
 * is one of them. Other kinds would need a text form of their own on both sides.
 */
const SEALABLE = new Set<ContractField['kind']>(['string', 'json']);

/** Why `field` cannot be protected, or undefined when it can. */
export function unprotectableReason(contract: EntityContract, field: ContractField): string | undefined {
  if (contract.keyFields.includes(field.name)) return `${field.name} is a key field of ${contract.entity}: keys identify rows and are never sealed`;
  if (field.sensitivity !== 3) return `${field.name} is tier ${field.sensitivity}; only tier-3 fields are sealed`;
  if (!SEALABLE.has(field.kind)) return `${field.name} is of kind ${field.kind}; only string and json fields can be sealed`;
  return undefined;
}

/**
 * The contract as an agreement protecting `names` sees it: those fields marked `protected`, everything
 * else unchanged. The same object when nothing is protected, so callers that protect nothing pay nothing.
 */
export function protectFields(contract: EntityContract, names: Iterable<string>): EntityContract {
  const wanted = new Set(names);
  if (wanted.size === 0) return contract;
  const byName = new Map(contract.fields.map((f) => [f.name, f]));
  for (const n of wanted) {
    const f = byName.get(n);
    if (!f) throw new ContractError(contract.valueFile ?? contract.entity, `cannot protect ${n}: not in the contract of ${contract.entity}`, n);
    const why = unprotectableReason(contract, f);
    if (why) throw new ContractError(contract.valueFile ?? contract.entity, `cannot protect ${why}`, n);
  }
  return { ...contract, fields: contract.fields.map((f) => (wanted.has(f.name) ? { ...f, protected: true as const } : f)) };
}

/** Names of the fields marked protected, in contract order. */
export function protectedFieldNames(contract: EntityContract): string[] {
  return contract.fields.filter((f) => f.protected).map((f) => f.name);
}
