import { Message, Producer } from 'kafkajs';
import { encodeMeta, encodeProof, H } from '../../libs/events';
import { eventDigest, EventProof, signBatch, SigningKey } from '../../libs/signing';
import { PublishError } from './cdcErrors';
import { ChangeEvent } from './changeEvent';
import { EventEncoder } from './eventEncoder';

/**
 * Events per signature. A Merkle proof costs 32 bytes per tree level on every event, so small groups
 * keep events light (32 → 5 levels, 232 bytes of proof and signature) while one Ed25519 signature per
 * group (~0.1 ms) stays a few µs per event.
 */
export const SIGNING_GROUP = 32;

export type PreparedBatch = { topic: string; messages: Message[] }[];

/**
 * Encodes, signs and sends change events. `prepare` is CPU work that can overlap with the previous
 * batch still on the wire; `send` resolves only when Kafka has acknowledged every event from all
 * in-sync replicas, which is what lets the caller advance the replication slot.
 */
export class ChangePublisher {
  constructor(
    private readonly ministry: string,
    private readonly producer: Producer,
    private readonly encoders: ReadonlyMap<string, EventEncoder>,
    private readonly key: SigningKey,
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
      const value = e.record === null ? null : enc.encodeValue(e.record);
      return { topic: enc.topic, key, value, meta: encodeMeta(e.meta, this.key.keyId) };
    });
    const digests = prepared.map(eventDigest);
    const proofs: EventProof[] = [];
    for (let i = 0; i < digests.length; i += SIGNING_GROUP) proofs.push(...signBatch(digests.slice(i, i + SIGNING_GROUP), this.key));
    const byTopic = new Map<string, Message[]>();
    prepared.forEach((p, i) => {
      const list = byTopic.get(p.topic) ?? [];
      list.push({ key: p.key, value: p.value, headers: { [H.meta]: p.meta, [H.proof]: encodeProof(proofs[i].signature, proofs[i].path) } });
      byTopic.set(p.topic, list);
    });
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  async send(batch: PreparedBatch): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages: batch });
    } catch (err) {
      throw new PublishError(this.ministry, batch.map((b) => b.topic).join(','), (err as Error).message);
    }
  }
}
