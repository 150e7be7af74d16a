import * as path from 'path';
import { COORDINATOR_MOVED_MESSAGE, CoordinatorRediscoveryError, installCoordinatorRediscovery, type CommitTopics, type CoordinatorMove } from './coordinatorRediscovery';

/* eslint-disable @typescript-eslint/no-require-imports */
const KAFKAJS = path.dirname(require.resolve('kafkajs/package.json'));
const GROUP = 'g';
const TOPIC = 'p.cand.A.person';
const COMMIT: CommitTopics = {
  topics: [
    {
      topic: TOPIC,
      partitions: [
        { partition: 0, offset: '5' },
        { partition: 1, offset: '9' },
      ],
    },
  ],
};

interface FakeBroker {
  nodeId: number;
  commits: unknown[];
  heartbeats: unknown[];
  isConnected(): boolean;
  offsetCommit(request: unknown): Promise<void>;
  heartbeat(request: unknown): Promise<void>;
}

interface Group {
  coordinator: FakeBroker;
  commitOffsets(offsets?: CommitTopics): Promise<void>;
  commitOffsetsIfNecessary(): Promise<void>;
  resolveOffset(o: { topic: string; partition: number; offset: string }): void;
  heartbeat(o: { interval: number }): Promise<void>;
}

/**
 * kafkajs's own ConsumerGroup and OffsetManager (a fresh copy of its modules, with or without the
 * rediscovery), as a join to broker 1 leaves them, in a cluster where the group's coordinator has moved
 * to broker 3: broker 1 refuses commits as Kafka does (code 16), and FindCoordinator names `named()`.
 */
function movedCoordinator(o: { install: boolean | 2; named?: () => number; refusal?: number; heartbeatRefused?: boolean }) {
  const logged: { message: string; context?: CoordinatorMove }[] = [];
  const lookups: string[] = [];
  let group!: Group;
  let brokers!: Map<number, FakeBroker>;
  jest.isolateModules(() => {
    // Inside the isolated registry: it patches this copy of kafkajs's ConsumerGroup.
    for (let i = 0; i < Number(o.install); i++) {
      const { installCoordinatorRediscovery: install } = require('./coordinatorRediscovery') as typeof import('./coordinatorRediscovery');
      install();
    }
    const ConsumerGroup = require(path.join(KAFKAJS, 'src/consumer/consumerGroup.js')) as new (a: object) => Group & Record<string, unknown>;
    const OffsetManager = require(path.join(KAFKAJS, 'src/consumer/offsetManager/index.js')) as new (a: object) => unknown;
    const { createErrorFromCode } = require(path.join(KAFKAJS, 'src/protocol/error.js')) as { createErrorFromCode(code: number): Error };
    const { createLogger, LEVELS } = require(path.join(KAFKAJS, 'src/loggers/index.js')) as {
      createLogger(o: object): unknown;
      LEVELS: Record<string, number>;
    };
    const Emitter = require(path.join(KAFKAJS, 'src/instrumentation/emitter.js')) as new () => unknown;
    const broker = (nodeId: number, refuses: boolean): FakeBroker => ({
      nodeId,
      commits: [],
      heartbeats: [],
      isConnected: () => true,
      async offsetCommit(request) {
        if (refuses) throw createErrorFromCode(o.refusal ?? 16);
        this.commits.push(request);
      },
      async heartbeat(request) {
        if (refuses && o.heartbeatRefused) throw createErrorFromCode(16);
        this.heartbeats.push(request);
      },
    });
    brokers = new Map([1, 3].map((id) => [id, broker(id, id === 1)]));
    const cluster = {
      async findGroupCoordinator({ groupId }: { groupId: string }) {
        lookups.push(groupId);
        return brokers.get(o.named?.() ?? 3)!;
      },
      async refreshMetadata() {},
      committedOffsets: () => ({}),
    };
    const logger = createLogger({
      level: LEVELS.DEBUG,
      logCreator:
        () =>
        ({ label, log }: { label: string; log: { message: string; context?: CoordinatorMove } }) => {
          if (label === 'WARN') logged.push({ message: log.message, context: log.context });
        },
    });
    const instrumentationEmitter = new Emitter();
    const g = new ConsumerGroup({ cluster, groupId: GROUP, topics: [TOPIC], topicConfigurations: {}, logger, instrumentationEmitter, assigners: [], retry: { retries: 0 } });
    // What JOIN and SYNC leave (consumerGroup.js:167-185, 310-328): the coordinator of the join, in both.
    Object.assign(g, { coordinator: brokers.get(1), memberId: 'member-1', generationId: 7 });
    (g.subscriptionState as { assign(a: object[]): void }).assign([{ topic: TOPIC, partitions: [0, 1] }]);
    g.offsetManager = new OffsetManager({
      cluster,
      coordinator: brokers.get(1),
      memberAssignment: { [TOPIC]: [0, 1] },
      autoCommit: false,
      autoCommitInterval: 0,
      autoCommitThreshold: null,
      topicConfigurations: {},
      instrumentationEmitter,
      groupId: GROUP,
      generationId: 7,
      memberId: 'member-1',
    });
    group = g;
  });
  return { group, broker: (id: number) => brokers.get(id)!, logged, lookups };
}

