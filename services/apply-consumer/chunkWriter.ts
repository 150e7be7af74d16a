import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../../libs/logger';
import type { DeadLetterRecord, PartitionSequenceState, PartnerStore, StoreChange } from '../../libs/partner-store';
import { reduceToNewest } from './batchReduction';
import { deadLetterRecord, type RawEvent } from './deadLetterMessage';
import type { DeadLetterSender } from './deadLetterSender';
import type { Assessment } from './eventAssessor';
import { isRowDataError } from './eventRejection';

/** What a chunk's write did, for the accounting. */
export interface ChunkResult {
  applied: StoreChange[];
  stale: StoreChange[];
  superseded: StoreChange[];
  recordedDeadLetters: DeadLetterRecord[];
}

export interface ChunkWriterOptions {
  pool(): Pool;
  store: PartnerStore;
  deadLetters: DeadLetterSender;
  group: string;
  log: Logger;
}

/**
 * Writes a chunk of assessed events in one transaction: the newest change per key, the update log,
 * the dead letters and where the gap check stands on the partition after the chunk (`sequences`)
 * together, the dead letters' copies sent to Kafka before the commit. A chunk with nothing else to
 * write still records `sequences`, in one statement of its own, before its offsets are committed. When the store
 * refuses a value (a row its column cannot hold), the events are written in halves until the culprit
 * stands alone and is dead-lettered, so one bad row never blocks its partition.
 */
export class ChunkWriter {
  constructor(private readonly o: ChunkWriterOptions) {}

  async write(assessed: Assessment[], sequences: readonly PartitionSequenceState[] = []): Promise<ChunkResult> {
    const total: ChunkResult = { applied: [], stale: [], superseded: [], recordedDeadLetters: [] };
    await this.bisect(assessed, total, sequences);
    return total;
  }

  // Every part of a bisected chunk records the chunk's sequences: the store keeps the one of the latest offset.
  private async bisect(assessed: Assessment[], total: ChunkResult, sequences: readonly PartitionSequenceState[]): Promise<void> {
    try {
      const r = await this.writeOnce(assessed, sequences);
      total.applied.push(...r.applied);
      total.stale.push(...r.stale);
      total.superseded.push(...r.superseded);
      total.recordedDeadLetters.push(...r.recordedDeadLetters);
    } catch (err) {
      if (!isRowDataError(err)) throw err;
      if (assessed.length > 1) {
        const half = Math.ceil(assessed.length / 2);
        await this.bisect(assessed.slice(0, half), total, sequences);
        await this.bisect(assessed.slice(half), total, sequences);
        return;
      }
      const only = assessed[0];
      if (only?.kind !== 'change') throw err;
      this.o.log.warn('partner store refused a row; dead-lettering the event', {
        group: this.o.group,
        topic: only.event.topic,
        partition: only.event.partition,
        offset: only.event.offset,
        sqlState: (err as { code?: string }).code,
      });
      await this.bisect([{ kind: 'dead-letter', event: only.event, entity: only.change.entity, reason: 'store-rejected', detail: (err as Error).message }], total, sequences);
    }
  }

  private async writeOnce(assessed: Assessment[], sequences: readonly PartitionSequenceState[]): Promise<ChunkResult> {
    const changes = assessed.filter((a): a is Extract<Assessment, { kind: 'change' }> => a.kind === 'change');
    const { newest, superseded } = reduceToNewest(changes, (a) => a.change);
    const raw = new Map<DeadLetterRecord, RawEvent>();
    const deadLetters = assessed
      .filter((a): a is Extract<Assessment, { kind: 'dead-letter' }> => a.kind === 'dead-letter')
      .map((d) => {
        const rec = deadLetterRecord(d.event, d.reason, d.detail, d.entity);
        raw.set(rec, d.event);
        return rec;
      });
    if (newest.length === 0 && deadLetters.length === 0) {
      if (sequences.length > 0) await this.withClient((c) => this.o.store.recordSequences(c, sequences));
      return { applied: [], stale: [], superseded: superseded.map((a) => a.change), recordedDeadLetters: [] };
    }
    const fields = new Map<string, Set<string>>();
    for (const { change } of newest) {
      const f = fields.get(change.entity) ?? new Set<string>(['id']);
      if (change.row) for (const k of Object.keys(change.row)) f.add(k);
      fields.set(change.entity, f);
    }
    const result = await this.withClient(async (c) => {
      for (const [entity, f] of fields) await this.o.store.prepare(c, entity, f);
      return this.o.store.apply(c, { changes: newest.map((a) => a.change), deadLetters, sequences }, (recorded) =>
        recorded.length === 0 ? Promise.resolve() : this.o.deadLetters.send(recorded, raw),
      );
    });
    return { applied: result.applied, stale: result.stale, superseded: superseded.map((a) => a.change), recordedDeadLetters: result.recordedDeadLetters };
  }

  private async withClient<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.o.pool().connect();
    let broken = false;
    try {
      return await fn(c);
    } catch (err) {
      // A refused row leaves the connection sound; anything else may have broken it, so it is not reused.
      broken = !isRowDataError(err);
      throw err;
    } finally {
      c.release(broken);
    }
  }
}
