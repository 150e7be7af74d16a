import { Partitioners, type ICustomPartitioner, type Kafka, type Producer, type ProducerConfig, type RecordMetadata } from 'kafkajs';
import { checkedProducer, PartitionsPerSend } from './checkedProducer';
import { keyFor, leaderMovingCluster, messageProducerOver, type ProducedRequest } from './__fixtures__/leaderMovingCluster';
import { KeyPartitioner } from './keyPartitioner';
import { UnacknowledgedPartitionsError } from './sentPartitions';

const TOPIC = 'p.cand.qdnd.dlq';
const OTHER = 'p.cand.qdnd.deletions';

/** A Kafka whose producers run kafkajs's own send code over `cluster`, with the partitioner they are configured with. */
function kafkaOver(cluster: object, configs: ProducerConfig[] = []): Pick<Kafka, 'producer'> {
  return {
    producer: (config: ProducerConfig = {}) => {
      configs.push(config);
      const partitioner = (config.createPartitioner ?? Partitioners.DefaultPartitioner)();
      return { ...messageProducerOver(cluster, partitioner), connect: async () => undefined, disconnect: async () => undefined } as unknown as Producer;
    },
  };
}

const both = [
  { key: keyFor(0), value: 'a' },
  { key: keyFor(1), value: 'b' },
];

describe('checkedProducer', () => {
  it('fails the send whose partition kafkajs left out, while a concurrent send acknowledged that partition for itself', async () => {
    const produced: ProducedRequest[] = [];
    let failed!: () => void;
    const broker2Failed = new Promise<void>((r) => (failed = r));
    let release!: () => void;
    const metadataAfter = new Promise<void>((r) => (release = r));
    const producer = checkedProducer(kafkaOver(leaderMovingCluster(produced, { onBroker2Failed: failed, metadataAfter })), { createPartitioner: KeyPartitioner });

    // The first send loses broker 2 and waits for the metadata; meanwhile a second send writes partition 1 through broker 2.
    const first = producer.sendBatch({ acks: -1, topicMessages: [{ topic: TOPIC, messages: both }] });
    const firstSettled = first.then(
      (acks) => ({ acks }),
      (err: unknown) => ({ err }),
    );
    await broker2Failed;
    const second = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: keyFor(1), value: 'c' }] });
    release();
    const outcome = await firstSettled;

    expect(second.map((a) => a.partition)).toEqual([1]);
    // kafkajs sent the first call's partition 1 nowhere: broker 1 answered for its partition 0 only.
    expect(produced).toEqual([
      { nodeId: 1, partitions: [0] },
      { nodeId: 2, partitions: [1] },
    ]);
    expect(outcome).toEqual({ err: expect.any(UnacknowledgedPartitionsError) });
    expect((outcome as { err: UnacknowledgedPartitionsError }).err.partitions).toEqual([`${TOPIC}/1`]);
  });

  it('fails a send() (one topic) that kafkajs resolved without one of its partitions', async () => {
    const producer = checkedProducer(kafkaOver(leaderMovingCluster([])), { createPartitioner: KeyPartitioner });
    await expect(producer.send({ topic: TOPIC, acks: -1, messages: both })).rejects.toThrow(UnacknowledgedPartitionsError);
  });

  it('fails a sendBatch over several topics naming only the partition left out', async () => {
    const producer = checkedProducer(kafkaOver(leaderMovingCluster([])), { createPartitioner: KeyPartitioner });
    const err = await producer
      .sendBatch({
        acks: -1,
        topicMessages: [
          { topic: OTHER, messages: [{ key: keyFor(0), value: 'x' }] },
          { topic: TOPIC, messages: both },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnacknowledgedPartitionsError);
    // Broker 1 answered for both topics' partition 0; broker 2 lost the only partition 1.
    expect((err as UnacknowledgedPartitionsError).partitions).toEqual([`${TOPIC}/1`]);
  });

  it('fails a sendBatch of one keyless message per one-partition topic (the signed watermarks) when one topic’s leader moved', async () => {
    const watermarks = ['p.wm.cand.a1', 'p.wm.cand.a2', 'p.wm.cand.a3'];
    const produced: ProducedRequest[] = [];
    const cluster = leaderMovingCluster(produced, { partitions: 1, leaderOf: (topic) => (topic === watermarks[1] ? 2 : 1) });
    const producer = checkedProducer(kafkaOver(cluster), { allowAutoTopicCreation: false });
    const err = await producer.sendBatch({ acks: -1, topicMessages: watermarks.map((topic) => ({ topic, messages: [{ key: null, value: 'signed' }] })) }).catch((e: unknown) => e);
    expect(produced).toEqual([{ nodeId: 1, partitions: [0, 0] }]);
    expect(err).toBeInstanceOf(UnacknowledgedPartitionsError);
    expect((err as UnacknowledgedPartitionsError).partitions).toEqual([`${watermarks[1]}/0`]);
  });

  it('resolves with the acknowledgements when every partition answered, with kafkajs’s default partitioner unless one is given', async () => {
    const configs: ProducerConfig[] = [];
    const produced: ProducedRequest[] = [];
    const producer = checkedProducer(kafkaOver(leaderMovingCluster(produced, { broker2Fails: false }), configs), { allowAutoTopicCreation: false });
    const acks = await producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic: TOPIC,
          messages: [
            { key: 'k', value: 'a' },
            { key: 'l', value: 'b' },
            { key: null, value: 'c' },
          ],
        },
      ],
    });
    expect(acks.map((a) => a.partition).sort()).toEqual([...new Set(produced.flatMap((r) => r.partitions))].sort());
    expect(configs[0].allowAutoTopicCreation).toBe(false);
    expect(configs[0].createPartitioner).toBeDefined();
    await expect(producer.transaction()).rejects.toThrow(/unchecked/);
  });
});

