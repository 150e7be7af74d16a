import * as path from 'path';
import { gunzipSync } from 'zlib';

/**
 * Record batches of fetch responses read straight from the response bytes. kafkajs reads each record
 * through two Decoder objects and a Buffer slice of its own, computes its offset and timestamp with
 * Long objects parsed from the batch's decimal strings, reads each varlong with Long arithmetic, and
 * folds the headers into a new object per header: for the apply consumer, ~1,000 events per fetch, that
 * was the largest share of its Kafka client's CPU. This decoder gives the same records — every field,
 * type and value kafkajs gives, key, value and header values still views of the response buffer — with
 * plain numbers where they are exact; gzip batches it decompresses itself. Whatever it does not read
 * plainly — other codecs, offsets or timestamps beyond 2^52, a record that does not fit its length — it
 * hands, from the batch's start, to kafkajs's own decoder, so those come out as kafkajs gives them.
 *
 * Headers are where it deliberately differs from kafkajs, whose folding is an attack surface before any
 * signature is checked: kafkajs spreads a new object per header (quadratic in their number: a 1 MiB
 * record of 300,000 one-byte headers kept a core busy for minutes) and reads `obj[name]` through the
 * prototype (a header named `constructor` or `toString` folds into an array holding a function). Here a
 * record's headers are an object without a prototype, a repeated name gathers its values in one array
 * (linear), and at most MAX_RECORD_HEADERS are kept: the record then says how many it dropped
 * (`headersDropped`), and the consumer refuses it before verifying anything.
 *
 * It replaces kafkajs's RecordBatch v0 decoder module (what Fetch v4+ responses use), which
 * decodeMessages.js binds when the first fetch response is decoded; `useDirectRecordBatchDecoding`
 * must run before that (createKafka runs it). kafkajs 2.2.4 is pinned (package-lock) and no longer
 * released; fetchedRecordBatch.test.ts holds the output equal to kafkajs's own decoder's.
 */
const KAFKAJS = path.dirname(require.resolve('kafkajs/package.json'));
export const RECORD_BATCH_DECODER_MODULE = path.join(KAFKAJS, 'src/protocol/recordBatch/v0/decoder.js');
const DECODE_MESSAGES_MODULE = path.join(KAFKAJS, 'src/protocol/requests/fetch/v4/decodeMessages.js');
/* eslint-disable @typescript-eslint/no-require-imports */
const { KafkaJSPartialMessageError } = require(path.join(KAFKAJS, 'src/errors.js')) as { KafkaJSPartialMessageError: new (m: string) => Error };
const { LOG_APPEND_TIME, CREATE_TIME } = require(path.join(KAFKAJS, 'src/protocol/timestampTypes.js')) as { LOG_APPEND_TIME: number; CREATE_TIME: number };
/* eslint-enable @typescript-eslint/no-require-imports */

/** The part of kafkajs's Decoder a record batch is read from. */
export interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
}

/** Headers kept per record; an exchanged event carries one (thahs.event), a dead letter copied back a dozen. */
export const MAX_RECORD_HEADERS = 32;

export interface FetchedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: BatchContext;
  /** Headers beyond MAX_RECORD_HEADERS that were read past and not kept (absent when none). */
  headersDropped?: number;
}

interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  magicByte?: number;
}

export type RecordBatchDecoder = (fetchDecoder: KafkaDecoder) => Promise<BatchContext & { records: FetchedRecord[] }>;

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
const COMPRESSION_CODEC_MASK = 0x07;
const GZIP = 1;
/** Offsets and timestamps are added as numbers only while the sum stays exact (deltas stay below 2^48). */
const EXACT = 2 ** 52;

let installed = false;

/** Installs the decoder; false when kafkajs had already bound its own (a fetch was decoded before), which then stays. */
export function useDirectRecordBatchDecoding(): boolean {
  if (installed) return true;
  if (require.cache[DECODE_MESSAGES_MODULE]) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const original = require(RECORD_BATCH_DECODER_MODULE) as RecordBatchDecoder;
  require.cache[RECORD_BATCH_DECODER_MODULE]!.exports = ((d: KafkaDecoder) => decodeRecordBatch(d, original)) satisfies RecordBatchDecoder;
  installed = true;
  return true;
}

