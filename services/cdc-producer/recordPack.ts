import type { IHeaders, Message } from 'kafkajs';
import type { PreparedBatch } from './changePublisher';

/**
 * Prepared Kafka requests laid out for the hop to the sender thread: every key, value and header copied
 * into one buffer and described by integers, so a whole batch moves by transferring two ArrayBuffers
 * instead of structured-cloning thousands of small Buffers.
 */
export interface PackedRequests {
  bytes: Uint8Array;
  /** Per message: key offset, key length (-1: no key), value offset, value length (-1: tombstone), first header, header count. */
  messages: Int32Array;
  /** Per header: index into `names`, offset, length. */
  headers: Int32Array;
  names: string[];
  /** Per request, in order: its topics with how many of the messages (taken in order) each holds. */
  requests: { topic: string; count: number }[][];
}

const MSG = 6;
const HDR = 3;

function asBytes(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function headerEntries(h: IHeaders | undefined): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [name, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push([name, asBytes(one)]);
  }
  return out;
}

export function packRequests(requests: readonly PreparedBatch[]): PackedRequests {
  let messageCount = 0;
  let headerCount = 0;
  let size = 0;
  const entries: { m: Message; key: Buffer | null; value: Buffer | null; headers: [string, Buffer][] }[] = [];
  for (const request of requests) {
    for (const { messages } of request) {
      for (const m of messages) {
        const key = m.key == null ? null : asBytes(m.key);
        const value = m.value == null ? null : asBytes(m.value);
        const headers = headerEntries(m.headers);
        entries.push({ m, key, value, headers });
        messageCount++;
        headerCount += headers.length;
        size += (key?.length ?? 0) + (value?.length ?? 0);
        for (const [, b] of headers) size += b.length;
      }
    }
  }
  // Not from the shared pool: the buffer is transferred, so it must own its ArrayBuffer.
  const bytes = Buffer.allocUnsafeSlow(size);
  const msgs = new Int32Array(messageCount * MSG);
  const hdrs = new Int32Array(headerCount * HDR);
  const nameIndex = new Map<string, number>();
  let at = 0;
  let h = 0;
  const put = (b: Buffer): number => {
    const start = at;
    at += b.copy(bytes, at);
    return start;
  };
  entries.forEach(({ key, value, headers }, i) => {
    const o = i * MSG;
    msgs[o] = key ? put(key) : 0;
    msgs[o + 1] = key ? key.length : -1;
    msgs[o + 2] = value ? put(value) : 0;
    msgs[o + 3] = value ? value.length : -1;
    msgs[o + 4] = h;
    msgs[o + 5] = headers.length;
    for (const [name, b] of headers) {
      let n = nameIndex.get(name);
      if (n === undefined) nameIndex.set(name, (n = nameIndex.size));
      hdrs[h * HDR] = n;
      hdrs[h * HDR + 1] = put(b);
      hdrs[h * HDR + 2] = b.length;
      h++;
    }
  });
  return {
    bytes,
    messages: msgs,
    headers: hdrs,
    names: [...nameIndex.keys()],
    requests: requests.map((r) => r.map(({ topic, messages }) => ({ topic, count: messages.length }))),
  };
}

/** What postMessage should transfer rather than copy. */
export function packTransferList(p: PackedRequests): ArrayBuffer[] {
  return [p.bytes.buffer as ArrayBuffer, p.messages.buffer as ArrayBuffer, p.headers.buffer as ArrayBuffer];
}

/** The requests again, as kafkajs messages whose Buffers are views into the packed bytes (no copy). */
export function unpackRequests(p: PackedRequests): PreparedBatch[] {
  const view = (off: number, len: number): Buffer => Buffer.from(p.bytes.buffer, p.bytes.byteOffset + off, len);
  let i = 0;
  return p.requests.map((request) =>
    request.map(({ topic, count }) => {
      const messages: Message[] = [];
      for (const end = i + count; i < end; i++) {
        const o = i * MSG;
        const headers: IHeaders = {};
        for (let k = p.messages[o + 4], last = k + p.messages[o + 5]; k < last; k++) {
          const name = p.names[p.headers[k * HDR]];
          const v = view(p.headers[k * HDR + 1], p.headers[k * HDR + 2]);
          const prev = headers[name];
          headers[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev as Buffer, v];
        }
        messages.push({
          key: p.messages[o + 1] < 0 ? null : view(p.messages[o], p.messages[o + 1]),
          value: p.messages[o + 3] < 0 ? null : view(p.messages[o + 2], p.messages[o + 3]),
          headers,
        });
      }
      return { topic, messages };
    }),
  );
}
