import {
  clearFieldsSql,
  countRowsSql,
  DELETION_RECORD_EXISTS_SQL,
  DELETION_RECORD_INSERT_SQL,
  dropColumnsSql,
  otherAgreementRowsSql,
  PARTNER_TABLE_COLUMNS_SQL,
  PURGE_LOCK_SQL,
  purgeRowsSql,
  type PurgeCount,
  type RowCondition,
} from './purgeSql';
import type { DELETION_REASONS } from './purgeSchema';
import { quoteIdent } from './sqlNames';
import type { Queryable } from './stateSchema';

/** Who purges, under what: recorded with every update-log line the purge writes. */
export interface PurgeContext {
  agreementId: string;
  agreementVersion: number;
  provider: string;
  /** Written as the update log's event id, e.g. `deletion:<record id>`, linking each line to its record. */
  eventId: string;
  /** Key id of the receiver key that signs the deletion record. */
  signedBy: string;
}

export type DeletionReasonCode = (typeof DELETION_REASONS)[number];

/** One row of partner_state.deletion_record; `record` is the signed record as JSON. */
export interface DeletionRecordRow {
  recordId: string;
  agreementId: string;
  agreementVersion: number;
  receiver: string;
  provider: string;
  partnerSchema: string;
  reason: DeletionReasonCode;
  method: 'hard_delete' | 'anonymise';
  executedAt: string;
  keyId: string;
  record: unknown;
}

/**
 * Runs the receiver's purges in one partner schema. Callers own the transaction: every method runs on
 * the connection they pass, so a purge, its update-log lines and its deletion record commit together.
 */
export class PartnerPurger {
  constructor(readonly schema: string) {
    quoteIdent(schema);
  }

  /** Takes the transaction-scoped lock that keeps two processes from purging the same agreement at once. */
  async lock(db: Queryable, agreementId: string): Promise<void> {
    await db.query(PURGE_LOCK_SQL, [`${this.schema}/${agreementId}`]);
  }

  /** The entity tables of the schema and the columns each has now. */
  async tables(db: Queryable): Promise<Map<string, Set<string>>> {
    const r = await db.query(PARTNER_TABLE_COLUMNS_SQL, [this.schema]);
    const out = new Map<string, Set<string>>();
    for (const row of r.rows as { entity: string; column: string }[]) {
      const cols = out.get(row.entity) ?? new Set<string>();
      cols.add(row.column);
      out.set(row.entity, cols);
    }
    return out;
  }

  async deleteRows(db: Queryable, entity: string, ctx: PurgeContext, condition?: RowCondition): Promise<PurgeCount> {
    return this.count(db, purgeRowsSql(this.schema, entity, condition?.sql ?? null), entity, ctx, condition);
  }

  async clearFields(db: Queryable, entity: string, columns: readonly string[], ctx: PurgeContext, condition?: RowCondition): Promise<PurgeCount> {
    return this.count(db, clearFieldsSql(this.schema, entity, columns, condition?.sql ?? null), entity, ctx, condition);
  }

  /** Counts the agreement's rows of one entity, with their keys digest, without changing them. */
  async countRows(db: Queryable, entity: string, agreementId: string): Promise<PurgeCount> {
    const r = await db.query(countRowsSql(this.schema, entity), [agreementId]);
    return r.rows[0] as PurgeCount;
  }

  /**
   * Drops columns unless another agreement still keeps rows in the table (its data is not this
   * agreement's to drop; those columns were cleared for this agreement's rows already). Answers
   * whether they were dropped.
   */
  async dropColumns(db: Queryable, entity: string, columns: readonly string[], agreementId: string): Promise<boolean> {
    const r = await db.query(otherAgreementRowsSql(this.schema, entity), [agreementId]);
    if ((r.rows[0] as { present: boolean }).present) return false;
    await db.query(dropColumnsSql(this.schema, entity, columns));
    return true;
  }

  async hasDeletionRecord(db: Queryable, agreementId: string, receiver: string, reason: DeletionReasonCode): Promise<boolean> {
    const r = await db.query(DELETION_RECORD_EXISTS_SQL, [agreementId, this.schema, receiver, reason]);
    return (r.rows[0] as { present: boolean }).present;
  }

  async recordDeletion(db: Queryable, row: DeletionRecordRow): Promise<void> {
    await db.query(DELETION_RECORD_INSERT_SQL, [
      row.recordId,
      row.agreementId,
      row.agreementVersion,
      row.receiver,
      row.provider,
      row.partnerSchema,
      row.reason,
      row.method,
      row.executedAt,
      row.keyId,
      JSON.stringify(row.record),
    ]);
  }

  private async count(db: Queryable, sql: string, entity: string, ctx: PurgeContext, condition?: RowCondition): Promise<PurgeCount> {
    const params = [ctx.agreementId, ctx.provider, entity, ctx.eventId, ctx.agreementVersion, ctx.signedBy, ...(condition?.params ?? [])];
    const r = await db.query(sql, params);
    return r.rows[0] as PurgeCount;
  }
}
