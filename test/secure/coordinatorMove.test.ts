import { randomUUID } from 'crypto';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import type { Config } from '../../libs/config';
import { createKafka, kafkaSecurity, kafkaSecuritySettings } from '../../libs/kafka';
import { COORDINATOR_MOVED_MESSAGE } from '../../libs/kafka/coordinatorRediscovery';
import { ADMIN_PRINCIPAL } from '../../libs/kafka-access/servicePrincipals';
import type { SecureKafkaCluster } from '../../libs/stack/secureKafkaCluster';
import { OffsetCommitter } from '../../services/apply-consumer/offsetCommitter';
import { capturedLogger } from '../ops/support/capturedLog';
import { waitFor } from '../support/waitFor';
import { kafkaAs, upSecureStack } from './secureStackSupport';

/**
 * A consumer group's coordinator moves to another broker while its member runs — as Kafka's automatic
 * preferred-leader rebalance did in the failures test (docs/benchmarks.md, 2026-12-03: offset commits
 * refused with "This is not the correct coordinator for this group" for ~90 s, `thahs status` lag 127),
 * and as rolling restarts do — and the member's offset commits reach the new coordinator within seconds.
 *
 * No broker is killed: the leader of the group's __consumer_offsets partition is moved by giving the
 * partition another preferred replica (a reassignment that only reorders its replicas) and electing it
 * with Kafka's own tool; afterAll puts the order and the leader back. The group is named so that its
 * offsets partition holds no other group of the shared stack, whose commits the move would disturb.
 *
 * The member commits as the apply consumer does: kafkajs with autoCommit off, offsets of processed
 * batches marked in the apply consumer's OffsetCommitter and sent by its timer through
 * consumer.commitOffsets, on a client made by createKafka (which installs the coordinator rediscovery,
 * libs/kafka/coordinatorRediscovery.ts). Without it, kafkajs 2.2.4 keeps sending the commits to the
 * broker of the member's last join until a heartbeat is refused and the member rejoins, and the
 * committed offsets stay where they were meanwhile (checked: 4 refused commits in 5 s, offsets 10/10 of
 * 20/20; with it, committed 0.5 s after the member took the events, no refused commit, no rejoin).
 */
const run = randomUUID().slice(0, 8);
const TOPIC = `cm${run}.events`;
const OFFSETS_TOPIC = '__consumer_offsets';
const PARTITIONS = [0, 1];
const COMMIT_EVERY_MS = 500;
/**
 * The member heartbeats this seldom (session 60 s), and the coordinator moves right after a heartbeat.
 * kafkajs 2.2.4 finds a moved coordinator only when a heartbeat is refused — by rejoining the whole
 * group — so until the next one its commits go to the old broker: with the default 3 s a clean move
 * here cost a rebalance (a second join) and the commits of those seconds; in the failures test commits
 * were refused for ~90 s with no rejoin at all. The long interval makes the window wide enough to see
 * every time.
 */
const HEARTBEAT_EVERY_MS = 20_000;
/** How soon after the member took the events their offsets must be committed. */
const COMMITTED_WITHIN_MS = 5_000;

/** Kafka's partitionFor(groupId): the group's __consumer_offsets partition, from Java's String.hashCode. */
function offsetsPartitionOf(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(31, h) + groupId.charCodeAt(i)) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

interface Move {
  partition: number;
  from: number;
  to: number;
  originalReplicas: number[];
}

let config: Config;
let cluster: SecureKafkaCluster;
let adminKafka: Kafka;
let admin: Admin;
let producer: Producer;
let consumer: Consumer | undefined;
let committer: OffsetCommitter | undefined;
let group = '';
/** The group's __consumer_offsets partition. */
let groupPartition: number;
let move: Move | undefined;
const figures: string[] = [];

async function offsetsPartitionState(partition: number): Promise<{ leader: number; replicas: number[]; isr: number[] }> {
  const meta = await admin.fetchTopicMetadata({ topics: [OFFSETS_TOPIC] });
  const p = meta.topics[0].partitions.find((x) => x.partitionId === partition);
  if (!p) throw new Error(`${OFFSETS_TOPIC} has no partition ${partition}`);
  return { leader: p.leader, replicas: p.replicas, isr: p.isr };
}

