import type { Message } from 'kafkajs';
import { encodeEnvelope, H } from '../../libs/events';
import { eventDigest, EventProof, signBatch, SigningKey } from '../../libs/signing';
import { PublishError } from './cdcErrors';
import { ChangeEvent } from './changeEvent';
import { MetaWriter } from './metaWriter';
import { PartitionSequencer } from './partitionSequencer';
import type { RecordSender } from './senderThread';

/**
 * Events per signature. A Merkle proof costs 32 bytes per tree level on every event, and every group
 * costs one Ed25519 signature here and one verification (~0.1 ms on this machine class) in each
 * consumer. At 128 (7 levels, 296 bytes of proof and signature) the verification is under 1 µs per
 * event; at 32 it was 3 µs, most of the consumer's signature cost, for 64 bytes less per event.
 */
export const SIGNING_GROUP = 128;

export type PreparedBatch = { topic: string; messages: Message[] }[];

/** Per-record bytes a batch adds beyond key, value and headers (varints, attributes), rounded up. */
const RECORD_OVERHEAD = 32;
/** Record batch header and request framing, per topic-partition, rounded up. */
const BATCH_OVERHEAD = 256;

function messageBytes(m: Message): number {
  let n = RECORD_OVERHEAD + (m.key ? (m.key as Buffer).length : 0) + (m.value ? (m.value as Buffer).length : 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + (Buffer.isBuffer(v) ? v.length : String(v).length) + 4;
  return n;
}

/**
 * Splits a batch into requests of at most `budget` bytes of records, in order. A request's total bounds
 * each of its per-partition record batches, so none can exceed the topics' max.message.bytes; an event
 * too large on its own travels alone (and Kafka says why if it is refused).
 */
export function splitByBytes(batch: PreparedBatch, budget: number): PreparedBatch[] {
  const out: PreparedBatch[] = [];
  let current: PreparedBatch = [];
  let size = 0;
  for (const { topic, messages } of batch) {
    for (const m of messages) {
      const b = messageBytes(m);
      if (size > 0 && size + b > budget) {
        out.push(current);
        current = [];
        size = 0;
      }
      const last = current[current.length - 1];
      if (last?.topic === topic) last.messages.push(m);
      else {
        current.push({ topic, messages: [m] });
        size += BATCH_OVERHEAD;
      }
      size += b;
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Encodes, signs and sends change events. `prepare` is CPU work that can overlap with the previous
 * batch still on the wire; `send` resolves only when Kafka has acknowledged every event from all
 * in-sync replicas, which is what lets the caller advance the replication slot. Each event is signed
 * with its route's key (the provider body's key its agreement lists): events of several agreements
 * in one batch form signing groups per key.
 */
export class ChangePublisher {
  /** Topics sent to by the current sender (its Kafka client keeps asking for their metadata). */
  readonly sentTopics = new Set<string>();
  /** This publisher's run: the sequence of every partition it sends to. */
  readonly sequencer: PartitionSequencer;
  private readonly meta = new MetaWriter();

  constructor(
    private readonly ministry: string,
    private sender: RecordSender,
    /** Largest request, in record bytes: below the topics' max.message.bytes (topicMaxMessageBytes). */
    private maxRequestBytes = 900_000,
    /** Partition count of a topic as the cluster has it; unknown: its events are not sequenced. */
    partitionsOf: (topic: string) => number | undefined = () => undefined,
  ) {
    this.sequencer = new PartitionSequencer(partitionsOf);
  }

  /** Sends through another sender from now on (a new Kafka client: see CdcProducer.retireEndedTopics). */
  useSender(sender: RecordSender): void {
    this.sender = sender;
    this.sentTopics.clear();
  }

  /** Sizes later requests to the smallest limit among the topics (new agreement topics may come with their own). */
  limitRequests(bytes: number): void {
    this.maxRequestBytes = bytes;
  }

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.send(this.prepare(events));
  }

  prepare(events: readonly ChangeEvent[]): PreparedBatch {
    const seq = this.sequencer;
    const n = events.length;
    const keys = new Array<Buffer>(n);
    const metas = new Array<Buffer>(n);
    const digests = new Array<Buffer>(n);
    for (let i = 0; i < n; i++) {
      const e = events[i];
      const route = e.route;
      const key = route.encodeKey(e.id);
      const meta = this.meta.write(route, e.meta, route.key.keyId, seq.next(route.topic, key));
      keys[i] = key;
      metas[i] = meta;
      digests[i] = eventDigest({ topic: route.topic, key, value: e.value, meta });
    }
    const proofs = signByKey(events, digests);
    const out: PreparedBatch = [];
    const byTopic = new Map<string, Message[]>();
    for (let i = 0; i < n; i++) {
      const topic = events[i].route.topic;
      let list = byTopic.get(topic);
      if (!list) {
        list = [];
        byTopic.set(topic, list);
        out.push({ topic, messages: list });
      }
      list.push({ key: keys[i], value: events[i].value, headers: { [H.event]: encodeEnvelope(metas[i], proofs[i].signature, proofs[i].path) } });
    }
    return out;
  }

  async send(batch: PreparedBatch): Promise<void> {
    if (batch.length === 0) return;
    for (const b of batch) this.sentTopics.add(b.topic);
    try {
      // In order, one after another: the caller confirms the slot only after the last one.
      await this.sender.send(splitByBytes(batch, this.maxRequestBytes));
    } catch (err) {
      throw new PublishError(this.ministry, batch.map((b) => b.topic).join(','), (err as Error).message);
    }
  }
}

/** One proof per event: consecutive groups of up to SIGNING_GROUP events signed by the same key. */
function signByKey(events: readonly ChangeEvent[], digests: readonly Buffer[]): EventProof[] {
  const proofs: EventProof[] = new Array<EventProof>(events.length);
  const byKey = new Map<SigningKey, number[]>();
  events.forEach((e, i) => {
    let list = byKey.get(e.route.key);
    if (!list) {
      list = [];
      byKey.set(e.route.key, list);
    }
    list.push(i);
  });
  for (const [key, indexes] of byKey) {
    for (let g = 0; g < indexes.length; g += SIGNING_GROUP) {
      const group = indexes.slice(g, g + SIGNING_GROUP);
      const signed = signBatch(
        group.map((i) => digests[i]),
        key,
      );
      group.forEach((i, j) => {
        proofs[i] = signed[j];
      });
    }
  }
  return proofs;
}
