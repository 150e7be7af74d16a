import { SnapshotNameError } from './errors';
import type { SqlRunner } from './sqlRunner';

/** `%08X-%08X-%d` since PostgreSQL 13, `%08X-%d` before. */
const SNAPSHOT_NAME = /^[0-9A-F]{8}(-[0-9A-F]{8})?-[0-9]+$/;

/**
 * Opens a REPEATABLE READ, READ ONLY transaction on `db` that sees exactly the data as of the slot's
 * consistent point, so an initial copy plus the stream from that slot covers every row once.
 * `db` must be one connection (a Client or PoolClient, not a Pool); the caller ends the transaction.
 * It must run while the replication connection that exported the snapshot is still idle: its next
 * command (START_REPLICATION included) ends the export. Once imported, the snapshot stays valid here.
 */
export async function importSnapshot(db: SqlRunner, snapshotName: string): Promise<void> {
  if (!SNAPSHOT_NAME.test(snapshotName)) throw new SnapshotNameError(snapshotName);
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  try {
    // SET TRANSACTION takes no parameters; the name was checked against its fixed format above.
    await db.query(`SET TRANSACTION SNAPSHOT '${snapshotName}'`);
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
