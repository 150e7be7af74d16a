import type { RowFilter } from '../../libs/agreements';
import type { AgreementPlan, PublicationPlan, RouteRules } from './agreementPlan';
import { filterImplies } from './filterImplication';

/**
 * What the provider last told an agreement's topic for one entity (thahs_cdc.route_scope): the rows
 * and fields the receiver can hold from it. Compared with what the agreement asks now, it says what
 * must be published so the receiver converges without an operator step.
 */
export interface PublishedScope {
  agreementId: string;
  entity: string;
  version: number;
  scopeHash: string;
  fields: readonly string[];
  filter: unknown;
  /** Who receives (RouteRules.audience). */
  audience: string;
  /** active: published under `version`; parked: suspended (keys remembered); inactive: nothing published now. */
  state: 'active' | 'parked' | 'inactive';
}

export type TransitionReason = 'first' | 'widened' | 'changed' | 'resumed';
// 'changed' covers fields added, a filter that may keep more rows, and a new audience (a body joined, another partner store,
// another receiver key for the sealed fields: every row in scope is sealed again to it).

export type Transition =
  /**
   * Publish from a consistent snapshot: every row inside the new scope when `fullScope` (the rows not
   * changed since would otherwise never arrive, or arrive without a newly shared field), and for the
   * keys remembered while suspended, their state now — an upsert when inside the scope, else a delete.
   */
  | { kind: 'publish'; rules: RouteRules; reason: TransitionReason; fullScope: boolean; parkedKeys: boolean }
  /** Nothing to publish; only the record changes (a narrowing, a new version with the same scope, a suspension, an end). */
  | { kind: 'record'; scope: PublishedScope };

function scopeOf(rules: RouteRules, state: PublishedScope['state']): PublishedScope {
  return {
    agreementId: rules.agreementId,
    entity: rules.entity,
    version: rules.version,
    scopeHash: rules.scopeHash,
    fields: rules.projection.fields,
    filter: rules.filter,
    audience: rules.audience,
    state,
  };
}

export function scopeKey(agreementId: string, entity: string): string {
  return `${agreementId}\u0000${entity}`;
}

/** The new scope provably holds nothing the old one did not: no field added, a filter no wider. The receiver's purge does the rest. */
function onlyNarrower(old: PublishedScope, rules: RouteRules): boolean {
  const had = new Set(old.fields);
  return old.audience === rules.audience && rules.projection.fields.every((f) => had.has(f)) && filterImplies(rules.filter as RowFilter | null, old.filter as RowFilter | null);
}

/**
 * The transitions that bring every (agreement, entity) of the plan to what the agreement asks at
 * `nowMs`, given what was published before. `canSign(rules)` says whether a key the version lists for
 * the provider is held here: without one nothing can be published, which is handled like a suspension.
 *
 * - first time in force: every row in scope when the agreement asks for an initial snapshot (element 4);
 * - widened or changed (fields added, a filter that may keep more rows, entity added back): every row
 *   in the new scope, ordered after the stream by a floor, so the receiver converges; a narrowing
 *   (fields dropped, a filter provably no wider: filterImplication.ts) publishes nothing — the producer
 *   stops publishing what falls outside from the new version's start, and the receiver purges what it
 *   holds outside it;
 * - resumed after a suspension: the rows in scope again (with an initial snapshot), and for every key
 *   changed meanwhile its state now, so rows deleted or moved out of scope during the suspension go too;
 * - suspended, ended, or no longer shared: recorded; nothing published.
 */
export function planTransitions(plan: PublicationPlan, published: ReadonlyMap<string, PublishedScope>, nowMs: number, canSign: (rules: RouteRules) => boolean): Transition[] {
  const out: Transition[] = [];
  const seen = new Set<string>();
  for (const a of plan.agreements) {
    for (const entity of a.entities) {
      const k = scopeKey(a.agreementId, entity);
      seen.add(k);
      const t = transitionOf(a, entity, published.get(k), nowMs, canSign);
      if (t) out.push(t);
    }
  }
  // Scopes of agreements (or entities) the plan no longer knows: nothing is published for them any more.
  for (const [k, p] of published) if (!seen.has(k) && p.state !== 'inactive') out.push({ kind: 'record', scope: { ...p, state: 'inactive' } });
  return out;
}

function transitionOf(a: AgreementPlan, entity: string, old: PublishedScope | undefined, nowMs: number, canSign: (rules: RouteRules) => boolean): Transition | null {
  const seg = a.ended(nowMs) ? ({ kind: 'none' } as const) : a.segmentAt(nowMs);
  const rules = seg.kind === 'none' ? null : a.rules(seg.record.version, entity);
  if (!rules) return old && old.state !== 'inactive' ? { kind: 'record', scope: { ...old, state: 'inactive' } } : null;
  const publishing = seg.kind === 'publish' && canSign(rules);
  if (!publishing) return old?.state === 'parked' && old.version === rules.version ? null : { kind: 'record', scope: scopeOf(rules, 'parked') };
  if (!old) return rules.initialSnapshot ? { kind: 'publish', rules, reason: 'first', fullScope: true, parkedKeys: false } : { kind: 'record', scope: scopeOf(rules, 'active') };
  if (old.state === 'parked') return { kind: 'publish', rules, reason: 'resumed', fullScope: rules.initialSnapshot, parkedKeys: true };
  if (old.state === 'inactive')
    return rules.initialSnapshot ? { kind: 'publish', rules, reason: 'widened', fullScope: true, parkedKeys: false } : { kind: 'record', scope: scopeOf(rules, 'active') };
  if (old.scopeHash === rules.scopeHash) return old.version === rules.version ? null : { kind: 'record', scope: scopeOf(rules, 'active') };
  if (onlyNarrower(old, rules) || !rules.initialSnapshot) return { kind: 'record', scope: scopeOf(rules, 'active') };
  return { kind: 'publish', rules, reason: 'changed', fullScope: true, parkedKeys: false };
}

/** The record a publishing transition leaves once its events are acknowledged. */
export function publishedAfter(t: Extract<Transition, { kind: 'publish' }>): PublishedScope {
  return scopeOf(t.rules, 'active');
}
