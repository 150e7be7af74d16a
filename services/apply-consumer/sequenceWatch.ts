import type { Ministry } from '../../libs/contracts/contractTypes';
import type { ReceivedMeta } from '../../libs/events';
import { EXCHANGE_TOPIC_MIN_COMPACTION_LAG_MS } from '../../libs/kafka';
import type { Logger } from '../../libs/logger';
import type { PartitionSequenceState } from '../../libs/partner-store';
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
  /** Highest number of the run seen on the partition (a redelivery goes back, what was seen stays seen). */
  max: number;
  commitUs: number;
  offset: string;
  /** Taken by an earlier process or another member of the group: restored from the partner store. */
  stored?: true;
}

/** Earlier runs remembered per partition (their highest number seen), for watermarks that arrive after a run changed. */
const RUNS_KEPT = 4;

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
 * sequence going back (a redelivery, a new run) starts the check afresh.
 *
 * Where the check stands on a partition (`state`) is committed with each chunk in the partner store
 * (partition_sequence); a process that starts, or a member given the partition in a rebalance,
 * continues from it (`restore`), so an event withheld across the hand-over is a gap like any other.
 */
export class SequenceWatch {
  private readonly last = new Map<string, Last[]>();
  /** Per `topic/partition`, the highest number seen of runs before the last one; written only when the run changes. */
  private readonly earlier = new Map<string, Map<string, number>>();
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
    const prev: Last | undefined = parts[e.partition];
    const sameRun = prev !== undefined && prev.run === s.run;
    parts[e.partition] = { run: s.run, seq: s.seq, max: sameRun && prev.max > s.seq ? prev.max : s.seq, commitUs: meta.commitTs, offset: e.offset };
    if (prev && !sameRun) this.rememberRun(e.topic, e.partition, prev);
    if (!prev || !sameRun || s.seq <= prev.seq + 1) return;
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
      ...(prev.stored ? { beforeTakenBy: 'an earlier process or member of the group (partner store)' } : {}),
    });
  }

  /** Where the check stands on a partition, to be committed with the chunk just assessed; undefined before any sequenced event. */
  state(topic: string, partition: number): PartitionSequenceState | undefined {
    const l = this.last.get(topic)?.[partition];
    if (!l) return undefined;
    const earlier = [...(this.earlier.get(`${topic}/${partition}`) ?? new Map<string, number>())].filter(([run]) => run !== l.run);
    return { topic, partition, run: l.run, seq: l.seq, max: l.max, commitUs: l.commitUs, offset: l.offset, earlier };
  }

  /**
   * Continues from states the partner store recorded (the group's committed work). A state is taken
   * for a partition this member has taken no event of since it was assigned (a start, a rebalance),
   * and replaces a state restored before only when of a later offset (the member before committed
   * more since that was read); once an event is taken here, this member's own state is the truth.
   */
  restore(states: readonly PartitionSequenceState[]): void {
    for (const st of states) {
      let parts = this.last.get(st.topic);
      if (!parts) {
        parts = [];
        this.last.set(st.topic, parts);
      }
      const l: Last | undefined = parts[st.partition];
      if (l && (!l.stored || BigInt(l.offset) >= BigInt(st.offset))) continue;
      parts[st.partition] = { run: st.run, seq: st.seq, max: st.max, commitUs: st.commitUs, offset: st.offset, stored: true };
      const runs = new Map<string, number>();
      for (const [run, max] of st.earlier.slice(-RUNS_KEPT)) if (run !== st.run) runs.set(run, max);
      this.earlier.set(`${st.topic}/${st.partition}`, runs);
    }
  }

  /** The highest number of `run` seen on the partition while this member holds it, or recorded by the partner store (`restore`); 0 when none. */
  seen(topic: string, partition: number, run: string): number {
    const l = this.last.get(topic)?.[partition];
    const earlier = this.earlier.get(`${topic}/${partition}`)?.get(run) ?? 0;
    return l && l.run === run && l.max > earlier ? l.max : earlier;
  }

  /** Partitions the member no longer holds start afresh if they come back (another member may have seen their events meanwhile). */
  retainOnly(held: ReadonlySet<string>): void {
    for (const [topic, parts] of this.last) parts.forEach((_, p) => !held.has(`${topic}/${p}`) && delete parts[p]);
    for (const k of this.earlier.keys()) if (!held.has(k)) this.earlier.delete(k);
  }

  private rememberRun(topic: string, partition: number, prev: Last): void {
    const k = `${topic}/${partition}`;
    let runs = this.earlier.get(k);
    if (!runs) {
      runs = new Map();
      this.earlier.set(k, runs);
    }
    const before = runs.get(prev.run) ?? 0;
    // Re-inserted: the Map's order is the order the runs were left, and the oldest goes first.
    runs.delete(prev.run);
    runs.set(prev.run, Math.max(prev.max, before));
    if (runs.size > RUNS_KEPT) runs.delete(runs.keys().next().value!);
  }
}
