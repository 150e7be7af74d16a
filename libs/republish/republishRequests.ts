import type { ClientBase } from 'pg';

/**
 * Re-publication requests: an operator tool (the reconciler's repair, a data-error resolution) asks the
 * provider's CDC producer to publish the current state of some keys of one agreement and entity again,
 * through the normal signed pipeline — never by writing to the partner store. The table lives in the
 * provider's database next to the producer's other state (schema thahs_cdc, never published) and holds
 * keys only, no row values. The producer takes a request at a transaction boundary, reads the keys from
 * a consistent snapshot and publishes each as an upsert when the row exists and is inside the scope the
 * agreement version in force shares now, and as a delete (tombstone) otherwise.
 */
export const REPUBLISH_DDL = `
CREATE SCHEMA IF NOT EXISTS thahs_cdc;
CREATE TABLE IF NOT EXISTS thahs_cdc.republish_request (
  request_id uuid PRIMARY KEY,
  agreement_id text NOT NULL,
  entity text NOT NULL,
  ids uuid[] NOT NULL,
  requested_by text NOT NULL,
  reason text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz,
  upserts integer,
  deletes integer,
  -- The snapshot's consistent point: every published state is at least as new as this position.
  snapshot_lsn pg_lsn,
  error text
);
CREATE INDEX IF NOT EXISTS republish_request_pending ON thahs_cdc.republish_request (requested_at) WHERE done_at IS NULL AND error IS NULL;`;

export interface RepublishRequest {
  agreementId: string;
  entity: string;
  ids: readonly string[];
  /** Who asked (an operator login or a service name); recorded, never a person's data. */
  requestedBy: string;
  reason: string;
}

export interface RepublishStatus {
  requestId: string;
  agreementId: string;
  entity: string;
  keys: number;
  requestedAt: Date;
  doneAt: Date | null;
  upserts: number | null;
  deletes: number | null;
  snapshotLsn: string | null;
  error: string | null;
}

/** Most keys in one request: a larger set is split by the caller (each request is one snapshot read). */
export const MAX_REPUBLISH_KEYS = 100_000;

export async function ensureRepublishSchema(db: ClientBase): Promise<void> {
  await db.query(REPUBLISH_DDL);
}

/** Records a request; returns its id. The producer picks it up within about a second while it streams. */
export async function requestRepublish(db: ClientBase, r: RepublishRequest): Promise<string> {
  if (r.ids.length === 0) throw new RangeError('a re-publication request needs at least one key');
  if (r.ids.length > MAX_REPUBLISH_KEYS) throw new RangeError(`at most ${MAX_REPUBLISH_KEYS} keys per request, got ${r.ids.length}`);
  await ensureRepublishSchema(db);
  const res = await db.query<{ request_id: string }>(
    `INSERT INTO thahs_cdc.republish_request (request_id, agreement_id, entity, ids, requested_by, reason)
     VALUES (gen_random_uuid(), $1, $2, $3::uuid[], $4, $5) RETURNING request_id::text`,
    [r.agreementId, r.entity, r.ids, r.requestedBy, r.reason],
  );
  return res.rows[0].request_id;
}

export async function republishStatus(db: ClientBase, requestId: string): Promise<RepublishStatus | null> {
  const res = await db.query<{
    request_id: string;
    agreement_id: string;
    entity: string;
    keys: number;
    requested_at: Date;
    done_at: Date | null;
    upserts: number | null;
    deletes: number | null;
    snapshot_lsn: string | null;
    error: string | null;
  }>(
    `SELECT request_id::text, agreement_id, entity, cardinality(ids) AS keys, requested_at, done_at, upserts, deletes, snapshot_lsn::text, error
       FROM thahs_cdc.republish_request WHERE request_id = $1`,
    [requestId],
  );
  const x = res.rows[0];
  if (!x) return null;
  return {
    requestId: x.request_id,
    agreementId: x.agreement_id,
    entity: x.entity,
    keys: x.keys,
    requestedAt: x.requested_at,
    doneAt: x.done_at,
    upserts: x.upserts,
    deletes: x.deletes,
    snapshotLsn: x.snapshot_lsn,
    error: x.error,
  };
}
