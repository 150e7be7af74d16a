import type { Ministry } from '../../libs/contracts/contractTypes';
import { formatLsn, type SourcePosition } from '../../libs/events';
import type { Logger } from '../../libs/logger';
import type { Lsn, Relation, Tuple } from '../../libs/pgoutput';
import { ContractDriftError } from './cdcErrors';
import { cdcMetrics } from './cdcMetrics';
import type { ChangeEvent } from './changeEvent';
import type { ChangeRouter } from './changeRouter';
import { ContractBinding } from './contractBinding';
import type { ParkedKey, ProducerState } from './producerState';
import type { PublishingPipeline } from './publishingPipeline';
import type { StreamSink } from './streamingSource';
import type { TableState, TableStates } from './tableState';

export interface ChangeSinkOptions {
  ministry: Ministry;
  /** Schema of the ministry's exchanged tables: relations elsewhere are tracked, never bound. */
  schema: string;
  tables: TableStates;
  state: Pick<ProducerState, 'stopTable' | 'park' | 'parkForAgreement'>;
  /** The router exists once the stream's source epoch is known, after the tables are first bound. */
  router: () => Pick<ChangeRouter, 'shares' | 'route' | 'nowMs'>;
  pipeline: Pick<PublishingPipeline, 'flush'>;
  /** What the producer does between transactions (a new plan and what it asks, requests). */
  boundary: () => Promise<void>;
  log: Logger;
}

/**
 * Where the streaming source hands its changes: binds each table to its contract, routes its changes
 * through the per-agreement mapping into the events to publish, parks the keys of a stopped table (and
 * those the mapping parks for an agreement), stops a table whose columns drifted from its contract,
 * and hands what was routed to the publishing pipeline at each flush.
 */
export class ChangeSink implements StreamSink {
  private readonly out: ChangeEvent[] = [];
  private readonly parked: ParkedKey[] = [];
  private changes = 0;

  constructor(private readonly o: ChangeSinkOptions) {}

  atBoundary(): Promise<void> {
    return this.o.boundary();
  }

  async relation(rel: Relation): Promise<void> {
    try {
      this.bind(rel);
    } catch (err) {
      if (!(err instanceof ContractDriftError)) throw err;
      const t = this.o.tables.entity(rel.name);
      if (t) await this.stopTable(t, err);
    }
  }

  change(op: 'c' | 'u' | 'd', rel: Relation, newTuple: Tuple | null, oldTuple: Tuple | null, position: SourcePosition, xid: number, commitTimeUs: number): Promise<void> | null {
    this.changes++;
    const table = this.o.tables.oid(rel.oid);
    if (!table) return null;
    const binding = table.binding;
    if (table.stopped !== undefined || binding === null) return table.stopped !== undefined ? this.park(table, op, newTuple ?? oldTuple, position) : null;
    const router = this.o.router();
    if (!router.shares(table.entity)) return null;
    try {
      router.route({ table, binding, op, newTuple, oldTuple, position, xid, commitTimeUs }, this.out, this.parked);
      return null;
    } catch (err) {
      if (!(err instanceof ContractDriftError)) throw err;
      table.rebind(binding.relation, null);
      return this.stopTable(table, err).then(() => this.park(table, op, newTuple ?? oldTuple, position));
    }
  }

  pending(): number {
    return this.out.length;
  }

  async flush(confirm: Lsn | null, commitUs: number): Promise<void> {
    this.o.router().nowMs = Date.now();
    if (this.parked.length > 0) {
      // Durable before the slot may pass the changes they stand for.
      const keys = this.parked.splice(0);
      await this.o.state.parkForAgreement(keys);
      for (const k of keys) cdcMetrics.suspendedKeys.inc({ ministry: this.o.ministry, agreement: k.agreementId, entity: k.entity });
    }
    const n = this.changes;
    this.changes = 0;
    await this.o.pipeline.flush(this.out, confirm, commitUs, n);
  }

  /** Binds a relation of the source schema to its contract; throws ContractDriftError when they no longer match. */
  bind(rel: Relation): void {
    const table = rel.namespace === this.o.schema ? this.o.tables.entity(rel.name) : undefined;
    this.o.tables.track(rel, table);
    if (!table) return;
    let binding: ContractBinding | null = null;
    if (table.stopped === undefined) {
      try {
        binding = new ContractBinding(this.o.ministry, table.contract, rel);
      } catch (err) {
        // The relation is the one the next changes are laid out in, drifted or not: a stopped table
        // parks them by the key's position in it, not in the relation bound before.
        table.rebind(rel, null);
        throw err;
      }
    }
    table.rebind(rel, binding);
  }

  /** Stops a table whose columns drifted from its contract: from then on its changes are parked, not routed. */
  async stopTable(table: TableState, err: ContractDriftError): Promise<void> {
    table.stopped = err.message;
    await this.o.state.stopTable(table.entity, err.message);
    cdcMetrics.tablesStopped.set({ ministry: this.o.ministry }, this.o.tables.stoppedCount());
    this.o.log.error('table stopped by contract drift', { ministry: this.o.ministry, entity: table.entity, field: err.field, reason: err.reason, lsn: err.lsn });
  }

  private async park(table: TableState, op: string, tuple: Tuple | null, position: SourcePosition): Promise<void> {
    const i = table.idColumn;
    const id = i >= 0 && tuple && i < tuple.length ? tuple.value(i) : null;
    if (typeof id !== 'string') {
      this.o.log.error('change of a stopped table has no key to park', { ministry: this.o.ministry, entity: table.entity, lsn: formatLsn(position.lsn) });
      return;
    }
    await this.o.state.park(table.entity, id, op, formatLsn(position.lsn), position.index);
    cdcMetrics.parked.inc({ ministry: this.o.ministry, entity: table.entity });
  }
}
