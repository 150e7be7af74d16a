import type { SqlRunner } from '../../libs/pgoutput';
import { REPUBLISH_DDL } from '../../libs/republish';
import type { PublishedScope } from './scopeTransitions';

/**
 * The producer's own bookkeeping, kept in the source database next to the slot it describes (schema
 * thahs_cdc, never published; keys only, no personal data):
 * - table_status, snapshot_request, parked_change: tables stopped by contract drift, the operators'
 *   re-snapshot requests, and the keys of changes made while a table was stopped;
 * - route_scope: per agreement and entity, the scope (version, fields, filter) the agreement's topic was
 *   last published under, or that it is parked (suspended) or inactive; compared with what the
 *   agreements ask now it drives backfills (scopeTransitions.ts);
 * - route_floor, key_floor: streamed changes committed before a floor are covered by a snapshot
 *   published at that point; skipping them keeps each key's events in position order on the topic
 *   (compaction keeps the last offset, so it must also be the newest state);
 * - agreement_parked: keys of rows changed while an agreement was suspended, for its resumption;
 * - backfill_progress: what each backfill has published so far (for operators);
 * - republish_request (libs/republish): tools asking for keys to be published again.
 */
export const PRODUCER_STATE_DDL = `
CREATE SCHEMA IF NOT EXISTS thahs_cdc;
CREATE TABLE IF NOT EXISTS thahs_cdc.table_status (
  entity text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('streaming', 'stopped')),
  reason text,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS thahs_cdc.snapshot_request (
  entity text PRIMARY KEY,
  requested_at timestamptz NOT NULL DEFAULT now(),
  last_error text
);
CREATE TABLE IF NOT EXISTS thahs_cdc.parked_change (
  entity text NOT NULL,
  id uuid NOT NULL,
  op char(1) NOT NULL,
  lsn pg_lsn NOT NULL,
  tx_index int NOT NULL,
  PRIMARY KEY (entity, id)
);
CREATE TABLE IF NOT EXISTS thahs_cdc.route_scope (
  agreement_id text NOT NULL,
  entity text NOT NULL,
  version int NOT NULL,
  scope_hash text NOT NULL,
  fields text[] NOT NULL,
  filter jsonb,
  audience text NOT NULL DEFAULT '',
  state text NOT NULL CHECK (state IN ('active', 'parked', 'inactive')),
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agreement_id, entity)
);
CREATE TABLE IF NOT EXISTS thahs_cdc.route_floor (
  agreement_id text NOT NULL,
  entity text NOT NULL,
  floor_lsn pg_lsn NOT NULL,
  PRIMARY KEY (agreement_id, entity)
);
CREATE TABLE IF NOT EXISTS thahs_cdc.key_floor (
  agreement_id text NOT NULL,
  entity text NOT NULL,
  id uuid NOT NULL,
  floor_lsn pg_lsn NOT NULL,
  PRIMARY KEY (agreement_id, entity, id)
);
CREATE TABLE IF NOT EXISTS thahs_cdc.agreement_parked (
  agreement_id text NOT NULL,
  entity text NOT NULL,
  id uuid NOT NULL,
  lsn pg_lsn NOT NULL,
  PRIMARY KEY (agreement_id, entity, id)
);
CREATE TABLE IF NOT EXISTS thahs_cdc.backfill_progress (
  agreement_id text NOT NULL,
  entity text NOT NULL,
  reason text NOT NULL,
  consistent_lsn pg_lsn NOT NULL,
  rows_published bigint NOT NULL DEFAULT 0,
  done boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agreement_id, entity)
);
${REPUBLISH_DDL}`;

/** A key remembered for an agreement while it was suspended. */
export interface ParkedKey {
  agreementId: string;
  entity: string;
  id: string;
  lsn: string;
}

export interface PendingRepublish {
  requestId: string;
  agreementId: string;
  entity: string;
  ids: string[];
}

