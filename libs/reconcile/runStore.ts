import type { Pool, PoolClient } from 'pg';
import type { Ministry } from '../contracts/contractTypes';
import type { RecordedDifference } from './differenceLog';
import type { EntityOutcome, UnitFigures } from './entityComparison';
import { RECONCILE_SCHEMA } from './reconcileSchema';
import type { DifferenceClass } from './rowComparison';
import type { DatabaseIdentity } from './sideSession';

const S = RECONCILE_SCHEMA;

export type RunMode = 'full' | 'incremental' | 'recheck';
export type RunStatus = 'running' | 'clean' | 'differences' | 'failed';

/** The agreement version a run compares under, and where its two sides are. */
export interface RunAgreement {
  agreementId: string;
  agreementVersion: number;
  documentHash: string;
  provider: Ministry;
  receiver: Ministry;
  partnerSchema: string;
}

/** What a run is about, fixed when it starts. */
export interface RunStart extends RunAgreement {
  mode: RunMode;
  entities: readonly string[];
  startedBy: string;
  hashVersion: string;
  options: Readonly<Record<string, unknown>>;
  recheckedRunId: string | null;
}

/** The positions a run reads at: the provider's WAL position at its start and both snapshots. */
export interface RunPositions {
  sourceLsn: string;
  providerSnapshot: string;
  receiverSnapshot: string;
  providerIdentity: DatabaseIdentity;
  receiverIdentity: DatabaseIdentity;
}

export interface StoredEntityResult {
  entity: string;
  mode: RunMode;
  baselineRunId: string | null;
  fallbackReason: string | null;
  fields: string[];
  shareHash: string;
  sourceRows: number;
  partnerRows: number;
  checked: number;
  matched: number;
  missing: number;
  extra: number;
  different: number;
  keysTruncated: boolean;
  fieldCounts: Record<string, number>;
  rowsHashed: { provider: number; partner: number };
  rowsScanned: { provider: number; partner: number };
  changedKeys: number | null;
  blocks: number;
  blocksDiffering: number;
  segmentsDiffering: number;
  segmentsPerBlock: number;
  byReportingUnit: UnitFigures[] | null;
  startedAt: string;
  finishedAt: string;
  timings: Record<string, number>;
}

export interface StoredRun extends Omit<RunStart, 'entities' | 'options'> {
  id: string;
  entities: string[];
  options: Record<string, unknown>;
  startedAt: string;
  finishedAt: string | null;
  status: RunStatus;
  error: string | null;
  sourceLsn: string | null;
  timings: Record<string, number>;
  results: StoredEntityResult[];
}

export interface StoredDifference extends RecordedDifference {
  entity: string;
}

/** The last clean comparison of an entity, what an incremental run starts from. */
export interface StoredBaseline {
  runId: string;
  providerSnapshot: string;
  receiverSnapshot: string;
  providerIdentity: DatabaseIdentity;
  receiverIdentity: DatabaseIdentity;
  providerTableOid: number | null;
  partnerTableOid: number | null;
  boundaries: string[];
  segmentsPerBlock: number;
}

interface RunRow {
  id: string;
  agreement_id: string;
  agreement_version: number;
  document_hash: string;
  provider: Ministry;
  receiver: Ministry;
  partner_schema: string;
  mode: RunMode;
  scope_entities: string[];
  started_by: string;
  started_at: Date;
  finished_at: Date | null;
  status: RunStatus;
  error: string | null;
  source_lsn: string | null;
  hash_version: string;
  options: Record<string, unknown>;
  rechecked_run_id: string | null;
  timings: Record<string, number>;
}

