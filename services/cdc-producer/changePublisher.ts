import { Message, Producer } from 'kafkajs';
import { H, metaHeaders } from '../../libs/events';
import { eventDigest, signBatch, SigningKey } from '../../libs/signing';
import { PublishError } from './cdcErrors';
import { ChangeEvent } from './changeEvent';
import { EventEncoder } from './eventEncoder';

/**
 * Encodes, signs (one Merkle batch per call) and sends change events; resolves only when Kafka has
 * acknowledged every one of them from all in-sync replicas, which is what lets the caller advance the
 * replication slot.
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
    const prepared = events.map((e) => {
      const enc = this.encoders.get(e.entity);
      if (!enc) throw new PublishError(this.ministry, `thahs.${this.ministry}.${e.entity}`, 'no encoder for the entity');
      const key = enc.encodeKey(e.id);
      const value = e.record === null ? null : enc.encodeValue(e.record);
      const headers = { ...metaHeaders(e.meta), [H.keyId]: this.key.keyId };
      return { topic: enc.topic, key, value, headers };
    });
    const proofs = signBatch(prepared.map(eventDigest), this.key);
    const byTopic = new Map<string, Message[]>();
    prepared.forEach((p, i) => {
      const list = byTopic.get(p.topic) ?? [];
      list.push({ key: p.key, value: p.value, headers: { ...p.headers, [H.signature]: proofs[i].signature, [H.proof]: proofs[i].path } });
      byTopic.set(p.topic, list);
    });
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    } catch (err) {
      throw new PublishError(this.ministry, [...byTopic.keys()].join(','), (err as Error).message);
    }
  }
}
