import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { MessageChannel, receiveMessageOnPort } from 'worker_threads';
import type { PreparedBatch } from './changePublisher';
import { packRequests, packTransferList, unpackRequests, type PackedRequests } from './recordPack';

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const message: fc.Arbitrary<Message> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.dictionary(fc.constantFrom('thahs.event', 'x-a', 'x-b'), fc.oneof(bytes, fc.array(bytes, { minLength: 1, maxLength: 3 }))),
});
const requests: fc.Arbitrary<PreparedBatch[]> = fc.array(fc.array(fc.record({ topic: fc.constantFrom('t.a', 't.b'), messages: fc.array(message, { maxLength: 5 }) }), { maxLength: 3 }), { maxLength: 4 });

/** Buffers as hex, a lone header value as a one-element list: what must survive the trip. */
function plain(batches: PreparedBatch[]): unknown {
  const hex = (v: unknown): string | null => (v == null ? null : (v as Buffer).toString('hex'));
  return batches.map((b) =>
    b.map(({ topic, messages }) => ({
      topic,
      messages: messages.map((m) => ({
        key: hex(m.key),
        value: hex(m.value),
        headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(hex)])),
      })),
    })),
  );
}

/** Posts the pack through a real message port, transferring its buffers, and reads it on the other side. */
function acrossPort(p: PackedRequests): PackedRequests {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(p, packTransferList(p));
  const received = receiveMessageOnPort(port2)!.message as PackedRequests;
  port1.close();
  // Transferred, not copied: the sender's buffer is detached.
  expect(p.bytes.byteLength).toBe(0);
  return received;
}

describe('packing prepared requests for the sender thread', () => {
  it('unpacks, across a message port, to the same requests in the same order', () => {
    fc.assert(
      fc.property(requests, (batches) => {
        const expected = plain(batches);
        expect(plain(unpackRequests(acrossPort(packRequests(batches))))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a tombstone apart from an empty value, and reads text keys as UTF-8', () => {
    const [[{ messages }]] = unpackRequests(packRequests([[{ topic: 't', messages: [{ key: 'khóa', value: null }, { key: Buffer.alloc(0), value: Buffer.alloc(0) }] }]]));
    expect(messages[0].key).toEqual(Buffer.from('khóa', 'utf8'));
    expect(messages[0].value).toBeNull();
    expect(messages[1].value).toEqual(Buffer.alloc(0));
  });
});