describe('PartitionsPerSend', () => {
  const partitionMetadata = [0, 1, 2].map((p) => ({ partitionId: p, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

  it('keeps a message on the partition it was first given for the rest of its call', async () => {
    const check = new PartitionsPerSend();
    let n = 0;
    const roundRobin: ICustomPartitioner = () => () => n++ % 3;
    const choose = check.partitioner(roundRobin)();
    const message = { key: null, value: 'w' };
    const chosen: number[] = [];
    // A sendBatch that asks the partitioner twice, like kafkajs's retry, and is answered for the first choice.
    const acks = await check.sendBatch(
      {
        sendBatch: async () => {
          for (let i = 0; i < 2; i++) chosen.push(choose({ topic: TOPIC, partitionMetadata, message }));
          return [{ topicName: TOPIC, partition: chosen[0], errorCode: 0 }];
        },
      },
      { acks: -1, topicMessages: [{ topic: TOPIC, messages: [message] }] },
    );
    expect(chosen).toEqual([0, 0]);
    expect(acks).toHaveLength(1);
    // Outside a call the inner partitioner decides.
    expect(choose({ topic: TOPIC, partitionMetadata, message })).toBe(1);
  });

  it('checks nothing for acks 0 (kafkajs returns no metadata) and forgets a call once it ends', async () => {
    const check = new PartitionsPerSend();
    const choose = check.partitioner(KeyPartitioner)();
    const message = { key: keyFor(1), value: 'x' };
    const producer = {
      sendBatch: async (): Promise<RecordMetadata[]> => {
        choose({ topic: TOPIC, partitionMetadata: partitionMetadata.slice(0, 2), message });
        return [];
      },
    };
    await expect(check.sendBatch(producer, { acks: 0, topicMessages: [{ topic: TOPIC, messages: [message] }] })).resolves.toEqual([]);
    await expect(check.sendBatch(producer, { acks: -1, topicMessages: [{ topic: TOPIC, messages: [message] }] })).rejects.toThrow(`${TOPIC}/1`);
    await expect(check.sendBatch({ sendBatch: async () => [] }, { acks: -1, topicMessages: [{ topic: TOPIC, messages: [message] }] })).resolves.toEqual([]);
  });
});
