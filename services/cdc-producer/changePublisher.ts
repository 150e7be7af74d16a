import type { Message } from 'kafkajs';
import { encodeEnvelope, encodeMeta, H } from '../../libs/events';
import { eventDigest, EventProof, signBatch, SigningKey } from '../../libs/signing';
import { PublishError } from './cdcErrors';
import { ChangeEvent } from './changeEvent';
import { EventEncoder } from './eventEncoder';
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
 * in-sync replicas, which is what lets the caller advance the replication slot.
 */
export class ChangePublisher {
  constructor(
    private readonly ministry: string,
    private readonly sender: RecordSender,
    private readonly encoders: ReadonlyMap<string, EventEncoder>,
    private readonly key: SigningKey,
    /** Largest request, in record bytes: below the topics' max.message.bytes (topicMaxMessageBytes). */
    private readonly maxRequestBytes = 900_000,
  ) {}

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.send(this.prepare(events));
  }

  prepare(events: readonly ChangeEvent[]): PreparedBatch {
    const prepared = events.map((e) => {
      const enc = this.encoders.get(e.entity);
      if (!enc) throw new PublishError(this.ministry, `thahs.${this.ministry}.${e.entity}`, 'no encoder for the entity');
      const key = enc.encodeKey(e.id);
      return { topic: enc.topic, key, value: e.value, meta: encodeMeta(e.meta, this.key.keyId) };
    });
    const digests = prepared.map(eventDigest);
    const proofs: EventProof[] = [];
    for (let i = 0; i < digests.length; i += SIGNING_GROUP) proofs.push(...signBatch(digests.slice(i, i + SIGNING_GROUP), this.key));
    const byTopic = new Map<string, Message[]>();
    prepared.forEach((p, i) => {
      const list = byTopic.get(p.topic) ?? [];
      list.push({ key: p.key, value: p.value, headers: { [H.event]: encodeEnvelope(p.meta, proofs[i].signature, proofs[i].path) } });
      byTopic.set(p.topic, list);
    });
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  async send(batch: PreparedBatch): Promise<void> {
    if (batch.length === 0) return;
    try {
      // In order, one after another: the caller confirms the slot only after the last one.
      await this.sender.send(splitByBytes(batch, this.maxRequestBytes));
    } catch (err) {
      throw new PublishError(this.ministry, batch.map((b) => b.topic).join(','), (err as Error).message);
    }
  }
}
