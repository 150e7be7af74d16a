import { Partitioners, type ICustomPartitioner, type Kafka, type Message, type Producer, type ProducerBatch, type ProducerConfig, type RecordMetadata } from 'kafkajs';
import { UnacknowledgedPartitionsError } from './sentPartitions';

/** One send call's messages, per topic, and the partition each was put on. */
type CallPlacements = Map<string, Map<Message, number>>;

/**
 * The per-call form of SentPartitions (sentPartitions.ts: why kafkajs 2.2.4 can acknowledge a request
 * without one of its partitions), for producers whose sends overlap: each call's messages are noted
 * while it runs, and the partitions they went to are compared with that call's own acknowledgements.
 *
 * A message keeps the partition it was first given for the rest of its call: kafkajs asks the
 * partitioner again at every retry, and a message moved between attempts (a keyless message's
 * round-robin, a partition count read anew) could be left on a partition that an earlier answer of
 * the call already names for other messages. Then no partition would be missing and the message
 * still lost; with the partition fixed, a partition named in the answers carried all its messages.
 */
export class PartitionsPerSend {
  // The calls in flight each message is part of (one object may be in two calls at once).
  private readonly pending = new WeakMap<Message, Set<CallPlacements>>();

  /** The `createPartitioner` for kafka.producer: `inner`'s choices, noted for the calls in flight. */
  partitioner(inner: ICustomPartitioner): ICustomPartitioner {
    return () => {
      const choose = inner();
      return (args) => {
        const calls = this.pending.get(args.message);
        if (!calls) return choose(args);
        let p: number | undefined;
        for (const c of calls) p ??= c.get(args.topic)?.get(args.message);
        if (p === undefined || !args.partitionMetadata.some((m) => m.partitionId === p)) p = choose(args);
        for (const c of calls) {
          let placed = c.get(args.topic);
          if (!placed) c.set(args.topic, (placed = new Map()));
          placed.set(args.message, p);
        }
        return p;
      };
    };
  }

  /**
   * `producer.sendBatch(batch)`, rejected with UnacknowledgedPartitionsError when its answers leave out
   * a partition its messages went to. `producer` must place messages with this object's partitioner.
   */
  async sendBatch(producer: Pick<Producer, 'sendBatch'>, batch: ProducerBatch): Promise<RecordMetadata[]> {
    const call: CallPlacements = new Map();
    const messages = (batch.topicMessages ?? []).flatMap((t) => t.messages ?? []);
    for (const m of messages) {
      let calls = this.pending.get(m);
      if (!calls) this.pending.set(m, (calls = new Set()));
      calls.add(call);
    }
    try {
      const acks = await producer.sendBatch(batch);
      // Without acknowledgements kafkajs returns no metadata at all: there is nothing to compare.
      if (batch.acks === 0) return acks;
      const acked = new Set(acks.map((a) => `${a.topicName}/${a.partition}`));
      const missing: string[] = [];
      for (const [topic, placed] of call) for (const p of new Set(placed.values())) if (!acked.has(`${topic}/${p}`)) missing.push(`${topic}/${p}`);
      if (missing.length > 0) throw new UnacknowledgedPartitionsError(missing.sort());
      return acks;
    } finally {
      for (const m of messages) {
        const calls = this.pending.get(m);
        calls?.delete(call);
        if (calls?.size === 0) this.pending.delete(m);
      }
    }
  }
}

/**
 * A kafkajs producer whose `send` and `sendBatch` fail with UnacknowledgedPartitionsError when Kafka's
 * answers to the call leave out a partition its messages went to, so the caller's error path (retry,
 * no offset commit, rollback) handles what kafkajs would have reported as sent. Messages are placed
 * by `config.createPartitioner` (default kafkajs's DefaultPartitioner, as kafka.producer has it).
 * Transactions are refused: their sends would go unchecked.
 */
export function checkedProducer(kafka: Pick<Kafka, 'producer'>, config: ProducerConfig = {}): Producer {
  const check = new PartitionsPerSend();
  const producer = kafka.producer({ ...config, createPartitioner: check.partitioner(config.createPartitioner ?? Partitioners.DefaultPartitioner) });
  return {
    ...producer,
    sendBatch: (batch) => check.sendBatch(producer, batch),
    send: ({ topic, messages, acks, timeout, compression }) => check.sendBatch(producer, { acks, timeout, compression, topicMessages: [{ topic, messages }] }),
    transaction: () => Promise.reject(new Error('checkedProducer: a transaction would send unchecked; use kafka.producer for transactions')),
  };
}
