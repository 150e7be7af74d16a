import * as path from 'path';
import * as fc from 'fast-check';
import { decodeRecordBatch, KafkaDecoder, MAX_RECORD_HEADERS, RECORD_BATCH_DECODER_MODULE, RecordBatchDecoder } from './fetchedRecordBatch';

const KAFKAJS = path.dirname(require.resolve('kafkajs/package.json'));
/* eslint-disable @typescript-eslint/no-require-imports */
const Decoder = require(path.join(KAFKAJS, 'src/protocol/decoder.js')) as new (b: Buffer) => KafkaDecoder;
const { RecordBatch } = require(path.join(KAFKAJS, 'src/protocol/recordBatch/v0/index.js')) as { RecordBatch(a: object): Promise<{ buffer: Buffer }> };
const Record = require(path.join(KAFKAJS, 'src/protocol/recordBatch/record/v0/index.js')) as (a: object) => unknown;
const Long = require(path.join(KAFKAJS, 'src/utils/long.js')) as { fromValue(v: unknown): unknown };
const { Types: Compression } = require(path.join(KAFKAJS, 'src/protocol/message/compression/index.js')) as { Types: { None: number; GZIP: number } };
/* eslint-enable @typescript-eslint/no-require-imports */
// kafkajs's own decoder, as loaded before anything replaces it
const kafkajsDecoder = jest.requireActual<RecordBatchDecoder>(RECORD_BATCH_DECODER_MODULE);

type Headers = Record<string, Buffer | Buffer[]>;
interface RecordSpec {
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  timestampDelta: number;
}
interface BatchSpec {
  firstOffset: bigint;
  firstTimestamp: number;
  gzip: boolean;
  transactional: boolean;
  records: RecordSpec[];
}

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
// Names of Object.prototype members are where this decoder differs from kafkajs on purpose (below).
const headerName = fc.constantFrom('thahs.event', 'a', 'b', 'ünï', '');
const headers: fc.Arbitrary<Headers> = fc.dictionary(headerName, fc.oneof(bytes, fc.array(bytes, { minLength: 1, maxLength: 3 })), { maxKeys: 4 });
const record: fc.Arbitrary<RecordSpec> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers,
  timestampDelta: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -1000, max: 2 ** 40 })),
});
const batch: fc.Arbitrary<BatchSpec> = fc.record({
  firstOffset: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 7n }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 62n })),
  firstTimestamp: fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), fc.constant(-1)),
  gzip: fc.boolean(),
  transactional: fc.boolean(),
  records: fc.array(record, { minLength: 1, maxLength: 12 }),
});

async function encode(b: BatchSpec): Promise<Buffer> {
  const records = b.records.map((r, i) => Record({ offsetDelta: i, timestampDelta: r.timestampDelta, key: r.key, value: r.value, headers: r.headers }));
  const enc = await RecordBatch({
    compression: b.gzip ? Compression.GZIP : Compression.None,
    firstOffset: Long.fromValue(b.firstOffset.toString()),
    firstTimestamp: b.firstTimestamp,
    maxTimestamp: b.firstTimestamp,
    lastOffsetDelta: b.records.length - 1,
    transactional: b.transactional,
    records,
  });
  return enc.buffer;
}

/** Decodes every batch in the buffer as decodeMessages does: until fewer than 49 bytes remain or a batch is partial. */
async function decodeAll(buf: Buffer, decode: RecordBatchDecoder): Promise<{ batches: unknown[]; end: number; error?: string }> {
  const d = new Decoder(buf);
  const batches: unknown[] = [];
  while (buf.length - d.offset >= 49) {
    try {
      batches.push(await decode(d));
    } catch (e) {
      return { batches, end: d.offset, error: `${(e as Error).name}: ${(e as Error).message}` };
    }
  }
  return { batches, end: d.offset };
}

const direct: RecordBatchDecoder = (d) => decodeRecordBatch(d, kafkajsDecoder);

/** A zigzag varint, as records encode their lengths and counts. */
function varint(n: number): Buffer {
  let z = (n << 1) ^ (n >> 31);
  const out: number[] = [];
  do {
    let b = z & 0x7f;
    z >>>= 7;
    if (z !== 0) b |= 0x80;
    out.push(b);
  } while (z !== 0);
  return Buffer.from(out);
}

/** A record batch (magic 2, no compression) around one record's bytes, as a broker would return it. */
function rawBatch(record: Buffer): Buffer {
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(0n, 0); // first offset
  header.writeInt32BE(49 + record.length, 8); // length, from the partition leader epoch on
  header.writeInt8(2, 16); // magic
  header.writeBigInt64BE(1_800_000_000_000n, 27); // first timestamp
  header.writeBigInt64BE(1_800_000_000_000n, 35); // max timestamp
  header.writeBigInt64BE(-1n, 43); // producer id
  header.writeInt16BE(-1, 51);
  header.writeInt32BE(-1, 53);
  header.writeInt32BE(1, 57); // record count
  return Buffer.concat([header, record]);
}

