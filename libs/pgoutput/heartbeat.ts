import { parseLsn, type Lsn } from './lsn';
import type { PgoutputMessage, LogicalMessage } from './pgoutputMessages';
import type { SqlRunner } from './sqlRunner';

export const HEARTBEAT_PREFIX = 'thahs.heartbeat';

/**
 * Writes a non-transactional logical message into the WAL. It reaches the stream (when started with
 * messages on) even when no published table changes, so confirming its LSN lets the slot advance
 * instead of pinning WAL behind a quiet publication. Returns the message's LSN, which equals the
 * `lsn` of the LogicalMessage the stream delivers for it.
 */
export async function emitHeartbeat(db: SqlRunner, content: string): Promise<Lsn> {
  const r = await db.query<{ lsn: string }>('SELECT pg_logical_emit_message(false, $1, $2)::text AS lsn', [HEARTBEAT_PREFIX, content]);
  return parseLsn(r.rows[0].lsn);
}

export function isHeartbeat(message: PgoutputMessage): message is LogicalMessage {
  return message.tag === 'message' && message.prefix === HEARTBEAT_PREFIX;
}
