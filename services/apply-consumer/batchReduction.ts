import { comparePositions, SourcePosition } from '../../libs/events';

/** What the reduction needs to know of a change. */
export interface KeyedPosition {
  entity: string;
  id: string;
  position: SourcePosition;
}

/**
 * Keeps only the newest change of each key in a batch (by source position, not by arrival), so the
 * batch becomes one set-based write per entity with at most one row per key. An equal position is the
 * same change delivered twice; the later copy is kept. The others are superseded: their effect is
 * contained in the change that replaces them.
 */
export function reduceToNewest<T>(items: readonly T[], view: (item: T) => KeyedPosition): { newest: T[]; superseded: T[] } {
  const best = new Map<string, T>();
  const superseded: T[] = [];
  for (const item of items) {
    const v = view(item);
    const key = `${v.entity}\u0000${v.id.toLowerCase()}`;
    const held = best.get(key);
    if (held === undefined) {
      best.set(key, item);
    } else if (comparePositions(v.position, view(held).position) >= 0) {
      superseded.push(held);
      best.set(key, item);
    } else {
      superseded.push(item);
    }
  }
  return { newest: [...best.values()], superseded };
}