describe('fetched record batches read directly', () => {
  it('give what kafkajs gives: every batch, record, field and header, and stop where it stops', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 120 }), async (specs, cut) => {
        const full = Buffer.concat(await Promise.all(specs.map(encode)));
        // a fetch response may end inside its last batch
        for (const buf of [full, full.subarray(0, Math.max(0, full.length - cut))]) {
          const expected = await decodeAll(Buffer.from(buf), kafkajsDecoder);
          const actual = await decodeAll(Buffer.from(buf), direct);
          expect(actual).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('reads the records of a plain batch itself (the fallback is not what passes the test above)', async () => {
    const buf = await encode({
      firstOffset: 41n,
      firstTimestamp: 1_800_000_000_000,
      gzip: false,
      transactional: false,
      records: [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: { 'thahs.event': Buffer.from('e') }, timestampDelta: 7 }],
    });
    const refuse: RecordBatchDecoder = () => Promise.reject(new Error('handed to kafkajs'));
    const r = await decodeRecordBatch(new Decoder(buf), refuse);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ offset: '41', timestamp: '1800000000007', key: Buffer.from('k'), value: Buffer.from('v'), headers: { 'thahs.event': Buffer.from('e') } });
    // a gzip batch it decompresses itself; another codec it hands to kafkajs
    const gz = await encode({
      firstOffset: 41n,
      firstTimestamp: 1_800_000_000_000,
      gzip: true,
      transactional: false,
      records: [{ key: Buffer.from('k'), value: null, headers: {}, timestampDelta: 0 }],
    });
    expect((await decodeRecordBatch(new Decoder(gz), refuse)).records[0].key).toEqual(Buffer.from('k'));
    const snappy = Buffer.from(gz);
    snappy.writeInt16BE((snappy.readInt16BE(12 + 9) & ~0x07) | 2, 12 + 9);
    await expect(decodeRecordBatch(new Decoder(snappy), refuse)).rejects.toThrow('handed to kafkajs');
  });

  it('folds headers linearly, without a prototype, and keeps at most MAX_RECORD_HEADERS (kafkajs does neither)', async () => {
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];
    const buf = await encode({
      firstOffset: 0n,
      firstTimestamp: 1_800_000_000_000,
      gzip: false,
      transactional: false,
      records: [{ key: null, value: null, headers: Object.fromEntries(names.map((n) => [n, Buffer.from(n)])), timestampDelta: 0 }],
    });
    const [rec] = (await decodeRecordBatch(new Decoder(buf), kafkajsDecoder)).records;
    for (const n of names) expect(Object.getOwnPropertyDescriptor(rec.headers, n)?.value).toEqual(Buffer.from(n));
    // nothing inherited: the prototype is empty and has no prototype itself
    const proto = Object.getPrototypeOf(rec.headers) as object | null;
    if (proto !== null) {
      expect(Reflect.ownKeys(proto)).toEqual([]);
      expect(Object.getPrototypeOf(proto)).toBeNull();
    }
    expect(Object.keys(rec.headers).sort()).toEqual([...names].sort());
    expect('valueOf' in rec.headers).toBe(false);
    expect(rec.headersDropped).toBeUndefined();

    // one record, 1 MiB, 300,000 headers of one name: read in linear time, all but the first 32 dropped
    const many = 300_000;
    const headerBytes = Buffer.from([2, 0x61, 2, 0x78]); // name "a", value "x", each varint-length-prefixed
    const body = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), varint(many), Buffer.concat(Array.from({ length: many }, () => headerBytes))]);
    const recordBytes = Buffer.concat([varint(body.length), body]);
    const big = rawBatch(recordBytes);
    // read here, never handed to kafkajs's quadratic folding
    const [r] = (await decodeRecordBatch(new Decoder(big), () => Promise.reject(new Error('handed to kafkajs')))).records;
    expect(r.headersDropped).toBe(many - MAX_RECORD_HEADERS);
    expect((r.headers.a as Buffer[]).length).toBe(MAX_RECORD_HEADERS);
  });

  it('key, value and header values are views of the response, not copies', async () => {
    const buf = await encode({
      firstOffset: 0n,
      firstTimestamp: 1_800_000_000_000,
      gzip: false,
      transactional: false,
      records: [{ key: Buffer.from('k'), value: Buffer.from('value'), headers: { h: Buffer.from('x') }, timestampDelta: 0 }],
    });
    const r = await decodeRecordBatch(new Decoder(buf), kafkajsDecoder);
    const rec = r.records[0];
    expect(rec.value!.buffer).toBe(buf.buffer);
    expect((rec.headers.h as Buffer).buffer).toBe(buf.buffer);
  });
});
