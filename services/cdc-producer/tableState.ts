import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { EntityContract } from '../../libs/contracts/contractTypes';
import type { Relation } from '../../libs/pgoutput';
import type { RouteRules } from './agreementPlan';
import type { ContractBinding } from './contractBinding';
import type { PublishRoute } from './publishRoute';

/**
 * Everything the producer knows about one exchanged table: its contract, how its columns map onto it
 * (the binding, rebuilt on every Relation message), whether contract drift stopped it, and the routes
 * compiled for it (one per agreement version that shares it), which a new binding invalidates.
 */
export class TableState {
  binding: ContractBinding | null = null;
  oid: number | undefined;
  /** Position of the id column in the relation: parking a change needs only its key, even when stopped. */
  idColumn = -1;
  /** Why contract drift stopped the table; undefined while it streams. */
  stopped: string | undefined;
  private routes = new WeakMap<RouteRules, PublishRoute | null>();

  constructor(readonly contract: EntityContract) {}

  get entity(): string {
    return this.contract.entity;
  }

  /** Takes a new binding (or none): the routes compiled for the old column layout go with it. */
  rebind(relation: Relation, binding: ContractBinding | null): void {
    this.oid = relation.oid;
    this.idColumn = relation.columns.findIndex((c) => c.name === 'id');
    this.binding = binding;
    this.routes = new WeakMap();
  }

  /** The route of `rules` for this table, compiled once per binding; null when it cannot publish (no key held). */
  route(rules: RouteRules, compile: (binding: ContractBinding) => PublishRoute | null): PublishRoute | null {
    let r = this.routes.get(rules);
    if (r === undefined) {
      r = this.binding ? compile(this.binding) : null;
      this.routes.set(rules, r);
    }
    return r;
  }

  /** Forgets the compiled routes (new schemas registered, a key installed). */
  resetRoutes(): void {
    this.routes = new WeakMap();
  }
}

/** The exchanged tables of one ministry, by entity and by relation oid. */
export class TableStates {
  private readonly byEntity = new Map<string, TableState>();
  private readonly byOid = new Map<number, TableState>();

  constructor(contracts: ContractRegistry, entities: readonly string[]) {
    for (const e of entities) this.byEntity.set(e, new TableState(contracts.get(e)));
  }

  entity(entity: string): TableState | undefined {
    return this.byEntity.get(entity);
  }

  oid(oid: number): TableState | undefined {
    return this.byOid.get(oid);
  }

  all(): IterableIterator<TableState> {
    return this.byEntity.values();
  }

  /** Records which table a relation oid is (a relation outside the exchanged schema maps to nothing). */
  track(relation: Relation, table: TableState | undefined): void {
    if (table) this.byOid.set(relation.oid, table);
    else this.byOid.delete(relation.oid);
  }

  stoppedCount(): number {
    let n = 0;
    for (const t of this.byEntity.values()) if (t.stopped !== undefined) n++;
    return n;
  }
}
