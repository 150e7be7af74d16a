import type { PgoutputMessage, Tuple, TupleValue } from '../../libs/pgoutput';

/**
 * The message with its tuples as value arrays: two Tuples holding the same values need not hold the same
 * bytes (the decoder's keeps the wire's kind bytes and lengths between values), so rows compare by value.
 */
export function plainMessage(m: PgoutputMessage): object {
  const vals = (t: Tuple | null): TupleValue[] | null => (t === null ? null : t.values());
  switch (m.tag) {
    case 'insert':
      return { ...m, newTuple: m.newTuple.values() };
    case 'update':
      return { ...m, keyTuple: vals(m.keyTuple), oldTuple: vals(m.oldTuple), newTuple: m.newTuple.values() };
    case 'delete':
      return { ...m, keyTuple: vals(m.keyTuple), oldTuple: vals(m.oldTuple) };
    default:
      return m;
  }
}