interface ResultRow {
  entity: string;
  mode: RunMode;
  baseline_run_id: string | null;
  fallback_reason: string | null;
  fields: string[];
  share_hash: string;
  source_rows: string;
  partner_rows: string;
  checked: string;
  matched: string;
  missing: string;
  extra: string;
  different: string;
  keys_truncated: boolean;
  field_counts: Record<string, number>;
  rows_hashed: { provider: number; partner: number };
  rows_scanned: { provider: number; partner: number };
  changed_keys: string | null;
  blocks: number;
  blocks_differing: number;
  segments_differing: number;
  segments_per_block: number;
  by_reporting_unit: UnitFigures[] | null;
  started_at: Date;
  finished_at: Date;
  timings: Record<string, number>;
}

/**
 * Runs as the receiver's database keeps them (schema thahs_reconcile). A run row is written when the
 * run starts — so a crash leaves a trace — and completed with its status; each entity's result and its
 * differences are written in one transaction.
 */
export class RunStore {
  constructor(private readonly db: Pool) {}

  async start(r: RunStart): Promise<string> {
    const q = await this.db.query<{ id: string }>(
      `INSERT INTO ${S}.run (agreement_id, agreement_version, document_hash, provider, receiver, partner_schema, mode, scope_entities, started_by, hash_version, options, rechecked_run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id::text AS id`,
      [
        r.agreementId,
        r.agreementVersion,
        r.documentHash,
        r.provider,
        r.receiver,
        r.partnerSchema,
        r.mode,
        r.entities,
        r.startedBy,
        r.hashVersion,
        JSON.stringify(r.options),
        r.recheckedRunId,
      ],
    );
    return q.rows[0].id;
  }

  async positions(runId: string, p: RunPositions): Promise<void> {
    await this.db.query(`UPDATE ${S}.run SET source_lsn = $2, provider_snapshot = $3, receiver_snapshot = $4, provider_identity = $5, receiver_identity = $6 WHERE id = $1`, [
      runId,
      p.sourceLsn,
      p.providerSnapshot,
      p.receiverSnapshot,
      JSON.stringify(p.providerIdentity),
      JSON.stringify(p.receiverIdentity),
    ]);
  }

