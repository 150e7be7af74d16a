import { execFileSync } from 'child_process';
import * as path from 'path';

/**
 * The patch must change how kafkajs allocates, never what it sends. Jest's module system does not go
 * through require.cache, so each encoding runs in a plain Node process, as the sender thread does.
 */
function encodeProduceRequest(patched: boolean): { encoder: string; length: number; sha256: string } {
  const script = `
    const { useUninitialisedRequestBuffers, ENCODER_MODULE } = require(${JSON.stringify(path.join(__dirname, 'requestEncoderBuffers.ts'))});
    if (${patched} && !useUninitialisedRequestBuffers()) throw new Error('installed too late');
    const Produce = require('kafkajs/src/protocol/requests/produce/v3/request.js');
    const messages = [];
    for (let i = 0; i < 3000; i++) {
      const value = i % 7 === 0 ? null : Buffer.from('Nguyễn Văn '.repeat(1 + (i % 90)) + i);
      messages.push({ key: Buffer.from('k' + i), value, timestamp: 1700000000000 + (i % 5), headers: { 'thahs.event': Buffer.alloc(300 + (i % 11), i % 256) } });
    }
    const topicData = [
      { topic: 'thahs.cand.person', partitions: [{ partition: 0, firstSequence: 12, messages: messages.slice(0, 2000) }, { partition: 2, firstSequence: 0, messages: messages.slice(2000) }] },
      { topic: 'thahs.cand.penalty', partitions: [{ partition: 1, firstSequence: 5, messages: messages.slice(0, 1) }] },
    ];
    const req = Produce({ acks: -1, timeout: 30000, producerId: 4242, producerEpoch: 3, compression: 0, topicData });
    req.encode().then((enc) => {
      const buf = enc.buffer;
      process.stdout.write(JSON.stringify({ encoder: require(ENCODER_MODULE).name, length: buf.length, sha256: require('crypto').createHash('sha256').update(buf).digest('hex') }));
    });
  `;
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: path.join(__dirname, '../..'), encoding: 'utf8' });
  return JSON.parse(out) as { encoder: string; length: number; sha256: string };
}

describe('kafkajs request encoder without zero-filled buffers', () => {
  it('encodes a 3,000-record, three-partition produce request byte for byte as kafkajs does', () => {
    const original = encodeProduceRequest(false);
    const patched = encodeProduceRequest(true);
    // the patched run really used the replacement class
    expect(original.encoder).toBe('Encoder');
    expect(patched.encoder).toBe('UninitialisedEncoder');
    expect(original.length).toBeGreaterThan(1_000_000);
    expect(patched).toEqual({ ...original, encoder: 'UninitialisedEncoder' });
  });
});
