import * as path from 'path';
import * as fc from 'fast-check';
import { decodeRecordBatch, KafkaDecoder, RECORD_BATCH_DECODER_MODULE, RecordBatchDecoder } from './fetchedRecordBatch';

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
const headerName = fc.constantFrom('thahs.event', 'a', 'b', 'ünï', '', 'constructor');
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
  });

  it('reads the records of a plain batch itself (the fallback is not what passes the test above)', async () => {
    const buf = await encode({ firstOffset: 41n, firstTimestamp: 1_800_000_000_000, gzip: false, transactional: false, records: [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: { 'thahs.event': Buffer.from('e') }, timestampDelta: 7 }] });
    const refuse: RecordBatchDecoder = () => Promise.reject(new Error('handed to kafkajs'));
    const r = await decodeRecordBatch(new Decoder(buf), refuse);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ offset: '41', timestamp: '1800000000007', key: Buffer.from('k'), value: Buffer.from('v'), headers: { 'thahs.event': Buffer.from('e') } });
    // and hands a compressed one to kafkajs
    const gz = await encode({ firstOffset: 41n, firstTimestamp: 1_800_000_000_000, gzip: true, transactional: false, records: [{ key: null, value: null, headers: {}, timestampDelta: 0 }] });
    await expect(decodeRecordBatch(new Decoder(gz), refuse)).rejects.toThrow('handed to kafkajs');
  });

  it('key, value and header values are views of the response, not copies', async () => {
    const buf = await encode({ firstOffset: 0n, firstTimestamp: 1_800_000_000_000, gzip: false, transactional: false, records: [{ key: Buffer.from('k'), value: Buffer.from('value'), headers: { h: Buffer.from('x') }, timestampDelta: 0 }] });
    const r = await decodeRecordBatch(new Decoder(buf), kafkajsDecoder);
    const rec = r.records[0];
    expect(rec.value!.buffer).toBe(buf.buffer);
    expect((rec.headers.h as Buffer).buffer).toBe(buf.buffer);
  });
});
