/**
 * A Kafka record's key, value and headers in the record format (v2): everything after its offset
 * delta. Written once, in the producer's main thread, straight into the buffer that travels to the
 * sender thread; `prebuiltProduceRequest` then frames it without kafkajs re-encoding every field.
 */
export const RECORD_BODY: unique symbol = Symbol('thahs.kafka.recordBody');

/** A kafkajs message that carries its prebuilt body; key stays for the partitioner, value is unused. */
export interface PrebuiltMessage {
  key: Buffer | null;
  value: null;
  [RECORD_BODY]: Buffer;
}

export type RecordHeader = readonly [name: string, value: Buffer];

/** Bytes of Kafka's zigzag varint for a 32-bit value. */
export function varIntSize(v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (z > 0x7f) {
    z >>>= 7;
    n++;
  }
  return n;
}

export function writeVarInt(buf: Uint8Array, at: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z > 0x7f) {
    buf[at++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[at++] = z;
  return at;
}

const bytesSize = (b: Buffer | null): number => (b === null ? 1 : varIntSize(b.length) + b.length);

export function recordBodySize(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]): number {
  let n = bytesSize(key) + bytesSize(value) + varIntSize(headers.length);
  for (const [name, v] of headers) {
    const len = Buffer.byteLength(name, 'utf8');
    n += varIntSize(len) + len + bytesSize(v);
  }
  return n;
}

function writeBytes(buf: Buffer, at: number, b: Buffer | null): number {
  if (b === null) return writeVarInt(buf, at, -1);
  at = writeVarInt(buf, at, b.length);
  return at + b.copy(buf, at);
}

/** Writes the body at `at`; returns where it ends. */
export function writeRecordBody(buf: Buffer, at: number, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]): number {
  at = writeBytes(buf, at, key);
  at = writeBytes(buf, at, value);
  at = writeVarInt(buf, at, headers.length);
  for (const [name, v] of headers) {
    const len = Buffer.byteLength(name, 'utf8');
    at = writeVarInt(buf, at, len);
    at += buf.write(name, at, len, 'utf8');
    at = writeBytes(buf, at, v);
  }
  return at;
}
