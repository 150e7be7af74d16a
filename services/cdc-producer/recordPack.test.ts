import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { MessageChannel, receiveMessageOnPort } from 'worker_threads';
import type { PreparedBatch } from './changePublisher';
import { RECORD_BODY } from '../../libs/kafka/recordBody';
import { packRequests, packTransferList, unpackRequests, type PackedRequests } from './recordPack';

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const message: fc.Arbitrary<Message> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.dictionary(fc.constantFrom('thahs.event', 'x-a', 'x-b'), fc.oneof(bytes, fc.array(bytes, { minLength: 1, maxLength: 3 }))),
});
const requests: fc.Arbitrary<PreparedBatch[]> = fc.array(
  fc.array(fc.record({ topic: fc.constantFrom('t.a', 't.b'), messages: fc.array(message, { maxLength: 5 }) }), { maxLength: 3 }),
  { maxLength: 4 },
);

/** A Kafka record body (key, value, headers with zigzag varint lengths) read back, as the broker would. */
function readBody(b: Buffer): Message {
  let at = 0;
  const varint = (): number => {
    let z = 0;
    let shift = 0;
    for (;;) {
      const byte = b[at++];
      z |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    return (z >>> 1) ^ -(z & 1);
  };
  const bytesOrNull = (): Buffer | null => {
    const n = varint();
    if (n < 0) return null;
    at += n;
    return b.subarray(at - n, at);
  };
  const key = bytesOrNull();
  const value = bytesOrNull();
  const headers: Record<string, Buffer[]> = {};
  for (let n = varint(); n > 0; n--) {
    const name = bytesOrNull()!.toString('utf8');
    (headers[name] ??= []).push(bytesOrNull()!);
  }
  expect(at).toBe(b.length);
  return { key, value, headers };
}

function read(batches: ReturnType<typeof unpackRequests>): PreparedBatch[] {
  return batches.map((b) =>
    b.map(({ topic, messages }) => ({
      topic,
      messages: messages.map((m) => {
        const r = readBody(m[RECORD_BODY]);
        // the key the partitioner sees is the body's key
        expect(m.key === null ? null : m.key.toString('hex')).toEqual(r.key === null ? null : (r.key as Buffer).toString('hex'));
        expect(m.value).toBeNull();
        return r;
      }),
    })),
  );
}

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
        expect(plain(read(unpackRequests(acrossPort(packRequests(batches)))))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a tombstone apart from an empty value, and reads text keys as UTF-8', () => {
    const [[{ messages }]] = read(
      unpackRequests(
        packRequests([
          [
            {
              topic: 't',
              messages: [
                { key: 'khóa', value: null },
                { key: Buffer.alloc(0), value: Buffer.alloc(0) },
              ],
            },
          ],
        ]),
      ),
    );
    expect(messages[0].key).toEqual(Buffer.from('khóa', 'utf8'));
    expect(messages[0].value).toBeNull();
    expect(messages[1].value).toEqual(Buffer.alloc(0));
  });
});
