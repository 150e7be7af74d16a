import * as fs from 'fs';
import * as path from 'path';
import { parseAgreementText, type AgreementDocument, type AgreementState, type EntityShare } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { repoRoot } from '../../libs/config/repoRoot';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';

const contracts = loadContracts();
const lookup = (e: string) => (contracts.has(e) ? contracts.get(e) : undefined);

/** One of the example agreements in deploy/agreements, parsed and checked against the contracts. */
export function exampleAgreement(name: 'cand-to-qdnd' | 'qdnd-to-cand'): AgreementDocument {
  const file = path.join(repoRoot(), 'deploy', 'agreements', `${name}.yaml`);
  return parseAgreementText(fs.readFileSync(file, 'utf8'), file, { contracts: lookup });
}

/** Every contract field of the entity: what a "full" share of it sends. */
export function allFields(entity: string, registry: ContractRegistry = contracts): string[] {
  return registry.get(entity).fields.map((f) => f.name);
}

/** Every contract field of the entity but its tier-3 ones, which an agreement shares only sealed (security.fieldEncryption). */
export function clearFields(entity: string, registry: ContractRegistry = contracts): string[] {
  const c = registry.get(entity);
  return c.fields.filter((f) => f.sensitivity !== 3 || c.keyFields.includes(f.name)).map((f) => f.name);
}

/**
 * An agreement like cand → qdnd that shares the given entities whole (every field but the tier-3 ones,
 * every row), so a test of the producer's mechanics (TOAST, crashes, drift, request sizes) sees every
 * change published. Tier-3 fields travel only sealed, which test/apply/protectedFields.test.ts covers; a
 * version sharing them in the clear does not validate (the producer's and consumer's history loaders refuse it).
 */
export function sharingEverything(entities: readonly string[], o: { id?: string; initialSnapshot?: boolean } = {}): AgreementDocument {
  const base = exampleAgreement('cand-to-qdnd');
  const shares: EntityShare[] = entities.map((entity) => ({ entity, fields: clearFields(entity) }));
  return { ...base, id: o.id ?? 'TTDL-TEST-ALL', data: { entities: shares }, method: { ...base.method, scope: 'full', initialSnapshot: o.initialSnapshot ?? true } };
}

/** The document with `changes` applied to the share of `entity` (a projection or a filter of a test's own). */
export function withShare(doc: AgreementDocument, entity: string, share: Partial<EntityShare> | null): AgreementDocument {
  const others = doc.data.entities.filter((e) => e.entity !== entity);
  const old = doc.data.entities.find((e) => e.entity === entity);
  const entities = share === null ? others : [...others, { entity, fields: old?.fields ?? clearFields(entity), ...(old?.filter ? { filter: old.filter } : {}), ...share }];
  return { ...doc, data: { entities } };
}

/** A mutable agreement source for a producer under test: the test replaces the states as the history moves on. */
export class AgreementFeed {
  private current: readonly AgreementState[];

  constructor(states: readonly AgreementState[] = []) {
    this.current = states;
  }

  set(states: readonly AgreementState[]): void {
    this.current = states;
  }

  readonly source = async (): Promise<readonly AgreementState[]> => this.current;
}

/** The cand → qdnd example agreement sharing `fields` of military persons, signed by the provider with `keyId` alone (a key the suite made). */
export function militaryPersonsSignedBy(id: string, fields: readonly string[], keyId: string): AgreementDocument {
  const base = exampleAgreement('cand-to-qdnd');
  return {
    ...base,
    id,
    data: { entities: [{ entity: 'person', fields: [...fields], filter: { field: 'is_military', op: 'eq', value: true } }] },
    security: { ...base.security, keys: base.security.keys.map((k) => (k.party === base.parties.provider.id ? { ...k, keyIds: [keyId] } : k)) },
  };
}
