import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '../kafka/kafkaClient';
import { fetchTopicOffsetsSettled } from '../kafka/topicOffsets';
import { createLogger } from '../logger';
import { OpsError } from './opsError';

/**
 * An admin client for operator tools: kafkajs logs only warnings and errors, through our JSON logger,
 * and a broker that does not answer fails the command after a few seconds instead of kafkajs's long
 * default retry schedule (a status screen must say "down", not hang).
 */
export async function openAdmin(brokers: string[], clientId: string, opts: { quick?: boolean } = {}): Promise<{ kafka: Kafka; admin: Admin; close(): Promise<void> }> {
  const kafka = createKafka(clientId, brokers, createLogger(clientId, 'error'));
  const admin = kafka.admin(opts.quick ? { retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 } } : undefined);
  try {
    await admin.connect();
  } catch (err) {
    throw new OpsError(`Kafka does not answer at ${brokers.join(',')}: ${(err as Error).message}`, {}, err);
  }
  return { kafka, admin, close: () => admin.disconnect().catch(() => undefined) };
}

/** Low and high watermark of one partition. */
export interface PartitionRange {
  topic: string;
  partition: number;
  low: bigint;
  high: bigint;
}

/** Which of `topics` exist, and the watermarks of every partition of those that do. */
export async function topicRanges(admin: Admin, topics: readonly string[]): Promise<{ ranges: PartitionRange[]; missing: string[] }> {
  if (topics.length === 0) return { ranges: [], missing: [] };
  const existing = new Set(await admin.listTopics());
  const ranges: PartitionRange[] = [];
  const missing: string[] = [];
  for (const topic of topics) {
    if (!existing.has(topic)) {
      missing.push(topic);
      continue;
    }
    for (const p of await fetchTopicOffsetsSettled(admin, topic)) ranges.push({ topic, partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) });
  }
  ranges.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return { ranges, missing };
}

/** A member of a consumer group, as the coordinator knows it. */
export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
}

export interface GroupDescription {
  groupId: string;
  /** Kafka's group state: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead (never used). */
  state: string;
  members: GroupMember[];
}

export async function describeGroup(admin: Admin, groupId: string): Promise<GroupDescription> {
  const r = await admin.describeGroups([groupId]);
  const g = r.groups.find((x) => x.groupId === groupId);
  return {
    groupId,
    state: g?.state ?? 'Dead',
    members: (g?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost })),
  };
}

/** Committed offsets of a group per topic and partition (null: nothing committed). */
export async function committedOffsets(admin: Admin, groupId: string, topics: readonly string[]): Promise<Map<string, bigint | null>> {
  const out = new Map<string, bigint | null>();
  if (topics.length === 0) return out;
  const r = await admin.fetchOffsets({ groupId, topics: [...topics] });
  for (const t of r) for (const p of t.partitions) out.set(partitionKey(t.topic, p.partition), BigInt(p.offset) >= 0n ? BigInt(p.offset) : null);
  return out;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Per partition: the first offset whose timestamp is at or after `atMs` (the high watermark when none is). */
export async function offsetsAtTime(admin: Admin, topics: readonly string[], atMs: number): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsetsByTimestamp(topic, atMs)) out.set(partitionKey(topic, p.partition), BigInt(p.offset));
  }
  return out;
}
