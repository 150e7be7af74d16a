import type { Message } from 'kafkajs';
import { PreparedBatch, splitByBytes } from './changePublisher';

const msg = (id: number, bytes: number): Message => ({ key: Buffer.from(String(id).padStart(4, '0')), value: Buffer.alloc(bytes), headers: { h: Buffer.alloc(10) } });
const ids = (batches: PreparedBatch[]): string[][] => batches.map((b) => b.flatMap(({ topic, messages }) => messages.map((m) => `${topic}/${(m.key as Buffer).toString()}`)));

describe('splitting a prepared batch into requests the topics accept', () => {
  it('keeps the order, stays within the budget, and sends an oversized event alone', () => {
    const batch: PreparedBatch = [
      { topic: 'a', messages: [msg(1, 400), msg(2, 400), msg(3, 400)] },
      { topic: 'b', messages: [msg(4, 400), msg(5, 5000), msg(6, 100)] },
    ];
    const parts = splitByBytes(batch, 1200);
    expect(ids(parts)).toEqual([['a/0001', 'a/0002'], ['a/0003', 'b/0004'], ['b/0005'], ['b/0006']]);
    // the order of every event is the order of the batch
    expect(ids(parts).flat()).toEqual(ids([batch]).flat());
  });

  it('leaves a batch that fits as one request', () => {
    const batch: PreparedBatch = [{ topic: 'a', messages: [msg(1, 10), msg(2, 10)] }];
    expect(splitByBytes(batch, 1_000_000)).toEqual([batch]);
  });
});
