import { Client } from 'pg';

/**
 * The producer's own bookkeeping, kept in the source database next to the slot it describes (schema
 * thahs_cdc, never published): snapshot progress, tables stopped by drift, and the keys of changes
 * parked while a table was stopped (keys only: no personal data).
 */
export const PRODUCER_STATE_DDL = `
CREATE SCHEMA IF NOT EXISTS thahs_cdc;
CREATE TABLE IF NOT EXISTS thahs_cdc.snapshot_progress (
  entity text PRIMARY KEY,
  consistent_lsn pg_lsn NOT NULL,
  rows_published bigint NOT NULL DEFAULT 0,
  done boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS thahs_cdc.table_status (
  entity text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('streaming', 'stopped')),
  reason text,
  changed_at timestamptz NOT NULL DEFAULT now()
);
-- Operators ask for a table to be published again (thahs cdc-producer resnapshot); the running
-- producer takes the request at a transaction boundary.
CREATE TABLE IF NOT EXISTS thahs_cdc.snapshot_request (
  entity text PRIMARY KEY,
  requested_at timestamptz NOT NULL DEFAULT now(),
  last_error text
);
-- Streamed changes of an entity below its floor are superseded by a re-snapshot published at that
-- point; skipping them keeps each key's events in position order on the topic (compaction keeps the
-- last offset, so it must also be the newest state).
CREATE TABLE IF NOT EXISTS thahs_cdc.resnapshot_floor (
  entity text PRIMARY KEY,
  floor_lsn pg_lsn NOT NULL
);
CREATE TABLE IF NOT EXISTS thahs_cdc.parked_change (
  entity text NOT NULL,
  id uuid NOT NULL,
  op char(1) NOT NULL,
  lsn pg_lsn NOT NULL,
  tx_index int NOT NULL,
  PRIMARY KEY (entity, id)
);`;

export class ProducerState {
  constructor(private readonly db: Client) {}

  async ensure(): Promise<void> {
    await this.db.query(PRODUCER_STATE_DDL);
  }

  async stoppedTables(): Promise<Map<string, string>> {
    const r = await this.db.query<{ entity: string; reason: string }>("SELECT entity, reason FROM thahs_cdc.table_status WHERE state = 'stopped'");
    return new Map(r.rows.map((x) => [x.entity, x.reason]));
  }

  async stopTable(entity: string, reason: string): Promise<void> {
    await this.db.query(
      `INSERT INTO thahs_cdc.table_status (entity, state, reason) VALUES ($1, 'stopped', $2)
       ON CONFLICT (entity) DO UPDATE SET state = 'stopped', reason = EXCLUDED.reason, changed_at = now()`,
      [entity, reason],
    );
  }

  async resumeTable(entity: string): Promise<void> {
    await this.db.query(`UPDATE thahs_cdc.table_status SET state = 'streaming', reason = NULL, changed_at = now() WHERE entity = $1`, [entity]);
  }

  async park(entity: string, id: string, op: string, lsn: string, index: number): Promise<void> {
    await this.db.query(
      `INSERT INTO thahs_cdc.parked_change (entity, id, op, lsn, tx_index) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (entity, id) DO UPDATE SET op = EXCLUDED.op, lsn = EXCLUDED.lsn, tx_index = EXCLUDED.tx_index`,
      [entity, id, op, lsn, index],
    );
  }

  /** Parked deletes become tombstones when the table resumes; the re-snapshot covers the rest. */
  async takeParked(entity: string): Promise<{ id: string; op: string; lsn: string; txIndex: number }[]> {
    const r = await this.db.query<{ id: string; op: string; lsn: string; tx_index: number }>(
      'DELETE FROM thahs_cdc.parked_change WHERE entity = $1 RETURNING id, op, lsn::text, tx_index',
      [entity],
    );
    return r.rows.map((x) => ({ id: x.id, op: x.op, lsn: x.lsn, txIndex: x.tx_index }));
  }

  async requestSnapshot(entity: string): Promise<void> {
    await this.db.query(
      'INSERT INTO thahs_cdc.snapshot_request (entity) VALUES ($1) ON CONFLICT (entity) DO UPDATE SET requested_at = now(), last_error = NULL',
      [entity],
    );
  }

  async snapshotRequests(): Promise<string[]> {
    const r = await this.db.query<{ entity: string }>('SELECT entity FROM thahs_cdc.snapshot_request WHERE last_error IS NULL ORDER BY requested_at');
    return r.rows.map((x) => x.entity);
  }

  async finishRequest(entity: string, error?: string): Promise<void> {
    if (error === undefined) await this.db.query('DELETE FROM thahs_cdc.snapshot_request WHERE entity = $1', [entity]);
    else await this.db.query('UPDATE thahs_cdc.snapshot_request SET last_error = $2 WHERE entity = $1', [entity, error]);
  }

  async floors(): Promise<Map<string, string>> {
    const r = await this.db.query<{ entity: string; floor_lsn: string }>('SELECT entity, floor_lsn::text FROM thahs_cdc.resnapshot_floor');
    return new Map(r.rows.map((x) => [x.entity, x.floor_lsn]));
  }

  async setFloor(entity: string, lsn: string): Promise<void> {
    await this.db.query(
      'INSERT INTO thahs_cdc.resnapshot_floor (entity, floor_lsn) VALUES ($1, $2) ON CONFLICT (entity) DO UPDATE SET floor_lsn = EXCLUDED.floor_lsn',
      [entity, lsn],
    );
  }

  async snapshotProgress(): Promise<Map<string, { done: boolean; rows: number }>> {
    const r = await this.db.query<{ entity: string; done: boolean; rows_published: string }>('SELECT entity, done, rows_published FROM thahs_cdc.snapshot_progress');
    return new Map(r.rows.map((x) => [x.entity, { done: x.done, rows: Number(x.rows_published) }]));
  }

  async recordSnapshot(entity: string, consistentLsn: string, rows: number, done: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO thahs_cdc.snapshot_progress (entity, consistent_lsn, rows_published, done) VALUES ($1, $2, $3, $4)
       ON CONFLICT (entity) DO UPDATE SET consistent_lsn = EXCLUDED.consistent_lsn, rows_published = EXCLUDED.rows_published, done = EXCLUDED.done, updated_at = now()`,
      [entity, consistentLsn, rows, done],
    );
  }

  async clearSnapshotProgress(): Promise<void> {
    await this.db.query('DELETE FROM thahs_cdc.snapshot_progress');
  }
}
