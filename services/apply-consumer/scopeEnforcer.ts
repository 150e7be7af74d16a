import { randomUUID } from 'crypto';
import type { Pool, PoolClient } from 'pg';
import type { AgreementDocument, AgreementState, AgreementVersionRecord } from '../../libs/agreements';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import { PartnerPurger, quoteIdent, retentionOverCondition, type DeletionReasonCode, type PurgeContext, type RowCondition } from '../../libs/partner-store';
import type { SigningKey } from '../../libs/signing';
import { agreementEndAt, deletionDueAt, receivedRetention, scopeVersionAt, type AgreementEnd } from '../../libs/agreements';
import { keysDigest, signDeletionRecord, type DeletedEntity, type DeletionRecord } from './deletionRecord';
import { ScopeEnforcerError } from './scopeEnforcerError';
import { planEntityScope } from './scopePlan';

export interface ScopeEnforcerOptions {
  receiver: Ministry;
  provider: Ministry;
  agreementId: string;
  /** The checked partner schema the agreement's rows live in. */
  schema: string;
  /** The agreement's signed history as known now (it changes as lifecycle events arrive); null when unknown. */
  state(): AgreementState | null;
  contracts: ContractRegistry;
  /** The receiver's key: signs every deletion record. */
  signingKey: SigningKey;
  /** Sends a record to the provider. A purge commits only after its record was sent. */
  publish(record: DeletionRecord): Promise<void>;
  log: Logger;
  /** Told, after commit, that columns were dropped from an entity's table (PartnerStore.forgetColumns). */
  onColumnsDropped?(entity: string): void;
  /** Least time between two sweeps for rows whose retention is over (element (9)); default one hour. */
  retentionEveryMs?: number;
  /**
   * At the end (element 10): deletes the agreement's topics from the exchange platform (its event
   * topics and this receiver's dead-letter topic) and returns their names; a topic already gone counts
   * as deleted. Without it the platform is left as it is (tests of the store alone).
   */
  deleteTopics?(): Promise<string[]>;
}

const EMPTY_DIGEST = keysDigest([]);

function entityEntry(entity: string): DeletedEntity {
  return { entity, rowsDeleted: 0, rowsAnonymised: 0, keysDigest: EMPTY_DIGEST, anonymisedKeysDigest: EMPTY_DIGEST, fieldsCleared: [], columnsDropped: [] };
}

function changed(e: DeletedEntity): boolean {
  return e.rowsDeleted > 0 || e.rowsAnonymised > 0 || e.columnsDropped.length > 0;
}

/** Rows holding a value in any of `columns`: clearing the others would change nothing. */
function anyNotNull(columns: readonly string[]): RowCondition {
  return { sql: columns.map((c) => `p.${quoteIdent(c)} IS NOT NULL`).join(' OR '), params: [] };
}

interface Draft {
  recordId: string;
  ctx: PurgeContext;
  entities: DeletedEntity[];
}

/**
 * Keeps one agreement's partner data within what the agreement allows now (Art. 12 (9)-(10), Art. 13):
 * - when the version in force changes (and once on start), rows no longer provably inside its filter
 *   are removed and fields it no longer shares are cleared and their columns dropped (scopePlan);
 * - rows held longer than element (9)'s received-data retention, counted from receipt, are removed;
 * - once the agreement has expired or been terminated and element (10)'s delay has passed, its rows
 *   are hard-deleted, or anonymised (the listed fields of the listed entities; other entities are
 *   hard-deleted) and then kept only until their retention ends — 'until_end' keeps nothing.
 * Every purge runs in one transaction with its update-log lines and a deletion record signed by the
 * receiver, sent to the provider before the commit. runDue is idempotent: the end is executed once per
 * agreement and store (its record says it was), and a purge that finds nothing writes no record.
 */
export class ScopeEnforcer {
  private readonly purger: PartnerPurger;
  private enforcedScope?: number;
  private lastRetentionMs = -Infinity;

  constructor(
    private readonly pool: Pool,
    private readonly o: ScopeEnforcerOptions,
  ) {
    this.purger = new PartnerPurger(o.schema);
  }

