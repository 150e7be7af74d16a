import type { Ministry } from '../../libs/contracts/contractTypes';
import type { ReceivedMeta, SourcePosition } from '../../libs/events';
import type { Logger } from '../../libs/logger';
import type { Pool } from 'pg';
import { SourceEpochs } from '../../libs/partner-store';
import { applyMetrics } from './applyMetrics';
import type { RawEvent } from './deadLetterMessage';

export interface EpochWatchOptions {
  receiver: Ministry;
  provider: Ministry;
  agreementId: string;
  partnerSchema: string;
  pool(): Pool;
  log: Logger;
}

/**
 * The assessment's view of source epochs (SourceEpochs): positions as stored, and an alarm — metric
 * thahs_apply_source_epoch_changes_total (a status alarm), one log line — when the provider's events
 * start coming from another cluster. The new cluster's changes then apply over the old one's; the
 * provider re-snapshots on a new cluster (its slot is new), and rows deleted in between are the
 * reconciliation's to find.
 */
export class EpochWatch {
  private readonly epochs: SourceEpochs;

  constructor(private readonly o: EpochWatchOptions) {
    this.epochs = new SourceEpochs(o.partnerSchema);
  }

  async load(): Promise<void> {
    await this.epochs.load(this.o.pool());
  }

  has(epoch: string): boolean {
    return this.epochs.has(epoch);
  }

  stored(meta: ReceivedMeta): SourcePosition {
    return this.epochs.stored(meta.sourceEpoch, meta.position);
  }

  /** Numbers the epoch of an authenticated event, and alarms when it replaces another. */
  async admit(event: RawEvent, meta: ReceivedMeta): Promise<void> {
    const { receiver, provider, agreementId, partnerSchema, log } = this.o;
    // Its own connection: the numbering is one transaction.
    const c = await this.o.pool().connect();
    let a;
    try {
      a = await this.epochs.admit(c, meta.sourceEpoch, meta.eventId);
    } finally {
      c.release();
    }
    if (a.replaced === undefined) return;
    applyMetrics.sourceEpochChanges.inc({ receiver, provider, agreement: agreementId });
    log.error('the provider source changed epoch (another PostgreSQL cluster): its changes now order after every earlier one; expect its re-snapshot, then reconcile', {
      receiver,
      provider,
      agreement: agreementId,
      partnerSchema,
      topic: event.topic,
      partition: event.partition,
      offset: event.offset,
      lsn: meta.eventId,
      previousEpoch: a.replaced,
      epoch: a.epoch,
      ordinal: a.ordinal,
    });
  }
}