/** Gives the partition `replicas` in this order (the same set: nothing is copied) and elects the first one leader. */
async function leadWith(partition: number, replicas: number[]): Promise<void> {
  await admin.alterPartitionReassignments({ topics: [{ topic: OFFSETS_TOPIC, partitionAssignment: [{ partition, replicas }] }] });
  await waitFor(
    `${OFFSETS_TOPIC}-${partition} to have replicas ${replicas.join(',')}`,
    async () => {
      const s = await offsetsPartitionState(partition);
      return s.replicas.join(',') === replicas.join(',') && s.isr.length === replicas.length;
    },
    60_000,
    250,
  );
  cluster.adminTool('org.apache.kafka.tools.LeaderElectionCommand', (clientConfig) => [
    '--admin.config',
    clientConfig,
    '--election-type',
    'PREFERRED',
    '--topic',
    OFFSETS_TOPIC,
    '--partition',
    String(partition),
  ]);
  await waitFor(`${OFFSETS_TOPIC}-${partition} to be led by broker ${replicas[0]}`, async () => (await offsetsPartitionState(partition)).leader === replicas[0], 60_000, 250);
}

async function produce(perPartition: number): Promise<void> {
  for (const partition of PARTITIONS) {
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: perPartition }, (_, i) => ({ partition, key: `k${i}`, value: `v${Date.now()}-${i}` })) });
  }
}

/** The next offset to read, per partition, as Kafka's group coordinator holds it now (admin asks FindCoordinator each time). */
async function committed(): Promise<string[]> {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
  return PARTITIONS.map((p) => t.partitions.find((x) => x.partition === p)?.offset ?? '-1');
}

async function ends(): Promise<string[]> {
  const offsets = await admin.fetchTopicOffsets(TOPIC);
  return PARTITIONS.map((p) => offsets.find((x) => x.partition === p)!.high);
}

beforeAll(async () => {
  const up = await upSecureStack();
  config = up.config;
  cluster = up.stack.secureKafka();
  adminKafka = kafkaAs(config, ADMIN_PRINCIPAL, `cm-${run}-admin`);
  admin = adminKafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS.length }], waitForLeaders: true });
  // Kafka's tools are resolved (downloaded the first time) and checked now: the tool runs synchronously,
  // and a download while the member runs would hold its heartbeats past its session.
  expect(cluster.adminTool('org.apache.kafka.tools.TopicCommand', (clientConfig) => ['--command-config', clientConfig, '--describe', '--topic', TOPIC])).toContain(TOPIC);
  const offsetsPartitions = (await admin.fetchTopicMetadata({ topics: [OFFSETS_TOPIC] })).topics[0].partitions.length;
  const taken = new Set((await admin.listGroups()).groups.map((g) => offsetsPartitionOf(g.groupId, offsetsPartitions)));
  if (taken.size >= offsetsPartitions) throw new Error(`every ${OFFSETS_TOPIC} partition holds a group of the stack: moving one would disturb another test`);
  for (let i = 0; group === ''; i++) {
    const g = `cm${run}-apply-${i}`;
    if (!taken.has(offsetsPartitionOf(g, offsetsPartitions))) {
      group = g;
      groupPartition = offsetsPartitionOf(g, offsetsPartitions);
    }
  }
  producer = adminKafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
}, 600_000);

afterAll(async () => {
  committer?.stop();
  await consumer?.disconnect().catch(() => undefined);
  // The partition's replicas in their first order, led by the first again, as the stack had them.
  if (move)
    await leadWith(move.partition, move.originalReplicas).catch((err: Error) =>
      process.stderr.write(`[coordinatorMove] restoring ${OFFSETS_TOPIC}-${move!.partition} failed: ${err.message}\n`),
    );
  await producer?.disconnect().catch(() => undefined);
  // Without the rediscovery the member's LeaveGroup goes to the old coordinator too, and the group stays
  // non-empty until its session (60 s) ends.
  if (group !== '')
    await waitFor('the test group to be deleted', () => admin.deleteGroups([group]).then(() => true), 90_000, 2000).catch((err: Error) =>
      process.stderr.write(`[coordinatorMove] ${err.message}\n`),
    );
  await admin?.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  process.stderr.write(`[coordinatorMove] ${figures.join('; ')}\n`);
}, 300_000);

