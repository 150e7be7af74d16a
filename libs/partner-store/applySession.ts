/**
 * What the connections applying batches to the partner store set for their session.
 *
 * plan_cache_mode = force_custom_plan: the apply statements are prepared once per connection, and the
 * generic plan PostgreSQL settles on after five executions is fixed by the statistics of that moment.
 * Made while the tombstone table was nearly empty (every new partner store, every consumer start on a
 * small one), it is a sequential scan of the tombstones testing each against the batch's key array
 * (`t.id = ANY($1)`, a linear search per row), and it stays while the table grows: a cost of every
 * delete ever applied times the batch size. In `bench apply` that was ~65 % of the receiver backends'
 * CPU (uuid_eq and ExecEvalScalarArrayOp in a system-wide profile; 57–80 µs per event); a scratch
 * table showed 57 ms per statement at 20,000 tombstones and 500 keys, against 0.3 ms when the plan was
 * made. A custom plan sees the keys as a constant (hashed: one probe per row) and the table's current
 * size (an index scan once that is cheaper), for about a millisecond of planning per statement.
 */
export const APPLY_SESSION_OPTIONS = '-c plan_cache_mode=force_custom_plan';

/**
 * The connection URL with the apply session's settings added to any `options` it carries (pg takes
 * the URL's parameters over a separate `options` setting). A URL that does not parse is returned as is.
 */
export function withApplySessionOptions(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const own = u.searchParams.get('options');
  u.searchParams.set('options', own ? `${own} ${APPLY_SESSION_OPTIONS}` : APPLY_SESSION_OPTIONS);
  return u.toString();
}
