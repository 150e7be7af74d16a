import * as path from 'path';

/**
 * kafkajs groups a send's messages by partition by copying the partition's whole list for every message
 * (`[...current, message]`): quadratic in the messages per partition, ~30 % of the producer's sender
 * thread for 2,000-event requests over a few partitions. This is the same grouping — same keys, same
 * order, same partitioner calls — appending in place. It replaces kafkajs's module before kafkajs loads
 * it (the producer's sender thread installs it); linearPartitionGrouping.test.ts holds it equal to
 * kafkajs's on random sends.
 */
export const GROUPING_MODULE = path.join(path.dirname(require.resolve('kafkajs/package.json')), 'src/producer/groupMessagesPerPartition.js');

export interface GroupingArgs<M> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly M[];
  partitioner(a: { topic: string; partitionMetadata: readonly unknown[]; message: M }): number;
}

export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupingArgs<M>): Record<number, M[]> {
  const result: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list === undefined) result[partition] = [message];
    else list.push(message);
  }
  return result;
}

let installed = false;

/** Must run before `kafkajs` is first required in this thread; returns false if it was too late. */
export function useLinearPartitionGrouping(): boolean {
  if (installed) return true;
  if (require.cache[GROUPING_MODULE]) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(GROUPING_MODULE);
  require.cache[GROUPING_MODULE]!.exports = groupMessagesPerPartition;
  installed = true;
  return true;
}
