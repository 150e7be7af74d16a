import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { KeyPartitioner, murmur2 } from './keyPartitioner';
// kafkajs's implementation is the reference: partitions must not move when the producer switches.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reference = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;

const metadata = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));

describe('key partitioner', () => {
  it('hashes exactly as kafkajs (and the Java client) do', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(murmur2(bytes)).toBe(reference(Buffer.from(bytes)));
      }),
      { numRuns: 2000 },
    );
    // Kafka's own test vectors (Java Utils.murmur2): "21" -> -973932308, "foobar" -> -790332482
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
  });

  it('picks the partition kafkajs DefaultPartitioner picks', () => {
    const ours = KeyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (bytes, n) => {
        const args = { topic: 't', partitionMetadata: metadata(n), message: { key: Buffer.from(bytes), value: null } };
        expect(ours(args)).toBe(theirs(args));
      }),
      { numRuns: 1000 },
    );
    expect(() => ours({ topic: 't', partitionMetadata: metadata(2), message: { value: null } })).toThrow(/unkeyed/);
  });
});