  /** Performs whatever is due at `now`; returns the deletion records written. */
  async runDue(now: Date = new Date()): Promise<DeletionRecord[]> {
    const state = this.o.state();
    if (state === null || state.agreementId !== this.o.agreementId) return [];
    const at = now.getTime();
    const out: DeletionRecord[] = [];
    const end = agreementEndAt(state, at);
    let governing: AgreementVersionRecord | null;
    if (end) {
      if (at >= deletionDueAt(end)) {
        const r = await this.step('end', () => this.executeEnd(end, now));
        if (r) out.push(r);
      }
      governing = end.last;
    } else {
      governing = scopeVersionAt(state, at);
      if (governing && governing.version !== this.enforcedScope) {
        const scope = governing;
        const r = await this.step('scope', () => this.fitScope(state, scope, now));
        if (r) out.push(r);
        this.enforcedScope = scope.version;
      }
    }
    if (governing && at - this.lastRetentionMs >= (this.o.retentionEveryMs ?? 3_600_000)) {
      const doc = governing.document;
      const r = await this.step('retention', () => this.sweepRetention(doc, governing!.version, now));
      if (r) out.push(r);
      this.lastRetentionMs = at;
    }
    return out;
  }

  private async step<T>(step: 'scope' | 'retention' | 'end', fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ScopeEnforcerError) throw err;
      throw new ScopeEnforcerError(this.o.agreementId, this.o.schema, step, (err as Error).message);
    }
  }

  private draft(version: number): Draft {
    const recordId = randomUUID();
    return {
      recordId,
      ctx: { agreementId: this.o.agreementId, agreementVersion: version, provider: this.o.provider, eventId: `deletion:${recordId}`, signedBy: this.o.signingKey.keyId },
      entities: [],
    };
  }

  /** Fits every partner table to the scope of `scope` (the version in force). */
  private async fitScope(state: AgreementState, scope: AgreementVersionRecord, now: Date): Promise<DeletionRecord | null> {
    const d = this.draft(scope.version);
    const dropped: string[] = [];
    const record = await this.transaction(async (c) => {
      for (const [entity, columns] of await this.purger.tables(c)) {
        const plan = planEntityScope(entity, columns, scope.document, state, this.o.receiver, this.o.contracts);
        const e = entityEntry(entity);
        if (plan.kind === 'drop_all') {
          const r = await this.purger.deleteRows(c, entity, d.ctx);
          e.rowsDeleted = r.n;
          e.keysDigest = r.digest;
        } else {
          // Rows first: the filter may read a field about to be dropped.
          if (plan.outside) {
            const r = await this.purger.deleteRows(c, entity, d.ctx, plan.outside);
            e.rowsDeleted = r.n;
            e.keysDigest = r.digest;
          }
          if (plan.clearColumns.length > 0) {
            const r = await this.purger.clearFields(c, entity, plan.clearColumns, d.ctx, anyNotNull(plan.clearColumns));
            e.rowsAnonymised = r.n;
            e.anonymisedKeysDigest = r.digest;
            e.fieldsCleared = plan.clearColumns;
            if (await this.purger.dropColumns(c, entity, plan.clearColumns, this.o.agreementId)) {
              e.columnsDropped = plan.clearColumns;
              dropped.push(entity);
            }
          }
        }
        if (changed(e)) d.entities.push(e);
      }
      if (d.entities.length === 0) return null;
      return this.record(c, d, 'scope_narrowed', 'hard_delete', now);
    });
    for (const entity of dropped) this.o.onColumnsDropped?.(entity);
    if (record) await this.vacuum(record);
    return record;
  }

  /** Element (10) at the end, once per agreement and partner store. */
  private async executeEnd(end: AgreementEnd, now: Date): Promise<DeletionRecord | null> {
    const doc = end.last.document;
    const method = doc.deletion.method;
    const retention = receivedRetention(doc);
    const d = this.draft(end.last.version);
    const record = await this.transaction(async (c) => {
      if (await this.purger.hasDeletionRecord(c, this.o.agreementId, this.o.receiver, 'agreement_end')) return null;
      for (const [entity, columns] of await this.purger.tables(c)) {
        const e = entityEntry(entity);
        const listed = method === 'anonymise' ? doc.deletion.anonymiseFields?.[entity] : undefined;
        if (listed === undefined || retention === null) {
          // Not listed for anonymisation, or nothing may be kept after the end ('until_end').
          const r = await this.purger.deleteRows(c, entity, d.ctx);
          e.rowsDeleted = r.n;
          e.keysDigest = r.digest;
        } else {
          const gone = await this.purger.deleteRows(c, entity, d.ctx, retentionOverCondition(retention, now));
          e.rowsDeleted = gone.n;
          e.keysDigest = gone.digest;
          const fields = listed.filter((f) => columns.has(f)).sort();
          // A listed field already dropped by an amendment is anonymised by construction.
          const kept = fields.length > 0 ? await this.purger.clearFields(c, entity, fields, d.ctx) : await this.purger.countRows(c, entity, this.o.agreementId);
          e.rowsAnonymised = kept.n;
          e.anonymisedKeysDigest = kept.digest;
          e.fieldsCleared = [...listed].sort();
        }
        d.entities.push(e);
      }
      // Dead letters hold the agreement's event bytes: they go with the partner data.
      const dead = await c.query('DELETE FROM partner_state.dead_letter WHERE agreement_id = $1', [this.o.agreementId]);
      const topicsDeleted = this.o.deleteTopics ? await this.o.deleteTopics() : [];
      return this.record(c, d, 'agreement_end', method, now, new Date(end.endedAtMs).toISOString(), { topicsDeleted, deadLettersDeleted: dead.rowCount ?? 0 });
    });
    if (record) {
      this.o.log.info('agreement ended: partner data deleted as element (10) requires', {
        agreement: this.o.agreementId,
        schema: this.o.schema,
        how: end.how,
        method,
        record: record.recordId,
        rowsDeleted: record.entities.reduce((n, e) => n + e.rowsDeleted, 0),
        rowsAnonymised: record.entities.reduce((n, e) => n + e.rowsAnonymised, 0),
      });
      await this.vacuum(record);
    }
    return record;
  }

  /** Element (9): rows received longer ago than the retention period go, during and after the agreement. */
  private async sweepRetention(doc: AgreementDocument, version: number, now: Date): Promise<DeletionRecord | null> {
    const retention = receivedRetention(doc);
    if (retention === null) return null;
    const d = this.draft(version);
    return this.transaction(async (c) => {
      for (const entity of (await this.purger.tables(c)).keys()) {
        const r = await this.purger.deleteRows(c, entity, d.ctx, retentionOverCondition(retention, now));
        if (r.n > 0) d.entities.push({ ...entityEntry(entity), rowsDeleted: r.n, keysDigest: r.digest });
      }
      // A dead letter keeps its coordinates, reason and digest; its value bytes only as long as the rows may stay.
      await c.query(`UPDATE partner_state.dead_letter SET raw_value = NULL WHERE agreement_id = $1 AND raw_value IS NOT NULL AND at < $2::timestamptz - $3::interval`, [
        this.o.agreementId,
        now.toISOString(),
        retention,
      ]);
      if (d.entities.length === 0) return null;
      return this.record(c, d, 'retention', 'hard_delete', now);
    });
  }

  private async record(
    c: PoolClient,
    d: Draft,
    reason: DeletionReasonCode,
    method: 'hard_delete' | 'anonymise',
    now: Date,
    endedAt?: string,
    platform?: DeletionRecord['platform'],
  ): Promise<DeletionRecord> {
    const record = signDeletionRecord(
      {
        format: 'thahs-deletion-record/1',
        recordId: d.recordId,
        agreementId: this.o.agreementId,
        version: d.ctx.agreementVersion,
        receiver: this.o.receiver,
        provider: this.o.provider,
        partnerStore: { database: this.o.receiver, schema: this.o.schema },
        reason,
        method,
        ...(endedAt === undefined ? {} : { endedAt }),
        entities: d.entities,
        ...(platform === undefined ? {} : { platform }),
        executedAt: now.toISOString(),
      },
      this.o.signingKey,
    );
    await this.purger.recordDeletion(c, {
      recordId: record.recordId,
      agreementId: record.agreementId,
      agreementVersion: record.version,
      receiver: record.receiver,
      provider: record.provider,
      partnerSchema: this.o.schema,
      reason,
      method,
      executedAt: record.executedAt,
      keyId: record.keyId,
      record,
    });
    await this.o.publish(record);
    if (reason !== 'agreement_end') {
      this.o.log.info('partner data purged', {
        agreement: this.o.agreementId,
        schema: this.o.schema,
        reason,
        record: record.recordId,
        entities: record.entities.map((e) => e.entity),
      });
    }
    return record;
  }

  private async transaction<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await this.purger.lock(c, this.o.agreementId);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /**
   * Makes the old row versions a purge left behind reclaimable now rather than at autovacuum's leisure.
   * PostgreSQL still does not overwrite freed pages at once; storage encryption (element (8)) covers
   * what remains on disk until they are reused.
   */
  private async vacuum(record: DeletionRecord): Promise<void> {
    for (const e of record.entities) {
      if (!changed(e)) continue;
      try {
        await this.pool.query(`VACUUM ${quoteIdent(this.o.schema)}.${quoteIdent(e.entity)}`);
      } catch (err) {
        this.o.log.warn('vacuum after purge failed', { agreement: this.o.agreementId, schema: this.o.schema, entity: e.entity, error: (err as Error).message });
      }
    }
  }
}
