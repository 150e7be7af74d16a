import * as path from 'path';
import { installedKafkajsVersion, KAFKAJS_PINNED_VERSION } from './kafkajsFastPath';

/**
 * A consumer whose group coordinator moved to another broker looks it up again and sends its offset
 * commits and heartbeats there, as Kafka's own client does on NOT_COORDINATOR — without rejoining.
 *
 * kafkajs 2.2.4 (pinned, no longer released) asks for the coordinator only when the member joins
 * (src/consumer/consumerGroup.js:167, `cluster.findGroupCoordinator`); heartbeats go to that broker
 * (consumerGroup.js:143), and the offset manager each join makes keeps it for commits
 * (consumerGroup.js:324, offsetManager/index.js:43). Its `getCoordinator` (offsetManager/index.js:88-94)
 * looks again only when the connection dropped, and then by the same node id (cluster/brokerPool.js:250):
 * a broker that is alive but no longer coordinates the group gets every commit. A commit refused with
 * NOT_COORDINATOR_FOR_GROUP ("This is not the correct coordinator for this group") refreshes the topic
 * metadata (offsetManager/index.js:282-290), which names no coordinator, and the runner retries it
 * against the same broker (runner.js:486-516) before it reaches the caller — the apply consumer's
 * OffsetCommitter, which keeps it for its next flush. Nothing on that path rejoins. Only an error in the
 * fetch loop does (runner.js:114-129 through `isRebalancing`, errors.js:268-271): a heartbeat refused
 * with NOT_COORDINATOR (runner.js:207-216) ends in a rejoin of the whole group, whose JOIN finds the new
 * coordinator. So commits go to the old broker until the member's next heartbeat is refused, and for as
 * long as none is: in the failures test (2026-12-03, after Kafka's automatic preferred-leader rebalance)
 * commits were refused for ~90 s with no rejoin. test/secure/coordinatorMove.test.ts moves a group's
 * coordinator on purpose (reorders its __consumer_offsets partition's replicas, elects the new first).
 *
 * Here a commit or heartbeat refused as not (or no longer) the coordinator (codes 16 and 15) asks the
 * cluster which broker coordinates the group; when Kafka names another one, the member's heartbeats and
 * its offset manager switch to it, one JSON line says so (through the client's logger, which createKafka
 * routes to the service's), and the request is sent again once. When Kafka still names the same broker,
 * the refusal stands (kafkajs then behaves as before) and the next request asks again. The member keeps
 * its partitions: the new coordinator loaded the group with its members and generation, and refuses it
 * with UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION if not, which kafkajs answers by rejoining.
 *
 * Written against kafkajs's private ConsumerGroup of exactly the pinned version; any other is refused.
 */

const KAFKAJS = path.dirname(require.resolve('kafkajs/package.json'));
const CONSUMER_GROUP_MODULE = path.join(KAFKAJS, 'src/consumer/consumerGroup.js');

/** kafkajs's names of the answers Kafka's client takes as "the coordinator is not known" (codes 16 and 15). */
const COORDINATOR_REFUSALS: ReadonlySet<string> = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']);

export class CoordinatorRediscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoordinatorRediscoveryError';
  }
}

/** The part of a kafkajs Broker used here. */
export interface CoordinatorBroker {
  nodeId: number;
}

/** Offsets as kafkajs's commit takes them. */
export interface CommitTopics {
  topics?: { topic: string; partitions: { partition: number; offset: string }[] }[];
}

/** The fields and methods of kafkajs 2.2.4's ConsumerGroup (src/consumer/consumerGroup.js) this module reads or replaces. */
export interface ConsumerGroupInternals {
  groupId: string;
  memberId: string | null;
  coordinator: CoordinatorBroker | null;
  offsetManager: { coordinator: CoordinatorBroker; uncommittedOffsets(): CommitTopics } | null;
  assigned(): { topic: string; partitions: number[] }[];
  cluster: { findGroupCoordinator(o: { groupId: string }): Promise<CoordinatorBroker> };
  logger: { warn(message: string, extra?: Record<string, unknown>): void };
  commitOffsets(offsets?: CommitTopics): Promise<void>;
  commitOffsetsIfNecessary(): Promise<void>;
  heartbeat(o: { interval: number }): Promise<void>;
}

/** What the line logged on a switch carries (besides the message), under `context` of the kafkajs log entry. */
export interface CoordinatorMove {
  group: string;
  member: string | null;
  /** The request the old coordinator refused. */
  request: 'OffsetCommit' | 'Heartbeat';
  /** `topic/partition` of the offsets the refused commit carried; for a heartbeat, the member's. */
  partitions: string[];
  fromBroker: number;
  toBroker: number;
  refusal: string;
}

export const COORDINATOR_MOVED_MESSAGE = 'the group coordinator moved to another broker: the member commits and heartbeats there now';

