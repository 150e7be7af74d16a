import type { ContractLookup } from '../agreements';
import { loadContracts } from '../contracts/contractLoader';

/** The Avro contracts in schemas/ as the lookup agreement validation takes (both ministries use the same). */
export function publishedContracts(dir?: string): ContractLookup {
  const registry = loadContracts(dir);
  return (entity) => (registry.has(entity) ? registry.get(entity) : undefined);
}
