import type { Admin } from 'kafkajs';
import { describeGroup, offsetsAtTime, partitionKey, type GroupDescription } from './kafkaAdmin';
import type { PartitionPosition } from './groupPositions';
import { OpsError } from './opsError';

/** Where to move a group, as kafka-consumer-groups --reset-offsets names it. */
export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  /** The first event at or after this instant (the end when none is). */
  | { kind: 'datetime'; atMs: number }
  | { kind: 'offset'; offset: bigint };

export interface ResetPlanRow {
  topic: string;
  partition: number;
  low: bigint;
  high: bigint;
  /** Committed offset now (null: nothing committed, the consumer would start at `low`). */
  current: bigint | null;
  target: bigint;
  /** The requested offset lay outside the retained range and was moved to its nearest end. */
  clampedFrom?: bigint;
  /**
   * What the move does to the consumer: `repeat` reads `events` offsets again (harmless to the partner
   * store, whose position guard ignores what it already holds), `skip` never applies `events` offsets
   * (their changes are lost to the partner store until a re-publication), `none` changes nothing.
   * Counted in offsets: compaction may have removed some of the events in between.
   */
  effect: 'repeat' | 'skip' | 'none';
  events: bigint;
}

export interface ResetPlan {
  groupId: string;
  target: ResetTarget;
  rows: ResetPlanRow[];
  skipped: bigint;
  repeated: bigint;
}

/**
 * The plan of a reset over the group's current positions. `atTime` holds, for a datetime target, the
 * first offset at or after the instant per partition (kafkajs answers the high watermark when no
 * event is that late, as kafka-consumer-groups does). Pure, so the dry run and the execution print
 * and apply exactly the same rows.
 */
export function planReset(groupId: string, positions: readonly PartitionPosition[], target: ResetTarget, atTime?: ReadonlyMap<string, bigint>): ResetPlan {
  const rows = positions.map((p): ResetPlanRow => {
    let wanted: bigint;
    switch (target.kind) {
      case 'earliest':
        wanted = p.low;
        break;
      case 'latest':
        wanted = p.high;
        break;
      case 'offset':
        wanted = target.offset;
        break;
      case 'datetime': {
        const t = atTime?.get(partitionKey(p.topic, p.partition));
        if (t === undefined) throw new OpsError('no offset for the requested time', { group: groupId, topic: p.topic, partition: p.partition });
        wanted = t;
        break;
      }
    }
    const clamped = wanted < p.low ? p.low : wanted > p.high ? p.high : wanted;
    const from = p.committed === null || p.committed < p.low ? p.low : p.committed;
    const effect = clamped < from ? 'repeat' : clamped > from ? 'skip' : 'none';
    const row: ResetPlanRow = {
      topic: p.topic,
      partition: p.partition,
      low: p.low,
      high: p.high,
      current: p.committed,
      target: clamped,
      effect,
      events: clamped < from ? from - clamped : clamped - from,
    };
    if (clamped !== wanted) row.clampedFrom = wanted;
    return row;
  });
  return {
    groupId,
    target,
    rows,
    skipped: rows.filter((r) => r.effect === 'skip').reduce((s, r) => s + r.events, 0n),
    repeated: rows.filter((r) => r.effect === 'repeat').reduce((s, r) => s + r.events, 0n),
  };
}

/** Reads what a datetime target needs: the first offset at or after the instant, per partition. */
export async function timeOffsetsFor(admin: Admin, target: ResetTarget, topics: readonly string[]): Promise<Map<string, bigint> | undefined> {
  return target.kind === 'datetime' ? offsetsAtTime(admin, topics, target.atMs) : undefined;
}

/** Live members keep a group from being reset: Kafka refuses offset commits from outside the group while it has any. */
export class GroupLiveError extends OpsError {
  constructor(readonly group: GroupDescription) {
    super(
      `consumer group ${group.groupId} has ${group.members.length} live member(s) (${group.members.map((m) => `${m.clientId}@${m.clientHost}`).join(', ')}), state ${group.state}: ` +
        'stop its consumer (the main job, or `thahs apply-consumer`) and run the reset again, or pass --force to wait for the group to empty',
      { group: group.groupId },
    );
    this.name = 'GroupLiveError';
  }
}

export interface ExecuteOptions {
  /** Wait (up to timeoutMs) for the group to empty instead of refusing at once. */
  force?: boolean;
  timeoutMs?: number;
  /** Called while waiting, with the group as it is. */
  onWait?: (g: GroupDescription) => void;
}

/**
 * Commits the plan's offsets for the group, one request per topic. Kafka accepts offsets from
 * outside a group only while the group has no members (kafkajs checks the same and refuses), so a
 * live group is refused — or, with `force`, waited for until it is empty (its consumer stopped, or a
 * killed consumer's session expired) and then reset at once, before a restarted consumer can rejoin.
 */
export async function executeReset(admin: Admin, plan: ResetPlan, o: ExecuteOptions = {}): Promise<GroupDescription> {
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  let group = await describeGroup(admin, plan.groupId);
  while (group.members.length > 0 || (group.state !== 'Empty' && group.state !== 'Dead')) {
    if (!o.force || Date.now() > deadline) throw new GroupLiveError(group);
    o.onWait?.(group);
    await new Promise((r) => setTimeout(r, 500));
    group = await describeGroup(admin, plan.groupId);
  }
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const r of plan.rows) {
    if (r.effect === 'none' && r.current !== null) continue;
    const list = byTopic.get(r.topic) ?? [];
    list.push({ partition: r.partition, offset: r.target.toString() });
    byTopic.set(r.topic, list);
  }
  for (const [topic, partitions] of byTopic) {
    try {
      await admin.setOffsets({ groupId: plan.groupId, topic, partitions });
    } catch (err) {
      const live = /no running instances/i.test((err as Error).message);
      if (live) throw new GroupLiveError(await describeGroup(admin, plan.groupId));
      throw new OpsError(`committing offsets failed: ${(err as Error).message}`, { group: plan.groupId, topic }, err);
    }
  }
  return group;
}
