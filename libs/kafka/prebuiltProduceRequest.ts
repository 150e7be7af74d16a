import * as path from 'path';
import { crc32c } from './crc32c';
import { RECORD_BODY, varIntSize, writeVarInt } from './recordBody';

/**
 * Produce requests framed around record bodies the producer already wrote (recordBody.ts), in one
 * buffer of the exact size. kafkajs encodes a request by building every record, header and batch in
 * an Encoder of its own (each varint through a fresh array and Buffer), copying each into the next
 * and checksumming byte by byte: that was most of the sender thread's CPU. Requests whose messages do
 * not all carry a prebuilt body (or ask for compression, or set timestamps) are left to kafkajs.
 *
 * This replaces kafkajs's Produce v3 request module, which v4–v7 build on, in the thread that calls
 * `usePrebuiltProduceRequests` before kafkajs is loaded. kafkajs 2.2.4 is pinned (package-lock) and no
 * longer released; prebuiltProduceRequest.test.ts holds the output byte-identical to kafkajs's own
 * encoding of the same messages.
 */
const KAFKAJS = path.dirname(require.resolve('kafkajs/package.json'));
export const PRODUCE_V3_MODULE = path.join(KAFKAJS, 'src/protocol/requests/produce/v3/request.js');
const ENCODER_MODULE = path.join(KAFKAJS, 'src/protocol/encoder.js');
export const REQUEST_MODULE = path.join(KAFKAJS, 'src/protocol/request.js');

/**
 * Room left before a prebuilt request body for kafkajs's request framing (size, API key and version,
 * correlation id, client id of up to 256 bytes), so the frame is written in place instead of kafkajs
 * copying the whole request twice into buffers it grows by doubling.
 */
const MAX_FRAMED_CLIENT_ID = 256;
const FRAME_ROOM = 4 + 2 + 2 + 4 + 2 + MAX_FRAMED_CLIENT_ID;
/** On a prebuilt body's Encoder: the buffer it sits in, FRAME_ROOM bytes after its start. */
const FRAMED_IN = Symbol('thahs.framedIn');
const LONG_MODULE = path.join(KAFKAJS, 'src/utils/long.js');

interface KafkaLong {
  getHighBits(): number;
  getLowBits(): number;
}
interface PartitionData {
  partition: number;
  firstSequence?: number;
  messages: readonly { timestamp?: string | number; [RECORD_BODY]?: Buffer }[];
}
interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: KafkaLong | number | string;
  producerEpoch?: number;
  compression?: number;
  topicData: readonly { topic: string; partitions: readonly PartitionData[] }[];
}
interface ProduceRequest {
  encode(): Promise<unknown>;
}
type ProduceRequestFactory = (args: ProduceArgs) => ProduceRequest;

let installed = false;

/** Must run before `kafkajs` is first required in this thread; returns false if it was too late. */
export function usePrebuiltProduceRequests(): boolean {
  if (installed) return true;
  if (require.cache[PRODUCE_V3_MODULE]) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const original = require(PRODUCE_V3_MODULE) as ProduceRequestFactory;
  if (require.cache[REQUEST_MODULE]) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const originalFrame = require(REQUEST_MODULE) as RequestFramer;
  const prebuilt: ProduceRequestFactory = (args) => {
    const request = original(args);
    return allPrebuilt(args) ? { ...request, encode: async () => roomyEncoder(encodeProduceRequest(args, FRAME_ROOM)) } : request;
  };
  require.cache[PRODUCE_V3_MODULE]!.exports = prebuilt;
  require.cache[REQUEST_MODULE]!.exports = ((a) => frameRequest(a, originalFrame)) satisfies RequestFramer;
  installed = true;
  return true;
}

interface FramerArgs {
  correlationId: number;
  clientId: string | null;
  request: { apiKey: number; apiVersion: number; encode(): Promise<unknown> };
}
type RequestFramer = (a: FramerArgs) => Promise<unknown>;
interface RoomyEncoder {
  buf: Buffer;
  offset: number;
  [FRAMED_IN]?: Buffer;
}

/**
 * kafkajs's protocol/request.js, for a prebuilt body: the frame is written into the room before it.
 * Any other request, or a client id too long for the room, is framed by kafkajs's own code.
 */
export async function frameRequest(a: FramerArgs, original: RequestFramer): Promise<unknown> {
  const payload = (await a.request.encode()) as RoomyEncoder;
  const whole = payload[FRAMED_IN];
  const idBytes = a.clientId == null ? 0 : Buffer.byteLength(a.clientId, 'utf8');
  if (!whole || idBytes > MAX_FRAMED_CLIENT_ID) return original({ ...a, request: { ...a.request, encode: async () => payload } });
  const start = FRAME_ROOM - (4 + 2 + 2 + 4 + 2 + idBytes);
  const end = FRAME_ROOM + payload.offset;
  let at = whole.writeInt32BE(end - start - 4, start);
  at = whole.writeInt16BE(a.request.apiKey, at);
  at = whole.writeInt16BE(a.request.apiVersion, at);
  at = whole.writeInt32BE(a.correlationId, at);
  if (a.clientId == null) whole.writeInt16BE(-1, at);
  else {
    at = whole.writeInt16BE(idBytes, at);
    whole.write(a.clientId, at, 'utf8');
  }
  return asEncoder(whole.subarray(start, end));
}

/** A prebuilt body as kafkajs's Encoder of it, remembering the room before it. */
function roomyEncoder(whole: Buffer): unknown {
  const e = asEncoder(whole.subarray(FRAME_ROOM)) as RoomyEncoder;
  e[FRAMED_IN] = whole;
  return e;
}

