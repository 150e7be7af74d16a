import type { IHeaders } from 'kafkajs';
import { RECORD_BODY, recordBodySize, varIntSize, writeRecordBody, type PrebuiltMessage, type RecordHeader } from '../../libs/kafka/recordBody';
import type { PreparedBatch } from './changePublisher';

/**
 * Prepared Kafka requests laid out for the hop to the sender thread: every message written as the Kafka
 * record body it will travel as (key, value, headers: libs/kafka/recordBody) into one buffer described
 * by integers, so a whole batch moves by transferring two ArrayBuffers instead of structured-cloning
 * thousands of small Buffers, and the sender thread frames the bodies without encoding them again.
 */
export interface PackedRequests {
  bytes: Uint8Array;
  /** Per message: body offset, body length, key offset, key length (-1: no key). */
  messages: Int32Array;
  /** Per request, in order: its topics with how many of the messages (taken in order) each holds. */
  requests: { topic: string; count: number }[][];
}

const MSG = 4;

function asBytes(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function headerEntries(h: IHeaders | undefined): RecordHeader[] {
  const out: RecordHeader[] = [];
  for (const name in h) {
    const v = h[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) out.push([name, asBytes(one)]);
    else out.push([name, asBytes(v)]);
  }
  return out;
}

export function packRequests(requests: readonly PreparedBatch[]): PackedRequests {
  let size = 0;
  const entries: { key: Buffer | null; value: Buffer | null; headers: RecordHeader[] }[] = [];
  for (const request of requests) {
    for (const { messages } of request) {
      for (const m of messages) {
        const key = m.key == null ? null : asBytes(m.key);
        const value = m.value == null ? null : asBytes(m.value);
        const headers = headerEntries(m.headers);
        entries.push({ key, value, headers });
        size += recordBodySize(key, value, headers);
      }
    }
  }
  // Not from the shared pool: the buffer is transferred, so it must own its ArrayBuffer.
  const bytes = Buffer.allocUnsafeSlow(size);
  const msgs = new Int32Array(entries.length * MSG);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const { key, value, headers } = entries[i];
    const o = i * MSG;
    msgs[o] = at;
    msgs[o + 2] = key ? at + varIntSize(key.length) : 0;
    msgs[o + 3] = key ? key.length : -1;
    at = writeRecordBody(bytes, at, key, value, headers);
    msgs[o + 1] = at - msgs[o];
  }
  return { bytes, messages: msgs, requests: requests.map((r) => r.map(({ topic, messages }) => ({ topic, count: messages.length }))) };
}

/** What postMessage should transfer rather than copy. */
export function packTransferList(p: PackedRequests): ArrayBuffer[] {
  return [p.bytes.buffer as ArrayBuffer, p.messages.buffer as ArrayBuffer];
}

/** The requests again, as kafkajs messages carrying their prebuilt bodies: views into the packed bytes (no copy). */
export function unpackRequests(p: PackedRequests): { topic: string; messages: PrebuiltMessage[] }[][] {
  const view = (off: number, len: number): Buffer => Buffer.from(p.bytes.buffer, p.bytes.byteOffset + off, len);
  let i = 0;
  return p.requests.map((request) =>
    request.map(({ topic, count }) => {
      const messages: PrebuiltMessage[] = [];
      for (const end = i + count; i < end; i++) {
        const o = i * MSG;
        messages.push({ key: p.messages[o + 3] < 0 ? null : view(p.messages[o + 2], p.messages[o + 3]), value: null, [RECORD_BODY]: view(p.messages[o], p.messages[o + 1]) });
      }
      return { topic, messages };
    }),
  );
}