type GroupPrototype = ConsumerGroupInternals & { [INSTALLED]?: true };
const INSTALLED = Symbol.for('thahs.kafka.coordinatorRediscovery');

/** Installs the rediscovery on kafkajs's ConsumerGroup; idempotent, effective for groups made before as after. */
export function installCoordinatorRediscovery(version = installedKafkajsVersion()): void {
  if (version !== KAFKAJS_PINNED_VERSION) {
    throw new CoordinatorRediscoveryError(
      `kafkajs ${version} is installed, but libs/kafka/coordinatorRediscovery.ts replaces methods of kafkajs ${KAFKAJS_PINNED_VERSION}'s private ConsumerGroup only: ` +
        `install kafkajs@${KAFKAJS_PINNED_VERSION} (npm ci), or check how the new version finds a moved coordinator before changing the pin`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = (require(CONSUMER_GROUP_MODULE) as { prototype: GroupPrototype }).prototype;
  if (proto[INSTALLED]) return;
  const { commitOffsets, commitOffsetsIfNecessary, heartbeat } = proto;
  if (typeof commitOffsets !== 'function' || typeof commitOffsetsIfNecessary !== 'function' || typeof heartbeat !== 'function') {
    throw new CoordinatorRediscoveryError(`kafkajs's ConsumerGroup (${CONSUMER_GROUP_MODULE}) has no commitOffsets, commitOffsetsIfNecessary or heartbeat to wrap`);
  }
  proto.commitOffsets = function (this: ConsumerGroupInternals, offsets?: CommitTopics) {
    return withRediscovery(
      this,
      () => commitOffsets.call(this, offsets),
      () => commitPartitions(this, offsets),
      'OffsetCommit',
    );
  };
  proto.commitOffsetsIfNecessary = function (this: ConsumerGroupInternals) {
    return withRediscovery(
      this,
      () => commitOffsetsIfNecessary.call(this),
      () => commitPartitions(this, undefined),
      'OffsetCommit',
    );
  };
  proto.heartbeat = function (this: ConsumerGroupInternals, o: { interval: number }) {
    return withRediscovery(
      this,
      () => heartbeat.call(this, o),
      () => this.assigned().flatMap((t) => t.partitions.map((p) => `${t.topic}/${p}`)),
      'Heartbeat',
    );
  };
  proto[INSTALLED] = true;
}

export function isCoordinatorRefusal(err: unknown): boolean {
  return typeof err === 'object' && err !== null && COORDINATOR_REFUSALS.has(String((err as { type?: unknown }).type));
}

function commitPartitions(group: ConsumerGroupInternals, offsets: CommitTopics | undefined): string[] {
  return (offsets?.topics ?? group.offsetManager?.uncommittedOffsets().topics ?? []).flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}`));
}

async function withRediscovery(group: ConsumerGroupInternals, send: () => Promise<void>, partitions: () => string[], request: CoordinatorMove['request']): Promise<void> {
  try {
    await send();
  } catch (err) {
    if (!isCoordinatorRefusal(err) || !(await switchCoordinator(group, err as Error, partitions, request))) throw err;
    await send();
  }
}

/** Heartbeats go to the group's coordinator, commits to the one its offset manager keeps (the same broker after a join). */
function coordinatorOf(group: ConsumerGroupInternals, request: CoordinatorMove['request']): CoordinatorBroker | null {
  return request === 'Heartbeat' ? group.coordinator : (group.offsetManager?.coordinator ?? group.coordinator);
}

/** True when Kafka named another coordinator and the member now uses it for its commits and heartbeats. */
async function switchCoordinator(group: ConsumerGroupInternals, refusal: Error, partitions: () => string[], request: CoordinatorMove['request']): Promise<boolean> {
  const refusedBy = coordinatorOf(group, request);
  if (!refusedBy) return false;
  let found: CoordinatorBroker;
  try {
    found = await group.cluster.findGroupCoordinator({ groupId: group.groupId });
  } catch {
    // No answer now: the refusal stands, and the next request asks again.
    return false;
  }
  if (found.nodeId === refusedBy.nodeId) return false;
  // A request refused at the same time (a heartbeat beside a commit) switched already: send again, say nothing.
  if (coordinatorOf(group, request)?.nodeId !== refusedBy.nodeId) return true;
  if (group.coordinator?.nodeId === refusedBy.nodeId) group.coordinator = found;
  if (group.offsetManager?.coordinator.nodeId === refusedBy.nodeId) group.offsetManager.coordinator = found;
  const context: CoordinatorMove = {
    group: group.groupId,
    member: group.memberId,
    request,
    partitions: partitions(),
    fromBroker: refusedBy.nodeId,
    toBroker: found.nodeId,
    refusal: refusal.message,
  };
  group.logger.warn(COORDINATOR_MOVED_MESSAGE, { context });
  return true;
}
