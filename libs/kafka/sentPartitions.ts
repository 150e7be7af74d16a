import type { ICustomPartitioner, RecordMetadata } from 'kafkajs';

/**
 * Notes the partitions kafkajs puts a request's messages on, so a caller can check that the
 * acknowledgements `sendBatch` resolves with name every one of them.
 *
 * kafkajs 2.2.4 (pinned, no longer released) can resolve a `sendBatch` while one of its partitions was
 * never written: its retry (src/producer/sendMessages.js) remembers which brokers answered, not which
 * partitions. When a partition's leader dies and the partition moves to a broker that already answered
 * for its own partitions, the moved partition's messages are not sent again and the call succeeds. On
 * the secure stack, one broker of three killed -9 under load lost two events this way (failures test,
 * 2026-12-03: numbers 7-8 of a partition never on the topic, the replication slot already past them).
 *
 * One request at a time: `begin` forgets the partitions of the request before. Producers whose sends
 * overlap check each call on its own instead (checkedProducer.ts).
 */
export class SentPartitions {
  private readonly targeted = new Map<string, Set<number>>();

  /** The `createPartitioner` for kafka.producer: `inner`'s choices, each noted. */
  partitioner(inner: ICustomPartitioner): ICustomPartitioner {
    return () => {
      const choose = inner();
      return (args) => {
        const p = choose(args);
        let parts = this.targeted.get(args.topic);
        if (!parts) {
          parts = new Set();
          this.targeted.set(args.topic, parts);
        }
        parts.add(p);
        return p;
      };
    };
  }

  /** A request starts. */
  begin(): void {
    this.targeted.clear();
  }

  /** The partitions (`topic/partition`) messages of this request went to that no acknowledgement names; empty when all were acknowledged. */
  unacknowledged(acks: readonly RecordMetadata[]): string[] {
    const acked = new Set(acks.map((a) => `${a.topicName}/${a.partition}`));
    const out: string[] = [];
    for (const [topic, parts] of this.targeted) for (const p of parts) if (!acked.has(`${topic}/${p}`)) out.push(`${topic}/${p}`);
    return out;
  }
}

/** A sendBatch that resolved without acknowledging some of its partitions: the caller must treat the request as failed. */
export class UnacknowledgedPartitionsError extends Error {
  constructor(readonly partitions: readonly string[]) {
    super(
      `Kafka acknowledged the request without partition${partitions.length > 1 ? 's' : ''} ${partitions.join(', ')}: its leader moved while kafkajs retried, and kafkajs 2.2.4 does not send a moved partition's messages again`,
    );
    this.name = 'UnacknowledgedPartitionsError';
  }
}