describe('a consumer group coordinator moving to another broker (secure stack, three brokers)', () => {
  it('the member commits to the new coordinator within seconds of the move', async () => {
    const { log, lines } = capturedLogger(`cm-${run}`, 'warn');
    const clientId = `cm-${run}-consumer`;
    const kafka = createKafka(clientId, config.kafkaBrokers, log, { security: kafkaSecurity(kafkaSecuritySettings(config), clientId, ADMIN_PRINCIPAL) });
    const c = kafka.consumer({ groupId: group, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, heartbeatInterval: HEARTBEAT_EVERY_MS, sessionTimeout: 60_000 });
    consumer = c;
    const oc = new OffsetCommitter({ commit: (o) => c.commitOffsets(o), intervalMs: COMMIT_EVERY_MS, group, log });
    committer = oc;
    const taken = PARTITIONS.map(() => '0');
    const seen = { joins: 0, heartbeats: 0, heartbeatsAfterMove: 0, crashes: 0 };
    let moved = false;
    let onHeartbeat: (() => void) | undefined;
    c.on(c.events.GROUP_JOIN, () => void seen.joins++);
    c.on(c.events.HEARTBEAT, () => {
      seen.heartbeats++;
      if (moved) seen.heartbeatsAfterMove++;
      onHeartbeat?.();
    });
    const nextHeartbeat = (): Promise<void> => new Promise((r) => (onHeartbeat = r));
    c.on(c.events.CRASH, () => void seen.crashes++);
    await c.connect();
    await c.subscribe({ topics: [TOPIC], fromBeginning: true });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const last = batch.messages[batch.messages.length - 1];
        if (!last) return;
        resolveOffset(last.offset);
        const next = (BigInt(last.offset) + 1n).toString();
        oc.mark(batch.topic, batch.partition, next);
        taken[batch.partition] = next;
        await heartbeat();
      },
    });
    oc.start();

    await produce(10);
    let end = await ends();
    await waitFor('the member to commit the first events', async () => (await committed()).join() === end.join(), 60_000, 250);

    // Right after a heartbeat, the group's coordinator moves: another replica of its offsets partition becomes the leader.
    await nextHeartbeat();
    const partition = groupPartition;
    const before = await offsetsPartitionState(partition);
    const to = before.replicas.find((r) => r !== before.leader && before.isr.includes(r));
    if (to === undefined) throw new Error(`${OFFSETS_TOPIC}-${partition} has no in-sync replica besides its leader ${before.leader}`);
    move = { partition, from: before.leader, to, originalReplicas: before.replicas };
    const t0 = Date.now();
    await leadWith(partition, [to, ...before.replicas.filter((r) => r !== to)]);
    moved = true;
    figures.push(`${OFFSETS_TOPIC}-${partition} leader ${move.from} -> ${move.to} in ${Date.now() - t0} ms`);

    // More events: the member reads them (fetching does not involve the coordinator) and commits them.
    await produce(10);
    end = await ends();
    await waitFor('the member to take the new events', async () => taken.join() === end.join(), 60_000, 100);
    const t1 = Date.now();
    let last: string[] = [];
    let refused: Record<string, unknown>[] = [];
    try {
      await waitFor(
        'the new events’ offsets to be committed',
        async () => {
          last = await committed();
          return last.join() === end.join();
        },
        COMMITTED_WITHIN_MS,
        250,
      );
    } finally {
      refused = lines().filter((l) => l.message === 'offset commit failed after the store commit; retried on the next flush');
      figures.push(
        `committed ${last.join('/')} of ${end.join('/')} ${((Date.now() - t1) / 1000).toFixed(1)} s after the member took them; ` +
          `${refused.length} refused commit lines (${[...new Set(refused.map((l) => String(l.error)))].join(' | ')}); ` +
          `joins ${seen.joins}, heartbeats ${seen.heartbeats} (${seen.heartbeatsAfterMove} after the move), crashes ${seen.crashes}`,
      );
    }

    // One line said where the commits went, with the group and the partitions of the refused commit.
    const switched = lines().filter((l) => l.message === `kafkajs: ${COORDINATOR_MOVED_MESSAGE}`);
    expect(switched).toHaveLength(1);
    expect(switched[0]).toMatchObject({ level: 'warn', component: 'ConsumerGroup', group, fromBroker: move.from, toBroker: move.to });
    expect(switched[0].partitions).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${TOPIC.replace('.', '\\.')}/[01]$`))]));
    // The refused commit was sent again at once: none reached the committer as failed.
    expect(refused).toEqual([]);
    // The member heartbeats the new coordinator, which loaded the group with it: no rejoin, no rebalance.
    await nextHeartbeat();
    expect(seen).toMatchObject({ joins: 1, crashes: 0 });
    // It still holds its partitions and commits there: later events are committed too.
    await produce(5);
    end = await ends();
    await waitFor('later events’ offsets to be committed', async () => (await committed()).join() === end.join(), COMMITTED_WITHIN_MS, 250);
    expect(seen.joins).toBe(1);
    figures.push(`at the end: joins ${seen.joins}, heartbeats ${seen.heartbeats} (${seen.heartbeatsAfterMove} after the move)`);
  }, 300_000);
});
