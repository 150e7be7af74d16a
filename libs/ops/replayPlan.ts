import type { Admin } from 'kafkajs';
import { offsetsAtTime, partitionKey, topicRanges } from './kafkaAdmin';
import { OpsError } from './opsError';

/** Where a replay starts in each partition. */
export type ReplayStart = { kind: 'earliest' } | { kind: 'offset'; offset: bigint } | { kind: 'time'; at: Date };
/** Where it ends: `offset` is the last offset replayed (inclusive), `time` the first instant not replayed, `end` the high watermark when planned. */
export type ReplayEnd = { kind: 'end' } | { kind: 'offset'; offset: bigint } | { kind: 'time'; at: Date };

export interface ReplayRange {
  topic: string;
  partition: number;
  low: bigint;
  high: bigint;
  /** First offset replayed. */
  start: bigint;
  /** First offset not replayed (start == end: nothing to replay here). */
  end: bigint;
  /**
   * Offsets in [start, end): the most events the range holds. A compacted topic may hold fewer (older
   * values of a key compacted away); the replay counts what it read.
   */
  events: bigint;
}

export interface ReplayPlan {
  from: ReplayStart;
  to: ReplayEnd;
  ranges: ReplayRange[];
  /** Topics of the scope that do not exist (yet). */
  missing: string[];
  events: bigint;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * The plan of a replay over the partitions' retained ranges: per partition the offsets from where it
 * starts to where it ends, clamped to what the broker still holds. A time is resolved by the broker
 * (the first offset whose timestamp is at or after it). Reads only; the dry run prints exactly this
 * and the execution replays exactly these ranges, the pipeline handling what arrives after.
 */
export async function planReplay(admin: Admin, topics: readonly string[], from: ReplayStart, to: ReplayEnd, partition?: number): Promise<ReplayPlan> {
  const { ranges, missing } = await topicRanges(admin, topics);
  const chosen = partition === undefined ? ranges : ranges.filter((r) => r.partition === partition);
  if (partition !== undefined && chosen.length === 0 && ranges.length > 0)
    throw new OpsError(`no partition ${partition} in ${[...new Set(ranges.map((r) => r.topic))].join(', ')}`, { partition });
  const present = [...new Set(chosen.map((r) => r.topic))];
  const startAt = from.kind === 'time' ? await offsetsAtTime(admin, present, from.at.getTime()) : undefined;
  const endAt = to.kind === 'time' ? await offsetsAtTime(admin, present, to.at.getTime()) : undefined;
  const out = chosen.map((r): ReplayRange => {
    const k = partitionKey(r.topic, r.partition);
    const start = max(r.low, min(r.high, from.kind === 'earliest' ? r.low : from.kind === 'offset' ? from.offset : (startAt!.get(k) ?? r.high)));
    const endWanted = to.kind === 'end' ? r.high : to.kind === 'offset' ? to.offset + 1n : (endAt!.get(k) ?? r.high);
    const end = max(start, min(r.high, endWanted));
    return { topic: r.topic, partition: r.partition, low: r.low, high: r.high, start, end, events: end - start };
  });
  return { from, to, ranges: out, missing, events: out.reduce((s, r) => s + r.events, 0n) };
}

/** A plan as JSON holds it (offsets as strings, instants as ISO text). */
export function replayPlanJson(plan: ReplayPlan): Record<string, unknown> {
  const point = (p: ReplayStart | ReplayEnd): Record<string, string> =>
    p.kind === 'offset' ? { kind: 'offset', offset: p.offset.toString() } : p.kind === 'time' ? { kind: 'time', at: p.at.toISOString() } : { kind: p.kind };
  return {
    from: point(plan.from),
    to: point(plan.to),
    ranges: plan.ranges.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      low: r.low.toString(),
      high: r.high.toString(),
      start: r.start.toString(),
      end: r.end.toString(),
      events: r.events.toString(),
    })),
    missing: plan.missing,
    events: plan.events.toString(),
  };
}