export class ProducerState {
  /** The producer's shared control connection (SerialQueries), or a client of its own (the resnapshot command). */
  constructor(private readonly db: SqlRunner) {}

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

  /** Keys parked while the table was stopped; its re-snapshot publishes their state now. */
  async takeParked(entity: string): Promise<{ id: string; op: string }[]> {
    const r = await this.db.query<{ id: string; op: string }>('DELETE FROM thahs_cdc.parked_change WHERE entity = $1 RETURNING id::text, op', [entity]);
    return r.rows;
  }

  async requestSnapshot(entity: string): Promise<void> {
    await this.db.query('INSERT INTO thahs_cdc.snapshot_request (entity) VALUES ($1) ON CONFLICT (entity) DO UPDATE SET requested_at = now(), last_error = NULL', [entity]);
  }

  async snapshotRequests(): Promise<string[]> {
    const r = await this.db.query<{ entity: string }>('SELECT entity FROM thahs_cdc.snapshot_request WHERE last_error IS NULL ORDER BY requested_at');
    return r.rows.map((x) => x.entity);
  }

  async finishRequest(entity: string, error?: string): Promise<void> {
    if (error === undefined) await this.db.query('DELETE FROM thahs_cdc.snapshot_request WHERE entity = $1', [entity]);
    else await this.db.query('UPDATE thahs_cdc.snapshot_request SET last_error = $2 WHERE entity = $1', [entity, error]);
  }

  async publishedScopes(): Promise<PublishedScope[]> {
    const r = await this.db.query<{
      agreement_id: string;
      entity: string;
      version: number;
      scope_hash: string;
      fields: string[];
      filter: unknown;
      audience: string;
      state: PublishedScope['state'];
    }>('SELECT agreement_id, entity, version, scope_hash, fields, filter, audience, state FROM thahs_cdc.route_scope');
    return r.rows.map((x) => ({
      agreementId: x.agreement_id,
      entity: x.entity,
      version: x.version,
      scopeHash: x.scope_hash,
      fields: x.fields,
      filter: x.filter ?? null,
      audience: x.audience,
      state: x.state,
    }));
  }

  async recordScope(s: PublishedScope): Promise<void> {
    await this.db.query(
      `INSERT INTO thahs_cdc.route_scope (agreement_id, entity, version, scope_hash, fields, filter, audience, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (agreement_id, entity) DO UPDATE SET version = EXCLUDED.version, scope_hash = EXCLUDED.scope_hash, fields = EXCLUDED.fields,
         filter = EXCLUDED.filter, audience = EXCLUDED.audience, state = EXCLUDED.state, changed_at = now()`,
      [s.agreementId, s.entity, s.version, s.scopeHash, s.fields, s.filter === null ? null : JSON.stringify(s.filter), s.audience, s.state],
    );
  }

  async routeFloors(): Promise<{ agreementId: string; entity: string; floor: string }[]> {
    const r = await this.db.query<{ agreement_id: string; entity: string; floor_lsn: string }>('SELECT agreement_id, entity, floor_lsn::text FROM thahs_cdc.route_floor');
    return r.rows.map((x) => ({ agreementId: x.agreement_id, entity: x.entity, floor: x.floor_lsn }));
  }

  async setRouteFloor(agreementId: string, entity: string, lsn: string): Promise<void> {
    await this.db.query(
      'INSERT INTO thahs_cdc.route_floor (agreement_id, entity, floor_lsn) VALUES ($1, $2, $3) ON CONFLICT (agreement_id, entity) DO UPDATE SET floor_lsn = EXCLUDED.floor_lsn',
      [agreementId, entity, lsn],
    );
  }

  async keyFloors(): Promise<{ agreementId: string; entity: string; id: string; floor: string }[]> {
    const r = await this.db.query<{ agreement_id: string; entity: string; id: string; floor_lsn: string }>(
      'SELECT agreement_id, entity, id::text, floor_lsn::text FROM thahs_cdc.key_floor',
    );
    return r.rows.map((x) => ({ agreementId: x.agreement_id, entity: x.entity, id: x.id, floor: x.floor_lsn }));
  }

