import type { Message, Producer } from 'kafkajs';
import type { DeadLetterRecord } from '../../libs/partner-store';
import { deadLetterMessage, type RawEvent } from './deadLetterMessage';

/** Per-message overhead of a record batch beyond key, value and headers, rounded up. */
const RECORD_OVERHEAD = 64;

function bytesOf(m: Message): number {
  let n = RECORD_OVERHEAD + (m.key ? (m.key as Buffer).length : 0) + (m.value ? (m.value as Buffer).length : 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const one = (x: unknown): number => (Buffer.isBuffer(x) ? x.length : String(x).length) + k.length + 8;
    n += Array.isArray(v) ? v.reduce((s: number, x) => s + one(x), 0) : one(v);
  }
  return n;
}

/**
 * Copies dead letters to the agreement's dead-letter topic, in requests that each stay below the
 * topic's max.message.bytes: a backlog of thousands of undecodable events in one chunk used to go in one
 * send, larger than the topic accepts, which failed the chunk's transaction on every retry. A single
 * copy larger than the limit goes without its value (the table keeps the digest, and the bytes where
 * it may).
 */
export class DeadLetterSender {
  constructor(
    private readonly producer: () => Producer,
    private readonly topic: string,
    /** Largest request in bytes: a tenth below the topic's max.message.bytes. */
    private readonly maxRequestBytes: number,
    private readonly agreementId: string,
    private readonly group: string,
  ) {}

  async send(recorded: readonly DeadLetterRecord[], raw: ReadonlyMap<DeadLetterRecord, RawEvent>, at: Date = new Date()): Promise<void> {
    let batch: Message[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.producer().send({ topic: this.topic, acks: -1, messages: batch });
      batch = [];
      size = 0;
    };
    for (const d of recorded) {
      let m = deadLetterMessage(raw.get(d)!, d, this.agreementId, this.group, at);
      if (bytesOf(m) > this.maxRequestBytes) m = { ...m, value: null };
      const b = bytesOf(m);
      if (size + b > this.maxRequestBytes) await flush();
      batch.push(m);
      size += b;
    }
    await flush();
  }
}
