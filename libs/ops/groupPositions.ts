import type { Admin } from 'kafkajs';
import { committedOffsets, describeGroup, partitionKey, topicRanges, type GroupDescription, type PartitionRange } from './kafkaAdmin';

/** Where a consumer group stands on one partition. */
export interface PartitionPosition extends PartitionRange {
  /** The group's committed offset (the next event it will read), null when it has committed nothing. */
  committed: bigint | null;
  /**
   * Events not yet consumed: high − committed. With nothing committed the apply consumer starts at
   * the earliest retained event, so everything retained is lag (high − low).
   */
  lag: bigint;
}

export interface GroupPositions {
  group: GroupDescription;
  partitions: PartitionPosition[];
  /** Topics of the agreement that do not exist (yet): the provider has not published them. */
  missingTopics: string[];
  totalLag: bigint;
}

/** Where the group stands on each partition of `topics`, and who is in it: what `kafka-consumer-groups --describe` says. */
export async function groupPositions(admin: Admin, groupId: string, topics: readonly string[]): Promise<GroupPositions> {
  const { ranges, missing } = await topicRanges(admin, topics);
  const committed = await committedOffsets(
    admin,
    groupId,
    topics.filter((t) => !missing.includes(t)),
  );
  const partitions = ranges.map((r) => {
    const c = committed.get(partitionKey(r.topic, r.partition)) ?? null;
    return { ...r, committed: c, lag: lagOf(r, c) };
  });
  return { group: await describeGroup(admin, groupId), partitions, missingTopics: missing, totalLag: partitions.reduce((s, p) => s + p.lag, 0n) };
}

/** Events between the group's position and the end of the partition, never negative. */
export function lagOf(r: PartitionRange, committed: bigint | null): bigint {
  const from = committed === null || committed < r.low ? r.low : committed;
  return r.high > from ? r.high - from : 0n;
}