  async setKeyFloors(agreementId: string, entity: string, ids: readonly string[], lsn: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `INSERT INTO thahs_cdc.key_floor (agreement_id, entity, id, floor_lsn) SELECT $1, $2, unnest($3::uuid[]), $4
       ON CONFLICT (agreement_id, entity, id) DO UPDATE SET floor_lsn = EXCLUDED.floor_lsn`,
      [agreementId, entity, ids, lsn],
    );
  }

  /** Key floors the confirmed stream has passed can no longer skip anything. */
  async dropKeyFloorsBelow(lsn: string): Promise<void> {
    await this.db.query('DELETE FROM thahs_cdc.key_floor WHERE floor_lsn <= $1', [lsn]);
  }

  async parkForAgreement(keys: readonly ParkedKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(
      `INSERT INTO thahs_cdc.agreement_parked (agreement_id, entity, id, lsn)
       SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::pg_lsn[])
       ON CONFLICT (agreement_id, entity, id) DO UPDATE SET lsn = EXCLUDED.lsn`,
      [keys.map((k) => k.agreementId), keys.map((k) => k.entity), keys.map((k) => k.id), keys.map((k) => k.lsn)],
    );
  }

  async parkedForAgreement(agreementId: string, entity: string): Promise<string[]> {
    const r = await this.db.query<{ id: string }>('SELECT id::text FROM thahs_cdc.agreement_parked WHERE agreement_id = $1 AND entity = $2', [agreementId, entity]);
    return r.rows.map((x) => x.id);
  }

  async clearParkedForAgreement(agreementId: string, entity: string, ids: readonly string[]): Promise<void> {
    await this.db.query('DELETE FROM thahs_cdc.agreement_parked WHERE agreement_id = $1 AND entity = $2 AND id = ANY($3::uuid[])', [agreementId, entity, ids]);
  }

  /** What an ended agreement leaves behind here: nothing of it will be published again. */
  async forgetAgreement(agreementId: string): Promise<void> {
    for (const t of ['agreement_parked', 'route_floor', 'key_floor']) await this.db.query(`DELETE FROM thahs_cdc.${t} WHERE agreement_id = $1`, [agreementId]);
  }

  async recordBackfill(agreementId: string, entity: string, reason: string, consistentLsn: string, rows: number, done: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO thahs_cdc.backfill_progress (agreement_id, entity, reason, consistent_lsn, rows_published, done) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (agreement_id, entity) DO UPDATE SET reason = EXCLUDED.reason, consistent_lsn = EXCLUDED.consistent_lsn,
         rows_published = EXCLUDED.rows_published, done = EXCLUDED.done, updated_at = now()`,
      [agreementId, entity, reason, consistentLsn, rows, done],
    );
  }

  async pendingRepublish(): Promise<PendingRepublish[]> {
    const r = await this.db.query<{ request_id: string; agreement_id: string; entity: string; ids: string[] }>(
      'SELECT request_id::text, agreement_id, entity, ids::text[] AS ids FROM thahs_cdc.republish_request WHERE done_at IS NULL AND error IS NULL ORDER BY requested_at LIMIT 20',
    );
    return r.rows.map((x) => ({ requestId: x.request_id, agreementId: x.agreement_id, entity: x.entity, ids: x.ids }));
  }

  async finishRepublish(requestId: string, result: { upserts: number; deletes: number; snapshotLsn: string } | { error: string }): Promise<void> {
    if ('error' in result) await this.db.query('UPDATE thahs_cdc.republish_request SET error = $2 WHERE request_id = $1', [requestId, result.error]);
    else {
      await this.db.query('UPDATE thahs_cdc.republish_request SET done_at = now(), upserts = $2, deletes = $3, snapshot_lsn = $4 WHERE request_id = $1', [
        requestId,
        result.upserts,
        result.deletes,
        result.snapshotLsn,
      ]);
    }
  }
}
