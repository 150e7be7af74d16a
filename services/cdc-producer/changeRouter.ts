import type { Ministry } from '../../libs/contracts/contractTypes';
import { formatLsn, type EventMeta, type SourcePosition } from '../../libs/events';
import type { Tuple } from '../../libs/pgoutput';
import type { AgreementPlan, PublicationPlan, RouteRules } from './agreementPlan';
import type { ChangeEvent } from './changeEvent';
import type { ContractBinding } from './contractBinding';
import type { ParkedKey } from './producerState';
import type { PublishRoute, SignedRoute } from './publishRoute';
import type { RouteFloors } from './routeFloors';
import type { TableState } from './tableState';

/** One row change of an exchanged table, as the stream delivered it. */
export interface SourceChange {
  table: TableState;
  binding: ContractBinding;
  op: 'c' | 'u' | 'd';
  /** The new row (insert, update). */
  newTuple: Tuple | null;
  /** The old row (update, delete; REPLICA IDENTITY FULL makes it the whole row). */
  oldTuple: Tuple | null;
  position: SourcePosition;
  xid: number;
  commitTimeUs: number;
}

export interface ChangeRouterOptions {
  ministry: Ministry;
  /** System identifier of the source cluster, carried by every event. */
  sourceEpoch: string;
  floors: RouteFloors;
  /** The route of `rules` for a table (compiled once per binding); null when the table is not bound. */
  compile(table: TableState, agreement: AgreementPlan, rules: RouteRules): PublishRoute | null;
}

/**
 * The per-agreement mapping: for every change, each agreement version in force at its commit time in
 * which this ministry provides applies its entity list, row filter and field projection before
 * anything is encoded (Art. 3.4, 10.1). Per agreement the change becomes:
 * - an upsert when the new row is inside the filter;
 * - a delete when the old row was inside and the new one is not (moved out of scope), or it was deleted;
 * - nothing when neither image is inside, or no version of that agreement is in force then;
 * - a parked key while the agreement is suspended (or lists no key held here), published again at
 *   the resumption.
 * An entity no agreement shares produces nothing at all.
 */
export class ChangeRouter {
  private plan: PublicationPlan;
  /** Wall clock of the batch being routed: an agreement that has ended by now publishes nothing, whatever the commit time. */
  nowMs = Date.now();

  constructor(
    private readonly o: ChangeRouterOptions,
    plan: PublicationPlan,
  ) {
    this.plan = plan;
  }

  use(plan: PublicationPlan): void {
    this.plan = plan;
  }

  /** Whether any agreement shares the entity at all: changes of the others are dropped before any work. */
  shares(entity: string): boolean {
    return this.plan.forEntity(entity).length > 0;
  }

  /** Appends the change's events to `out` and its suspended keys to `parked`. Throws ContractDriftError on a value the contract cannot carry. */
  route(c: SourceChange, out: ChangeEvent[], parked: ParkedKey[]): void {
    const agreements = this.plan.forEntity(c.table.entity);
    if (agreements.length === 0) return;
    const commitMs = c.commitTimeUs / 1000;
    const { binding, op, newTuple, oldTuple, position } = c;
    const lsn = position.lsn;
    const id = binding.keyOf((newTuple ?? oldTuple)!);
    const oldId = op === 'u' && oldTuple ? binding.keyOf(oldTuple) : id;
    const floors = this.o.floors;
    for (const a of agreements) {
      if (this.nowMs >= a.endsAtMs) continue;
      const seg = a.segmentAt(commitMs);
      if (seg.kind === 'none') continue;
      const rules = a.rules(seg.record.version, c.table.entity);
      if (!rules) continue;
      const floor = floors.route(a.agreementId, rules.entity);
      if (floor !== undefined && lsn < floor) continue;
      if (floors.hasKeyFloors) {
        const kf = floors.key(a.agreementId, rules.entity, id);
        if (kf !== undefined && lsn < kf) continue;
      }
      const route = c.table.route(rules, () => this.o.compile(c.table, a, rules));
      if (route === null) continue;
      const inNew = newTuple !== null && route.contains(newTuple, oldTuple, lsn);
      // Without an old row (REPLICA IDENTITY not FULL) it may have been inside: a delete of a key the
      // receiver never held removes nothing.
      const inOld = op !== 'c' && (oldTuple === null || route.contains(oldTuple, null, lsn));
      if (seg.kind === 'park' || !route.canSign()) {
        if (inNew || inOld) this.park(parked, a, rules, id, oldId, lsn);
        continue;
      }
      if (op === 'd') {
        if (inOld) out.push(this.event(route, rules, 'd', id, null, c));
        continue;
      }
      if (oldId !== id && inOld) out.push(this.event(route, rules, 'd', oldId, null, c));
      if (inNew) out.push(this.event(route, rules, op, id, route.encodeValue(newTuple, oldTuple, lsn), c));
      else if (oldId === id && inOld) out.push(this.event(route, rules, 'd', id, null, c));
    }
  }

  private park(parked: ParkedKey[], a: AgreementPlan, rules: RouteRules, id: string, oldId: string, lsn: bigint): void {
    const text = formatLsn(lsn);
    parked.push({ agreementId: a.agreementId, entity: rules.entity, id, lsn: text });
    if (oldId !== id) parked.push({ agreementId: a.agreementId, entity: rules.entity, id: oldId, lsn: text });
  }

  private event(route: SignedRoute, rules: RouteRules, op: EventMeta['op'], id: string, value: Buffer | null, c: SourceChange): ChangeEvent {
    return {
      route,
      id,
      value,
      meta: {
        op,
        position: c.position,
        xid: c.xid,
        commitTs: c.commitTimeUs,
        ministry: this.o.ministry,
        entity: rules.entity,
        agreementId: rules.agreementId,
        agreementVersion: rules.version,
        sourceEpoch: this.o.sourceEpoch,
      },
    };
  }
}
