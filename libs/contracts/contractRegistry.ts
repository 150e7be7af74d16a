import { UnknownEntityError } from './contractError';
import { EntityContract } from './contractTypes';

/** The loaded data contract: one EntityContract per exchanged entity, listed in entity-name order. */
export class ContractRegistry {
  private readonly byEntity: ReadonlyMap<string, EntityContract>;

  constructor(contracts: Iterable<EntityContract>) {
    const sorted = [...contracts].sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));
    const map = new Map<string, EntityContract>();
    for (const c of sorted) {
      if (map.has(c.entity)) throw new Error(`duplicate contract for entity ${c.entity}`);
      map.set(c.entity, c);
    }
    this.byEntity = map;
  }

  has(entity: string): boolean {
    return this.byEntity.has(entity);
  }

  get(entity: string): EntityContract {
    const c = this.byEntity.get(entity);
    if (!c) throw new UnknownEntityError(entity, [...this.byEntity.keys()]);
    return c;
  }

  list(): readonly EntityContract[] {
    return [...this.byEntity.values()];
  }

  entities(): readonly string[] {
    return [...this.byEntity.keys()];
  }
}