/**
 * The headers object of a fetched record: its prototype is an empty object whose own prototype is null,
 * so no name is inherited (`__proto__`, `constructor`, `toString` are plain own names, as with
 * Object.create(null)), while V8 keeps it a fast-mode object. Object.create(null) makes a dictionary-mode
 * object: creating one cost ~130 ns and each Object.keys of it (the consumer's header count) ~1.4 µs,
 * every record, against ~5 ns and ~0.1 µs for this one (measured alone, Node 20).
 */
class RecordHeaders {}
Object.setPrototypeOf(RecordHeaders.prototype, null);
// The prototype holds nothing, not even `constructor`: every name a record carries is its own.
delete (RecordHeaders.prototype as { constructor?: unknown }).constructor;

/** A varint as kafkajs reads it (zigzag, 32-bit arithmetic); sets out.p to the position after it. */
function varInt(buf: Buffer, p: number, out: { p: number }): number {
  let b: number;
  let result = 0;
  let i = 0;
  do {
    b = buf[p++];
    result += (b & 0x7f) << i;
    i += 7;
  } while (b >= 0x80);
  out.p = p;
  return (result >>> 1) ^ -(result & 1);
}

/**
 * Varint-length-prefixed bytes at p as a view (null for length -1), with at.p set past them; false when
 * they do not fit before `end`.
 */
function lengthPrefixed(buf: Buffer, p: number, end: number, at: { p: number }): Buffer | null | false {
  const len = varInt(buf, p, at);
  if (len === -1) return null;
  const start = at.p;
  if (len < 0 || start + len > end) return false;
  at.p = start + len;
  return buf.subarray(start, start + len);
}

