import type { Ministry } from '../../libs/contracts/contractTypes';
import type { ReceivedMeta } from '../../libs/events';
import { EXCHANGE_TOPIC_MIN_COMPACTION_LAG_MS } from '../../libs/kafka';
import type { Logger } from '../../libs/logger';
import { applyMetrics } from './applyMetrics';
import type { RawEvent } from './deadLetterMessage';

export interface SequenceWatchOptions {
  receiver: Ministry;
  provider: Ministry;
  agreementId: string;
  group: string;
  log: Logger;
  /** Compaction may remove an event older than this (the topics' min.compaction.lag.ms); a gap behind such an event is not a loss. */
  compactionLagMs?: number;
  now?: () => number;
}

interface Last {
  run: string;
  seq: number;
  commitUs: number;
  offset: string;
}

/** Clock skew between the provider's commit times and this host that the compaction check allows. */
const SKEW_MS = 5 * 60_000;

/**
 * Checks, per topic partition, that the signed sequence numbers of a producer run follow one another
 * (meta version 2: PartitionSequencer). A jump means events the provider sent are missing — withheld
 * or deleted by the platform — unless compaction could have removed them legitimately: only a record
 * older than the topics' min.compaction.lag.ms can be compacted, and the missing ones were produced
 * after the event before the gap, so a gap behind an event committed within the lag is a loss. A loss
 * counts thahs_apply_event_gaps_total (a status alarm) and logs one line naming the partition, the run,
 * the missing numbers and the offsets around them: the keys of that partition are the ones to
 * reconcile. Only authenticated events are looked at, so the platform cannot make up a gap, and a
 * sequence going back (a redelivery, a rebalance, a new run) starts the check afresh.
 */
export class SequenceWatch {
  private readonly last = new Map<string, Last[]>();
  private readonly lagMs: number;
  private readonly now: () => number;

  constructor(private readonly o: SequenceWatchOptions) {
    this.lagMs = o.compactionLagMs ?? EXCHANGE_TOPIC_MIN_COMPACTION_LAG_MS;
    this.now = o.now ?? Date.now;
  }

  observe(e: RawEvent, meta: ReceivedMeta): void {
    const s = meta.sequence;
    if (!s) return;
    let parts = this.last.get(e.topic);
    if (!parts) {
      parts = [];
      this.last.set(e.topic, parts);
    }
    const prev = parts[e.partition];
    parts[e.partition] = { run: s.run, seq: s.seq, commitUs: meta.commitTs, offset: e.offset };
    if (!prev || prev.run !== s.run || s.seq <= prev.seq + 1) return;
    if (this.now() - prev.commitUs / 1000 > this.lagMs - SKEW_MS) return;
    const missing = s.seq - prev.seq - 1;
    const { receiver, provider, agreementId, group, log } = this.o;
    applyMetrics.eventGaps.inc({ receiver, provider, agreement: agreementId, topic: e.topic, partition: String(e.partition) }, missing);
    log.error('events missing from a partition: the provider numbered events that never arrived (withheld or deleted by the platform); reconcile the keys of this partition', {
      receiver,
      provider,
      agreement: agreementId,
      group,
      topic: e.topic,
      partition: e.partition,
      run: s.run,
      missingFrom: prev.seq + 1,
      missingTo: s.seq - 1,
      missing,
      offsetBefore: prev.offset,
      offsetAfter: e.offset,
      eventAfter: meta.eventId,
    });
  }
}
