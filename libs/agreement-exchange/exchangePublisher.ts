import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { checkedProducer } from '../kafka';
import { canonicalJson, type AgreementEvent } from '../agreements';
import { PublishFailedError } from './exchangeErrors';
import type { ExchangeTopics } from './exchangeTopics';
import type { RequestEvent } from './requestEvent';
import type { SourcePosition } from './agreementStore';

/** Header naming what a message carries, for operators reading the topic with generic tools. */
export const STREAM_HEADER = 'thahs.stream';

/**
 * Writes signed steps to the exchange topics: idempotent producer, one request in flight, acks from
 * every in-sync replica, so a step either is on the log once, in order, or the caller gets an error.
 * The message is the canonical JSON of the event, keyed by agreement id (steps) or request id.
 */
export class ExchangePublisher {
  private producer?: Producer;

  constructor(
    private readonly kafka: Kafka,
    readonly topics: ExchangeTopics,
  ) {}

  async connect(): Promise<void> {
    if (this.producer) return;
    // One message per send cannot lose a partition to kafkajs's retry today; checked all the same, so a batched send later cannot either.
    const p = checkedProducer(this.kafka, { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await p.connect();
    this.producer = p;
  }

  async disconnect(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect();
  }

  publishAgreementEvent(event: AgreementEvent): Promise<SourcePosition> {
    return this.send(this.topics.agreements, event.agreementId, canonicalJson(event), 'agreement');
  }

  publishRequestEvent(event: RequestEvent): Promise<SourcePosition> {
    return this.send(this.topics.requests, event.requestId, canonicalJson(event), 'request');
  }

  /** Sends bytes as they are: what tests use to put a forged step on the log. */
  async publishRaw(topic: string, key: string, value: string, stream: 'agreement' | 'request'): Promise<SourcePosition> {
    return this.send(topic, key, value, stream);
  }

  private async send(topic: string, key: string, value: string, stream: string): Promise<SourcePosition> {
    await this.connect();
    try {
      const [meta] = await this.producer!.send({ topic, acks: -1, messages: [{ key, value, headers: { [STREAM_HEADER]: stream } }] });
      return { topic, partition: meta.partition, offset: meta.baseOffset ?? meta.offset ?? '-1' };
    } catch (err) {
      throw new PublishFailedError(topic, key, (err as Error).message);
    }
  }
}
