import { randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../libs/config';
import { ensureTopics } from '../../libs/kafka';
import { SenderThread, SenderThreadError } from '../../services/cdc-producer/senderThread';
import { readTopics } from '../support/topicReader';

/** The producer's kafkajs client on its own thread, against the real broker. */
describe('cdc producer sender thread', () => {
  const config = loadConfig();
  const kafka = new Kafka({ clientId: 'sender-thread-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const topic = `st${randomUUID().slice(0, 8)}.cand.person`;
  const data = { clientId: 'sender-thread-test', brokers: config.kafkaBrokers, service: 'sender-thread-test', logLevel: 'warn' };

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, partitions: 2, cleanup: 'compact' }]);
  });

  it('sends requests in order with keys, values, tombstones and headers intact, then stops', async () => {
    const sender = await SenderThread.start(data);
    try {
      const msg = (i: number) => ({ key: Buffer.from(`k${i % 7}`), value: i % 5 === 4 ? null : Buffer.from(`v${i}`), headers: { 'thahs.event': Buffer.from([i, 0xc3]) } });
      const sent = [...Array(60).keys()].map(msg);
      // Two sends posted back to back, the first of two requests: all acknowledged, per-key order kept.
      await Promise.all([sender.send([[{ topic, messages: sent.slice(0, 20) }], [{ topic, messages: sent.slice(20, 40) }]]), sender.send([[{ topic, messages: sent.slice(40) }]])]);
      const got = await readTopics(kafka, [topic], (m) => m.length >= 60);
      const byKey = (list: { key: Buffer | null; value: Buffer | null }[]) => {
        const out = new Map<string, (string | null)[]>();
        for (const m of list) out.set(m.key!.toString(), [...(out.get(m.key!.toString()) ?? []), m.value?.toString() ?? null]);
        return out;
      };
      expect(byKey(got)).toEqual(byKey(sent));
      // Every record arrived with its own header, tombstones included.
      for (const m of got) {
        const i = (m.headers!['thahs.event'] as Buffer)[0];
        expect([m.key!.toString(), m.value?.toString() ?? null]).toEqual([`k${i % 7}`, i % 5 === 4 ? null : `v${i}`]);
      }
    } finally {
      await sender.stop();
    }
    await expect(sender.send([[{ topic, messages: [{ key: Buffer.from('x'), value: Buffer.from('x') }] }]])).rejects.toThrow(SenderThreadError);
  });

  it('refuses to start when the producer cannot connect, and leaves no thread behind', async () => {
    await expect(SenderThread.start({ ...data, brokers: ['127.0.0.1:1'] })).rejects.toThrow(SenderThreadError);
  });
});
