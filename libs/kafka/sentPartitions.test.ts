import type { RecordMetadata } from 'kafkajs';
import { keyFor, leaderMovingCluster, sendMessagesOver, type ProducedRequest } from './__fixtures__/leaderMovingCluster';
import { KeyPartitioner } from './keyPartitioner';
import { SentPartitions, UnacknowledgedPartitionsError } from './sentPartitions';

const TOPIC = 'p.cand.A.person';

describe('SentPartitions', () => {
  it('finds the partition kafkajs left out when its leader moved to a broker that had answered', async () => {
    const sent = new SentPartitions();
    const produced: ProducedRequest[] = [];
    const send = sendMessagesOver(leaderMovingCluster(produced), sent.partitioner(KeyPartitioner)());
    sent.begin();
    const acks = await send({
      acks: -1,
      timeout: 30000,
      topicMessages: [
        {
          topic: TOPIC,
          messages: [
            { key: keyFor(0), value: null },
            { key: keyFor(1), value: null },
          ],
        },
      ],
    });
    // kafkajs resolves: broker 1 answered for partition 0, and partition 1 (moved to broker 1) was never sent again.
    expect(produced).toEqual([{ nodeId: 1, partitions: [0] }]);
    expect(acks.map((a) => a.partition)).toEqual([0]);
    expect(sent.unacknowledged(acks)).toEqual([`${TOPIC}/1`]);
  });

  it('finds nothing missing when every partition was acknowledged, and forgets a request at the next begin', () => {
    const sent = new SentPartitions();
    const choose = sent.partitioner(KeyPartitioner)();
    const partitionMetadata = [0, 1].map((p) => ({ partitionId: p, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    for (const p of [0, 1]) choose({ topic: TOPIC, partitionMetadata, message: { key: keyFor(p), value: null } });
    const ack = (partition: number): RecordMetadata => ({ topicName: TOPIC, partition, errorCode: 0 });
    expect(sent.unacknowledged([ack(0), ack(1)])).toEqual([]);
    expect(sent.unacknowledged([ack(1)])).toEqual([`${TOPIC}/0`]);
    sent.begin();
    expect(sent.unacknowledged([])).toEqual([]);
  });

  it('names the partitions in its error', () => {
    expect(new UnacknowledgedPartitionsError([`${TOPIC}/1`]).message).toContain(`${TOPIC}/1`);
  });
});