  async saveEntity(runId: string, shareHash: string, o: EntityOutcome, startedAt: Date, finishedAt: Date): Promise<void> {
    const c = await this.db.connect();
    try {
      await c.query('BEGIN');
      const f = o.figures;
      await c.query(
        `INSERT INTO ${S}.entity_result (run_id, entity, mode, baseline_run_id, fallback_reason, fields, share_hash, source_rows, partner_rows, checked, matched,
           missing, extra, different, keys_truncated, field_counts, rows_hashed, rows_scanned, changed_keys, blocks, blocks_differing, segments_differing,
           segments_per_block, boundaries, by_reporting_unit, provider_table_oid, partner_table_oid, started_at, finished_at, timings)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)`,
        [
          runId,
          o.entity,
          o.mode,
          o.baselineRunId,
          o.fallbackReason,
          o.fields,
          shareHash,
          f.sourceRows,
          f.partnerRows,
          f.checked,
          f.matched,
          f.missing,
          f.extra,
          f.different,
          o.keysTruncated,
          JSON.stringify(o.fieldCounts),
          JSON.stringify(o.rowsHashed),
          JSON.stringify(o.rowsScanned),
          o.changedKeys,
          o.blocks,
          o.blocksDiffering,
          o.segmentsDiffering,
          o.segmentsPerBlock,
          o.boundaries,
          o.units === null ? null : JSON.stringify(o.units),
          o.providerTableOid,
          o.partnerTableOid,
          startedAt,
          finishedAt,
          JSON.stringify(o.timingsMs),
        ],
      );
      await insertDifferences(c, runId, o.entity, o.differences);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async finish(runId: string, status: Exclude<RunStatus, 'running'>, timings: Record<string, number>, error: string | null = null): Promise<void> {
    await this.db.query(`UPDATE ${S}.run SET status = $2, finished_at = clock_timestamp(), timings = $3, error = $4 WHERE id = $1`, [
      runId,
      status,
      JSON.stringify(timings),
      error,
    ]);
  }

  /** Runs of the agreement still marked running whose process is gone (the caller holds the scope's lock). */
  async abandon(agreementId: string, entities: readonly string[]): Promise<number> {
    const r = await this.db.query(
      `UPDATE ${S}.run SET status = 'failed', finished_at = clock_timestamp(), error = 'the run ended without finishing (its process stopped)'
        WHERE agreement_id = $1 AND status = 'running' AND scope_entities && $2::text[]`,
      [agreementId, entities],
    );
    return r.rowCount ?? 0;
  }

  async run(runId: string): Promise<StoredRun | null> {
    const r = await this.db.query<RunRow>(
      `SELECT id::text AS id, agreement_id, agreement_version, document_hash, provider, receiver, partner_schema, mode, scope_entities, started_by,
              started_at, finished_at, status, error, source_lsn::text AS source_lsn, hash_version, options, rechecked_run_id::text AS rechecked_run_id, timings
         FROM ${S}.run WHERE id = $1`,
      [runId],
    );
    const row = r.rows[0];
    if (!row) return null;
    const results = await this.db.query<ResultRow>(
      `SELECT entity, mode, baseline_run_id::text AS baseline_run_id, fallback_reason, fields, share_hash, source_rows::text, partner_rows::text, checked::text,
              matched::text, missing::text, extra::text, different::text, keys_truncated, field_counts, rows_hashed, rows_scanned, changed_keys::text,
              blocks, blocks_differing, segments_differing, segments_per_block, by_reporting_unit, started_at, finished_at, timings
         FROM ${S}.entity_result WHERE run_id = $1 ORDER BY entity`,
      [runId],
    );
    return runFromRow(row, results.rows.map(resultFromRow));
  }

  /** When the newest run of the agreement in `mode` started by `startedBy` began (any status), or null: what a schedule is due from. */
  async lastStarted(agreementId: string, mode: RunMode, startedBy: string): Promise<Date | null> {
    const r = await this.db.query<{ at: Date | null }>(`SELECT max(started_at) AS at FROM ${S}.run WHERE agreement_id = $1 AND mode = $2 AND started_by = $3`, [
      agreementId,
      mode,
      startedBy,
    ]);
    return r.rows[0]?.at ?? null;
  }

  /** The newest run of an agreement (any mode and status), or null. */
  async latest(agreementId: string): Promise<StoredRun | null> {
    const r = await this.db.query<{ id: string }>(`SELECT id::text AS id FROM ${S}.run WHERE agreement_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1`, [agreementId]);
    return r.rows[0] ? this.run(r.rows[0].id) : null;
  }

  async differences(runId: string, entity?: string): Promise<StoredDifference[]> {
    const r = await this.db.query<{ entity: string; key: string; class: DifferenceClass; fields: string[]; partner_lsn: string | null; reporting_unit_id: string | null }>(
      `SELECT entity, key::text AS key, class, fields, partner_lsn::text AS partner_lsn, reporting_unit_id::text AS reporting_unit_id
         FROM ${S}.difference WHERE run_id = $1 AND ($2::text IS NULL OR entity = $2) ORDER BY entity, key`,
      [runId, entity ?? null],
    );
    return r.rows.map((d) => ({ entity: d.entity, key: d.key, class: d.class, fields: d.fields, partnerLsn: d.partner_lsn, reportingUnit: d.reporting_unit_id }));
  }

  /**
   * The last clean full or incremental comparison of an entity under the same share (fields and filter)
   * and the same hash definition: the changes since its snapshots are what an incremental run checks.
   */
  async baseline(agreementId: string, entity: string, shareHash: string, hashVersion: string): Promise<StoredBaseline | null> {
    const r = await this.db.query<{
      run_id: string;
      ps: string;
      rs: string;
      pi: DatabaseIdentity;
      ri: DatabaseIdentity;
      po: number | null;
      ro: number | null;
      boundaries: string[];
      segments_per_block: number;
    }>(
      `SELECT e.run_id::text AS run_id, r.provider_snapshot::text AS ps, r.receiver_snapshot::text AS rs, r.provider_identity AS pi, r.receiver_identity AS ri,
              e.provider_table_oid::int AS po, e.partner_table_oid::int AS ro, e.boundaries::text[] AS boundaries, e.segments_per_block
         FROM ${S}.entity_result e JOIN ${S}.run r ON r.id = e.run_id
        WHERE r.agreement_id = $1 AND e.entity = $2 AND e.share_hash = $3 AND r.hash_version = $4 AND e.mode IN ('full', 'incremental')
          AND e.missing = 0 AND e.extra = 0 AND e.different = 0 AND r.status <> 'failed' AND r.provider_snapshot IS NOT NULL
        ORDER BY r.started_at DESC, r.id DESC LIMIT 1`,
      [agreementId, entity, shareHash, hashVersion],
    );
    const b = r.rows[0];
    if (!b) return null;
    return {
      runId: b.run_id,
      providerSnapshot: b.ps,
      receiverSnapshot: b.rs,
      providerIdentity: b.pi,
      receiverIdentity: b.ri,
      providerTableOid: b.po,
      partnerTableOid: b.ro,
      boundaries: b.boundaries,
      segmentsPerBlock: b.segments_per_block,
    };
  }
}

async function insertDifferences(c: PoolClient, runId: string, entity: string, diffs: readonly RecordedDifference[]): Promise<void> {
  for (let i = 0; i < diffs.length; i += 10_000) {
    const batch = diffs.slice(i, i + 10_000);
    await c.query(
      `INSERT INTO ${S}.difference (run_id, entity, key, class, fields, partner_lsn, reporting_unit_id)
       SELECT $1, $2, d.key, d.class, COALESCE((SELECT array_agg(x) FROM jsonb_array_elements_text(d.fields) x), '{}'), d.lsn, d.unit
         FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::pg_lsn[], $7::uuid[]) AS d(key, class, fields, lsn, unit)`,
      [
        runId,
        entity,
        batch.map((d) => d.key),
        batch.map((d) => d.class),
        batch.map((d) => JSON.stringify(d.fields)),
        batch.map((d) => d.partnerLsn),
        batch.map((d) => d.reportingUnit),
      ],
    );
  }
}

function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

function runFromRow(row: RunRow, results: StoredEntityResult[]): StoredRun {
  return {
    id: row.id,
    agreementId: row.agreement_id,
    agreementVersion: row.agreement_version,
    documentHash: row.document_hash,
    provider: row.provider,
    receiver: row.receiver,
    partnerSchema: row.partner_schema,
    mode: row.mode,
    entities: row.scope_entities,
    startedBy: row.started_by,
    startedAt: row.started_at.toISOString(),
    finishedAt: iso(row.finished_at),
    status: row.status,
    error: row.error,
    sourceLsn: row.source_lsn,
    hashVersion: row.hash_version,
    options: row.options,
    recheckedRunId: row.rechecked_run_id,
    timings: row.timings,
    results,
  };
}

function resultFromRow(r: ResultRow): StoredEntityResult {
  return {
    entity: r.entity,
    mode: r.mode,
    baselineRunId: r.baseline_run_id,
    fallbackReason: r.fallback_reason,
    fields: r.fields,
    shareHash: r.share_hash,
    sourceRows: Number(r.source_rows),
    partnerRows: Number(r.partner_rows),
    checked: Number(r.checked),
    matched: Number(r.matched),
    missing: Number(r.missing),
    extra: Number(r.extra),
    different: Number(r.different),
    keysTruncated: r.keys_truncated,
    fieldCounts: r.field_counts,
    rowsHashed: r.rows_hashed,
    rowsScanned: r.rows_scanned,
    changedKeys: r.changed_keys === null ? null : Number(r.changed_keys),
    blocks: r.blocks,
    blocksDiffering: r.blocks_differing,
    segmentsDiffering: r.segments_differing,
    segmentsPerBlock: r.segments_per_block,
    byReportingUnit: r.by_reporting_unit,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at.toISOString(),
    timings: r.timings,
  };
}