describe('coordinator rediscovery (kafkajs 2.2.4 consumer group)', () => {
  it('kafkajs alone keeps committing to the broker of the last join after the coordinator moved', async () => {
    const { group, logged, lookups } = movedCoordinator({ install: false });
    const old = group.coordinator;
    for (let i = 0; i < 3; i++) await expect(group.commitOffsets(COMMIT)).rejects.toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    await group.heartbeat({ interval: 0 });
    // Nothing asks Kafka where the group went: every commit and the heartbeat go to broker 1 still.
    expect(lookups).toEqual([]);
    expect(group.coordinator).toBe(old);
    expect(old.heartbeats).toHaveLength(1);
    expect(logged).toEqual([]);
  });

  it('asks Kafka again on a refused commit, commits to the broker it names, heartbeats there, and says so once', async () => {
    const { group, broker, logged, lookups } = movedCoordinator({ install: true });
    await group.commitOffsets(COMMIT);
    const now = broker(3);
    expect(lookups).toEqual([GROUP]);
    expect(now.commits).toEqual([{ groupId: GROUP, memberId: 'member-1', groupGenerationId: 7, topics: COMMIT.topics }]);
    await group.heartbeat({ interval: 0 });
    expect(now.heartbeats).toEqual([{ groupId: GROUP, memberId: 'member-1', groupGenerationId: 7 }]);
    expect(logged).toEqual([
      {
        message: COORDINATOR_MOVED_MESSAGE,
        context: {
          group: GROUP,
          member: 'member-1',
          request: 'OffsetCommit',
          partitions: [`${TOPIC}/0`, `${TOPIC}/1`],
          fromBroker: 1,
          toBroker: 3,
          refusal: 'This is not the correct coordinator for this group',
        },
      },
    ]);
    // Later commits go straight to the new coordinator.
    await group.commitOffsets(COMMIT);
    expect(now.commits).toHaveLength(2);
    expect(lookups).toHaveLength(1);
  });

  it('a heartbeat the old coordinator refuses finds the new one as well, and the member carries on without rejoining', async () => {
    const unpatched = movedCoordinator({ install: false, heartbeatRefused: true });
    // kafkajs alone: the refusal reaches the runner, whose fetch loop then rejoins the whole group.
    await expect(unpatched.group.heartbeat({ interval: 0 })).rejects.toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    const { group, broker, logged, lookups } = movedCoordinator({ install: true, heartbeatRefused: true });
    await group.heartbeat({ interval: 0 });
    expect(broker(3).heartbeats).toHaveLength(1);
    expect(logged.map((l) => [l.context?.request, l.context?.partitions])).toEqual([['Heartbeat', [`${TOPIC}/0`, `${TOPIC}/1`]]]);
    await group.commitOffsets(COMMIT);
    expect(broker(3).commits).toHaveLength(1);
    expect(lookups).toHaveLength(1);
  });

  it('a heartbeat and a commit refused at the same time switch once, and one line says so', async () => {
    const { group, broker, logged } = movedCoordinator({ install: true, heartbeatRefused: true });
    await Promise.all([group.heartbeat({ interval: 0 }), group.commitOffsets(COMMIT)]);
    expect(broker(3).heartbeats).toHaveLength(1);
    expect(broker(3).commits).toHaveLength(1);
    expect(logged).toHaveLength(1);
  });

  it('the commits kafkajs makes itself (commitOffsetsIfNecessary) find it too, naming the offsets they carried', async () => {
    const { group, broker, logged } = movedCoordinator({ install: true });
    group.resolveOffset({ topic: TOPIC, partition: 1, offset: '41' });
    await group.commitOffsetsIfNecessary();
    expect(broker(3).commits).toHaveLength(1);
    expect(logged.map((l) => l.context?.partitions)).toEqual([[`${TOPIC}/1`]]);
  });

  it('lets the refusal stand while Kafka still names the same broker, and asks again at the next commit', async () => {
    let named = 1;
    const { group, broker, logged, lookups } = movedCoordinator({ install: true, named: () => named });
    await expect(group.commitOffsets(COMMIT)).rejects.toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    expect(group.coordinator.nodeId).toBe(1);
    expect(logged).toEqual([]);
    named = 3;
    await group.commitOffsets(COMMIT);
    expect(broker(3).commits).toHaveLength(1);
    expect(lookups).toEqual([GROUP, GROUP]);
  });

  it('COORDINATOR_NOT_AVAILABLE (15) is taken as a moved coordinator too; other answers pass through untouched', async () => {
    const unavailable = movedCoordinator({ install: true, refusal: 15 });
    await unavailable.group.commitOffsets(COMMIT);
    expect(unavailable.broker(3).commits).toHaveLength(1);
    // ILLEGAL_GENERATION: the member must rejoin, which kafkajs's fetch loop does; no lookup here.
    const stale = movedCoordinator({ install: true, refusal: 22 });
    await expect(stale.group.commitOffsets(COMMIT)).rejects.toMatchObject({ type: 'ILLEGAL_GENERATION' });
    expect(stale.lookups).toEqual([]);
    expect(stale.group.coordinator.nodeId).toBe(1);
  });

  it('refuses any kafkajs version but the pinned one', () => {
    expect(() => installCoordinatorRediscovery('2.2.5')).toThrow(CoordinatorRediscoveryError);
    expect(() => installCoordinatorRediscovery('2.2.5')).toThrow(/kafkajs 2\.2\.5 is installed.*kafkajs 2\.2\.4/);
  });

  it('installing twice wraps once', async () => {
    const { group, lookups } = movedCoordinator({ install: 2, named: () => 1 });
    await expect(group.commitOffsets(COMMIT)).rejects.toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    expect(lookups).toEqual([GROUP]);
  });
});