/** A zigzag varlong as a number, or undefined when it takes more than 7 bytes (49 bits; kafkajs's decoder then reads the batch). */
function varLong(buf: Buffer, p: number, out: { p: number }): number | undefined {
  let b: number;
  let result = 0;
  let scale = 1;
  let n = 0;
  do {
    b = buf[p++];
    result += (b & 0x7f) * scale;
    scale *= 128;
    if (++n > 7) return undefined;
  } while (b >= 0x80);
  out.p = p;
  // zigzag on a non-negative number below 2^49
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

function int64String(buf: Buffer, p: number): string {
  return buf.readBigInt64BE(p).toString();
}

/**
 * Decodes one record batch at the fetch decoder's position, as kafkajs's RecordBatch v0 decoder does,
 * and moves the decoder past it. `original` is kafkajs's decoder, used for what this one leaves to it.
 */
export async function decodeRecordBatch(d: KafkaDecoder, original: RecordBatchDecoder): Promise<BatchContext & { records: FetchedRecord[] }> {
  const start = d.offset;
  const buf = d.buffer;
  const firstOffset = int64String(buf, start);
  const length = buf.readInt32BE(start + 8);
  const body = start + 12;
  d.offset = body + length;
  const end = Math.min(body + length, buf.length);
  if (end - body < length) throw new KafkaJSPartialMessageError(`Tried to decode a partial record batch: remainingBytes(${end - body}) < recordBatchLength(${length})`);

  const attributes = buf.readInt16BE(body + 9);
  const codec = attributes & COMPRESSION_CODEC_MASK;
  const direct = length >= 49 && (codec === 0 || codec === GZIP) ? readBatch(buf, body, end, firstOffset, attributes, codec === GZIP) : undefined;
  if (direct) return direct;
  d.offset = start;
  return original(d);
}

/** The batch, or undefined when kafkajs's decoder must read it. */
function readBatch(buf: Buffer, body: number, batchEnd: number, firstOffset: string, attributes: number, gzip: boolean): (BatchContext & { records: FetchedRecord[] }) | undefined {
  const firstOffsetN = Number(firstOffset);
  const firstTimestamp = int64String(buf, body + 15);
  const firstTimestampN = Number(firstTimestamp);
  if (!(Math.abs(firstOffsetN) < EXACT) || !(Math.abs(firstTimestampN) < EXACT)) return undefined;
  const isControlBatch = (attributes & CONTROL_FLAG_MASK) > 0;
  const timestampType = (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME;
  const maxTimestamp = int64String(buf, body + 23);
  const context: BatchContext = {
    firstOffset,
    firstTimestamp,
    partitionLeaderEpoch: buf.readInt32BE(body),
    inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
    isControlBatch,
    lastOffsetDelta: buf.readInt32BE(body + 11),
    producerId: int64String(buf, body + 31),
    producerEpoch: buf.readInt16BE(body + 39),
    firstSequence: buf.readInt32BE(body + 41),
    maxTimestamp,
    timestampType,
  };
  const magicByte = buf.readInt8(body + 4);
  const batchContext: BatchContext = { ...context, magicByte };
  const appendTime = timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : undefined;

  const count = buf.readInt32BE(body + 45);
  if (count < -1) return undefined;
  let records: FetchedRecord[] | undefined;
  if (gzip) {
    let plain: Buffer;
    try {
      plain = gunzipSync(buf.subarray(body + 49, batchEnd));
    } catch {
      return undefined;
    }
    records = readRecords(plain, 0, plain.length, count, magicByte, isControlBatch, appendTime, firstOffsetN, firstTimestampN, batchContext);
  } else records = readRecords(buf, body + 49, batchEnd, count, magicByte, isControlBatch, appendTime, firstOffsetN, firstTimestampN, batchContext);
  return records && { ...context, records };
}

/** The records of a batch from `p` to `end` (the batch's own bytes, or its decompressed records), or undefined for kafkajs to read. */
function readRecords(
  buf: Buffer,
  start: number,
  end: number,
  count: number,
  magicByte: number,
  isControlBatch: boolean,
  appendTime: string | undefined,
  firstOffsetN: number,
  firstTimestampN: number,
  batchContext: BatchContext,
): FetchedRecord[] | undefined {
  let p = start;
  const records: FetchedRecord[] = new Array<FetchedRecord>(count === -1 ? 0 : count);
  const at = { p: 0 };
  for (let i = 0; i < count; i++) {
    if (p >= end) return undefined;
    const len = varInt(buf, p, at);
    const recordStart = at.p;
    const recordEnd = recordStart + len;
    // kafkajs reads each record from a slice of exactly its length; anything that does not fit is its to read.
    if (len < 1 || recordEnd > end) return undefined;
    p = recordStart;
    const recordAttributes = buf.readInt8(p++);
    const timestampDelta = varLong(buf, p, at);
    if (timestampDelta === undefined) return undefined;
    p = at.p;
    const offsetDelta = varInt(buf, p, at);
    p = at.p;
    const key = lengthPrefixed(buf, p, recordEnd, at);
    if (key === false) return undefined;
    const value = lengthPrefixed(buf, at.p, recordEnd, at);
    if (value === false) return undefined;
    const headerCount = varInt(buf, at.p, at);
    p = at.p;
    if (headerCount < -1) return undefined;
    // No Object.prototype: a header named __proto__, constructor or toString is just a name.
    const headers = new RecordHeaders() as Record<string, Buffer | null | (Buffer | null)[]>;
    let kept = 0;
    for (let h = 0; h < headerCount; h++) {
      const nameBytes = lengthPrefixed(buf, p, recordEnd, at);
      if (nameBytes === false) return undefined;
      const hv = lengthPrefixed(buf, at.p, recordEnd, at);
      if (hv === false) return undefined;
      p = at.p;
      if (kept >= MAX_RECORD_HEADERS) continue;
      kept++;
      const name = nameBytes === null ? 'null' : nameBytes.toString('utf8');
      // as kafkajs folds them, in linear time: a repeated name gathers its values in an array
      const prior = headers[name];
      if (prior === undefined) headers[name] = hv;
      else if (Array.isArray(prior)) prior.push(hv);
      else headers[name] = [prior, hv];
    }
    if (p > recordEnd) return undefined;
    records[i] = {
      magicByte,
      attributes: recordAttributes,
      timestamp: appendTime ?? String(firstTimestampN + timestampDelta),
      offset: String(firstOffsetN + offsetDelta),
      key,
      value,
      headers,
      isControlRecord: isControlBatch,
      batchContext,
      ...(headerCount > kept ? { headersDropped: headerCount - kept } : {}),
    };
    p = recordEnd;
  }
  return records;
}
