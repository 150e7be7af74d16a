import type { ClientBase } from 'pg';
import type { ContractField, EntityContract } from '../contracts/contractTypes';
import { changeParams, deleteStatement, PreparedStatement, upsertStatement } from './applySql';
import { DEAD_LETTER_INSERT, deadLetterKey, deadLetterParams } from './deadLetterSql';
import { PARTITION_SEQUENCE_UPSERT, partitionSequenceParams, type PartitionSequenceState } from './partitionSequence';
import { entityTableDdl, existingColumns, partnerSchemaDdl, tableFields } from './partnerTables';
import { PartnerStoreError } from './partnerStoreError';
import { ensureStateSchema, PARTNER_DDL_LOCK } from './stateSchema';
import type { DeadLetterRecord, StoreBatch, StoreChange, StoreIdentity, StoreResult } from './storeTypes';

export interface PartnerStoreOptions {
  /** Checked partner schema (see checkPartnerSchema). */
  schema: string;
  identity: StoreIdentity;
  contract(entity: string): EntityContract;
}

/**
 * The receiver's copy of one provider's data under one agreement, in its own schema of the receiver's
 * database. A batch is written in one transaction with one set-based statement per entity and kind of
 * change, so the position checks, the tombstones, the update log and the dead letters commit or roll
 * back together.
 */
export class PartnerStore {
  private readonly columns = new Map<string, ContractField[]>();
  private readonly statements = new Map<string, PreparedStatement>();

  constructor(private readonly o: PartnerStoreOptions) {}

  get schema(): string {
    return this.o.schema;
  }

  /** Creates the bookkeeping schema, the partner schema and its tombstone table when missing. */
  async init(client: ClientBase): Promise<void> {
    await ensureStateSchema(client);
    await this.ddl(client, partnerSchemaDdl(this.o.schema));
  }

  /** Makes sure the entity's table has a column for every field in `fields` (creating or altering it). */
  async prepare(client: ClientBase, entity: string, fields: Iterable<string>): Promise<readonly ContractField[]> {
    const contract = this.o.contract(entity);
    const wanted = tableFields(contract, fields);
    const known = this.columns.get(entity);
    if (known && wanted.every((f) => known.some((k) => k.name === f.name))) return known;
    await this.ddl(client, entityTableDdl(this.o.schema, contract, wanted));
    const present = await existingColumns(client, this.o.schema, entity);
    const cols = contract.fields.filter((f) => present.has(f.name));
    this.columns.set(entity, cols);
    return cols;
  }

  /**
   * Forgets what is known of a table's columns (all tables when no entity is given), so the next
   * prepare reads them again: a purge has dropped columns an amendment no longer shares.
   */
  forgetColumns(entity?: string): void {
    if (entity === undefined) this.columns.clear();
    else this.columns.delete(entity);
  }

  /**
   * Writes a reduced batch. `beforeCommit` runs inside the transaction after every write succeeded,
   * with the dead letters recorded now; if it throws, nothing is committed.
   */
  async apply(client: ClientBase, batch: StoreBatch, beforeCommit?: (recorded: DeadLetterRecord[]) => Promise<void>): Promise<StoreResult> {
    const byEntity = new Map<string, StoreChange[]>();
    const seen = new Set<string>();
    for (const c of batch.changes) {
      const k = `${c.entity}\u0000${c.id}`;
      if (seen.has(k)) throw new PartnerStoreError(`key ${c.id} appears twice in one batch; reduce the batch first`, this.o.schema, c.entity);
      seen.add(k);
      const list = byEntity.get(c.entity) ?? [];
      list.push(c);
      byEntity.set(c.entity, list);
    }
    const appliedIds = new Set<string>();
    await client.query('BEGIN');
    try {
      let recorded: DeadLetterRecord[] = [];
      if (batch.deadLetters.length > 0) {
        const r = await client.query<{ topic: string; kafka_partition: number; kafka_offset: string }>({
          ...DEAD_LETTER_INSERT,
          values: deadLetterParams(this.o.identity, batch.deadLetters),
        });
        const fresh = new Set(r.rows.map((x) => deadLetterKey(x.topic, x.kafka_partition, x.kafka_offset)));
        recorded = batch.deadLetters.filter((d) => fresh.has(deadLetterKey(d.topic, d.partition, d.offset)));
      }
      for (const [entity, changes] of byEntity) {
        const upserts = changes.filter((c) => c.row !== null);
        const deletes = changes.filter((c) => c.row === null);
        if (upserts.length > 0) {
          const cols = this.columns.get(entity);
          if (!cols) throw new PartnerStoreError('the table was not prepared', this.o.schema, entity);
          const names = new Set(cols.map((c) => c.name));
          for (const u of upserts) {
            for (const f of Object.keys(u.row!)) if (!names.has(f)) throw new PartnerStoreError(`no column for field ${f}; prepare the table first`, this.o.schema, entity);
          }
          const stmt = this.statement(`u\u0000${entity}\u0000${[...names].join(',')}`, () => upsertStatement(this.o.schema, entity, cols));
          const r = await client.query<{ id: string }>({ ...stmt, values: changeParams(this.o.identity.provider, entity, upserts, cols) });
          for (const row of r.rows) appliedIds.add(`${entity}\u0000${row.id}`);
        }
        if (deletes.length > 0) {
          const stmt = this.statement(`d\u0000${entity}`, () => deleteStatement(this.o.schema, entity));
          const r = await client.query<{ id: string }>({ ...stmt, values: changeParams(this.o.identity.provider, entity, deletes) });
          for (const row of r.rows) appliedIds.add(`${entity}\u0000${row.id}`);
        }
      }
      if (batch.sequences && batch.sequences.length > 0) await this.recordSequences(client, batch.sequences);
      if (beforeCommit) await beforeCommit(recorded);
      await client.query('COMMIT');
      const applied: StoreChange[] = [];
      const stale: StoreChange[] = [];
      for (const c of batch.changes) (appliedIds.has(`${c.entity}\u0000${c.id.toLowerCase()}`) ? applied : stale).push(c);
      return { applied, stale, recordedDeadLetters: recorded };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * Records where the gap check stands on partitions (one statement): inside apply's transaction, or on
   * its own for a chunk that writes nothing else (every event withheld by the agreement).
   */
  async recordSequences(client: ClientBase, states: readonly PartitionSequenceState[]): Promise<void> {
    await client.query({ ...PARTITION_SEQUENCE_UPSERT, values: partitionSequenceParams(this.o.identity.consumerGroup, this.o.identity.agreementId, states) });
  }

  private statement(key: string, build: () => PreparedStatement): PreparedStatement {
    let s = this.statements.get(key);
    if (!s) {
      s = build();
      this.statements.set(key, s);
    }
    return s;
  }

  private async ddl(client: ClientBase, statements: readonly string[]): Promise<void> {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTNER_DDL_LOCK]);
      for (const sql of statements) await client.query(sql);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
