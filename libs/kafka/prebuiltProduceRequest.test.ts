import { execFileSync } from 'child_process';
import fc from 'fast-check';
import * as path from 'path';
import { encodeProduceRequest } from './prebuiltProduceRequest';
import { RECORD_BODY, recordBodySize, writeRecordBody, type RecordHeader } from './recordBody';

// kafkajs's own Produce v3 encoder: the bytes the broker has always been sent.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsProduceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as (args: object) => { encode(): Promise<{ buffer: Buffer }> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): unknown };

interface Plain {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

function body(m: Plain): Buffer {
  const headers: RecordHeader[] = Object.entries(m.headers);
  const b = Buffer.alloc(recordBodySize(m.key, m.value, headers));
  expect(writeRecordBody(b, 0, m.key, m.value, headers)).toBe(b.length);
  return b;
}

const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u));
const message: fc.Arbitrary<Plain> = fc.record({
  key: fc.option(bytes(40), { freq: 8 }),
  value: fc.option(bytes(300), { freq: 4 }),
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }), bytes(200), { maxKeys: 3 }),
});
const request = fc.record({
  acks: fc.constantFrom(-1, 1),
  timeout: fc.nat(60_000),
  transactionalId: fc.option(fc.string({ maxLength: 20 }), { freq: 3 }),
  producerId: fc.bigInt({ min: -1n, max: 2n ** 62n }),
  producerEpoch: fc.nat(32767),
  topicData: fc.array(
    fc.record({
      topic: fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }),
      partitions: fc.array(fc.record({ partition: fc.nat(50), firstSequence: fc.nat(2 ** 31 - 1), messages: fc.array(message, { minLength: 1, maxLength: 40 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('produce requests framed around prebuilt record bodies', () => {
  afterEach(() => jest.restoreAllMocks());

  it('are byte-identical to kafkajs encoding the same messages', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(1_764_201_600_123);
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const producerId = Long.fromValue(r.producerId.toString());
        const theirs = await kafkajsProduceV3({ ...r, producerId, compression: 0 }).encode();
        const prebuilt = r.topicData.map((t) => ({
          ...t,
          partitions: t.partitions.map((p) => ({ ...p, messages: p.messages.map((m) => ({ key: m.key, value: null, [RECORD_BODY]: body(m) })) })),
        }));
        const ours = encodeProduceRequest({ ...r, producerId: r.producerId.toString(), topicData: prebuilt });
        expect(ours.equals(theirs.buffer)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("replace kafkajs's Produce request for prebuilt messages only, in a thread that installs them first", () => {
    const script = `
      const { usePrebuiltProduceRequests } = require(${JSON.stringify(path.join(__dirname, 'prebuiltProduceRequest.ts'))});
      const { RECORD_BODY, recordBodySize, writeRecordBody } = require(${JSON.stringify(path.join(__dirname, 'recordBody.ts'))});
      if (!usePrebuiltProduceRequests()) throw new Error('installed too late');
      const produce = require('kafkajs/src/protocol/requests/produce');
      Date.now = () => 1764201600123;
      const plain = { key: Buffer.from('k1'), value: Buffer.from('v1'), headers: { 'thahs.event': Buffer.from('h') } };
      const b = Buffer.alloc(recordBodySize(plain.key, plain.value, [['thahs.event', plain.headers['thahs.event']]]));
      writeRecordBody(b, 0, plain.key, plain.value, [['thahs.event', plain.headers['thahs.event']]]);
      const args = (m) => ({ acks: -1, timeout: 30000, compression: 0, producerEpoch: 0, topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0, messages: [m] }] }] });
      const v7 = produce.protocol({ version: 7 });
      const prebuilt = { key: plain.key, value: null, [RECORD_BODY]: b };
      let mixed = 'encoded';
      try {
        v7({ ...args(plain), topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0, messages: [plain, prebuilt] }] }] });
      } catch (err) {
        mixed = err.message;
      }
      // the frame kafkajs's connection sends: written in place for the prebuilt body, by kafkajs for the plain one
      const frame = require('kafkajs/src/protocol/request');
      const clientIds = [null, 'thahs-cdc-cand', 'khách-hàng-' + 'x'.repeat(240), 'y'.repeat(300)];
      const frames = Promise.all(clientIds.map((clientId) => Promise.all([
        frame({ correlationId: 77, clientId, request: v7(args(plain)).request }),
        frame({ correlationId: 77, clientId, request: v7(args(prebuilt)).request }),
      ]).then(([a, c]) => a.buffer.equals(c.buffer) && a.buffer.length > 100)));
      Promise.all([v7(args(plain)).request.encode(), v7(args(prebuilt)).request.encode(), frames]).then(([a, c, f]) => {
        process.stdout.write(JSON.stringify({ plain: a.buffer.toString('hex'), sameBytes: a.buffer.equals(c.buffer), sameFrames: f, apiVersion: v7(args(plain)).request.apiVersion, mixed }));
      });
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: path.join(__dirname, '../..'), encoding: 'utf8' })) as {
      sameBytes: boolean;
      sameFrames: boolean[];
      apiVersion: number;
      plain: string;
      mixed: string;
    };
    expect(out.apiVersion).toBe(7);
    expect(out.plain.length).toBeGreaterThan(100);
    expect(out.sameBytes).toBe(true);
    // framed in place (client ids up to 256 bytes) or by kafkajs (longer), the bytes on the wire are kafkajs's
    expect(out.sameFrames).toEqual([true, true, true, true]);
    // kafkajs would send a prebuilt message's null value as a tombstone: such a request is refused
    expect(out.mixed).toMatch(/must carry only those/);
  });
});