/**
 * True when every message carries a prebuilt body, false when none does. A request mixing them, or a
 * prebuilt one asking for compression or timestamps, is refused: kafkajs would send those messages'
 * null values as tombstones.
 */
function allPrebuilt(args: ProduceArgs): boolean {
  let prebuilt = 0;
  let plain = 0;
  for (const t of args.topicData)
    for (const p of t.partitions)
      for (const m of p.messages)
        if (m[RECORD_BODY] && m.timestamp == null) prebuilt++;
        else plain++;
  if (prebuilt > 0 && (plain > 0 || args.compression)) throw new Error('a produce request with prebuilt record bodies must carry only those, uncompressed and without timestamps');
  return prebuilt > 0;
}

/** kafkajs's connection appends the request through Encoder#buffer, so the bytes travel in one. */
function asEncoder(buf: Buffer): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Encoder = require(ENCODER_MODULE) as new (size: number) => { buf: Buffer; offset: number };
  const e = new Encoder(0);
  e.buf = buf;
  e.offset = buf.length;
  return e;
}

function toLong(v: KafkaLong | number | string | undefined): KafkaLong {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Long = require(LONG_MODULE) as { fromValue(v: unknown): KafkaLong; fromInt(v: number): KafkaLong };
  return v === undefined ? Long.fromInt(-1) : Long.fromValue(v);
}

/** Record = length, attributes (0), timestamp delta (0: no message sets one), offset delta, body. */
function recordSize(offsetDelta: number, body: Buffer): number {
  const len = 2 + varIntSize(offsetDelta) + body.length;
  return varIntSize(len) + len;
}

const BATCH_HEAD = 8 + 4 + 4 + 1 + 4; // first offset, length, leader epoch, magic, crc
const BATCH_BODY_HEAD = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4; // attributes … first sequence, record count

/**
 * Produce request v3 body (what follows the request header), as kafkajs's encoder lays it out, starting
 * `room` bytes into the buffer returned.
 */
export function encodeProduceRequest(args: ProduceArgs, room = 0): Buffer {
  const txn = args.transactionalId ?? null;
  let size = 2 + (txn === null ? 0 : Buffer.byteLength(txn, 'utf8')) + 2 + 4 + 4;
  // Each partition's records, in bytes, in request order: sized once, used for the batch length too.
  const recordBytes: number[] = [];
  for (const t of args.topicData) {
    size += 2 + Buffer.byteLength(t.topic, 'utf8') + 4;
    for (const p of t.partitions) {
      let records = 0;
      p.messages.forEach((m, i) => (records += recordSize(i, m[RECORD_BODY]!)));
      recordBytes.push(records);
      size += 4 + 4 + BATCH_HEAD + BATCH_BODY_HEAD + records;
    }
  }
  size += room;
  const buf = Buffer.allocUnsafe(size);
  let at = room;
  if (txn === null) at = buf.writeInt16BE(-1, at);
  else {
    at = buf.writeInt16BE(Buffer.byteLength(txn, 'utf8'), at);
    at += buf.write(txn, at, 'utf8');
  }
  at = buf.writeInt16BE(args.acks, at);
  at = buf.writeInt32BE(args.timeout, at);
  at = buf.writeInt32BE(args.topicData.length, at);
  const producerId = toLong(args.producerId);
  let partitionIndex = 0;
  for (const t of args.topicData) {
    at = buf.writeInt16BE(Buffer.byteLength(t.topic, 'utf8'), at);
    at += buf.write(t.topic, at, 'utf8');
    at = buf.writeInt32BE(t.partitions.length, at);
    for (const p of t.partitions) {
      const now = Date.now();
      const batchLength = 4 + 1 + 4 + BATCH_BODY_HEAD + recordBytes[partitionIndex++];
      at = buf.writeInt32BE(p.partition, at);
      at = buf.writeInt32BE(8 + 4 + batchLength, at);
      at = buf.writeInt32BE(0, at); // first offset (int64 0): the broker assigns offsets
      at = buf.writeInt32BE(0, at);
      at = buf.writeInt32BE(batchLength, at);
      at = buf.writeInt32BE(0, at); // partition leader epoch
      at = buf.writeInt8(2, at); // magic
      const crcAt = at;
      at += 4;
      const bodyStart = at;
      at = buf.writeInt16BE(txn ? 16 : 0, at); // attributes: no compression, transactional bit
      at = buf.writeInt32BE(p.messages.length - 1, at); // last offset delta
      at = buf.writeInt32BE(Math.floor(now / 2 ** 32), at); // first and max timestamp: now, as kafkajs
      at = buf.writeUInt32BE(now % 2 ** 32, at);
      at = buf.writeInt32BE(Math.floor(now / 2 ** 32), at);
      at = buf.writeUInt32BE(now % 2 ** 32, at);
      at = buf.writeInt32BE(producerId.getHighBits(), at);
      at = buf.writeInt32BE(producerId.getLowBits(), at);
      at = buf.writeInt16BE(args.producerEpoch ?? 0, at);
      at = buf.writeInt32BE(p.firstSequence ?? 0, at);
      at = buf.writeInt32BE(p.messages.length, at);
      p.messages.forEach((m, i) => {
        const body = m[RECORD_BODY]!;
        at = writeVarInt(buf, at, 2 + varIntSize(i) + body.length);
        buf[at++] = 0; // attributes
        buf[at++] = 0; // timestamp delta (zigzag 0)
        at = writeVarInt(buf, at, i);
        at += body.copy(buf, at);
      });
      buf.writeUInt32BE(crc32c(buf, bodyStart, at), crcAt);
    }
  }
  if (at !== size) throw new Error(`produce request size ${at}, computed ${size}`);
  return buf;
}
