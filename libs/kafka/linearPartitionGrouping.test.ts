import fc from 'fast-check';
import { groupMessagesPerPartition, GROUPING_MODULE } from './linearPartitionGrouping';

// kafkajs's own grouping, as loaded before anything replaces it
const kafkajsGrouping = jest.requireActual<typeof groupMessagesPerPartition>(GROUPING_MODULE);

describe('messages grouped per partition', () => {
  it("give kafkajs's grouping: same partitions, same order, same partitioner calls", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(7), { maxLength: 300 }), fc.integer({ min: 0, max: 8 }), (targets, partitions) => {
        const messages = targets.map((t, i) => ({ i, t }));
        const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({ partitionId: p }));
        const calls: [string, number][] = [];
        const theirCalls: [string, number][] = [];
        const ours = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner: ({ topic, message }) => (calls.push([topic, message.i]), message.t) });
        const theirs = kafkajsGrouping({ topic: 't', partitionMetadata, messages, partitioner: ({ topic, message }) => (theirCalls.push([topic, message.i]), message.t) });
        expect(ours).toEqual(theirs);
        expect(Object.keys(ours)).toEqual(Object.keys(theirs));
        expect(calls).toEqual(theirCalls);
      }),
      { numRuns: 200 },
    );
  });
});
