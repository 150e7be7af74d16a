import { generateKeyPairSync } from 'crypto';
import { createLogger } from '../../libs/logger';
import { decodeEnvelope, H } from '../../libs/events';
import { EventVerifier, type SigningKey } from '../../libs/signing';
import type { ChangeEvent, EventRoute } from './changeEvent';
import { ChangePublisher, type PreparedBatch } from './changePublisher';
import { cdcMetrics } from './cdcMetrics';
import { PublishingPipeline } from './publishingPipeline';
import type { RecordSender } from './senderThread';

const log = createLogger('pipeline-test', 'error');

function key(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}
const a = key('cand-c10-2025');
const b = key('cand-c11-2025');
const route = (topic: string, k: SigningKey): EventRoute => ({ topic, key: k, encodeKey: (id) => Buffer.from(id) });
const event = (r: EventRoute, n: number): ChangeEvent => ({
  route: r,
  id: `id-${n}`,
  value: Buffer.from(`v${n}`),
  meta: {
    op: 'u',
    position: { lsn: BigInt(100 + n), index: 0 },
    xid: 1,
    commitTs: 1,
    ministry: 'cand',
    entity: 'person',
    agreementId: r.topic.split('.')[2],
    agreementVersion: 1,
    sourceEpoch: '1',
  },
});

/** A sender that holds each send until the test lets it go (or fails it). */
class HeldSender implements RecordSender {
  readonly sent: PreparedBatch[][] = [];
  private readonly waiting: { resolve(): void; reject(e: Error): void }[] = [];
  send(requests: readonly PreparedBatch[]): Promise<void> {
    this.sent.push([...requests]);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  release(n = 1): void {
    for (let i = 0; i < n; i++) this.waiting.shift()?.resolve();
  }
  fail(message: string): void {
    this.waiting.shift()?.reject(new Error(message));
  }
  async stop(): Promise<void> {}
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('publishing pipeline', () => {
  it('signs each event with its agreement route’s key, so each verifies with that key alone', () => {
    const publisher = new ChangePublisher('cand', new HeldSender());
    const ra = route('tp.cand.A.person', a);
    const rb = route('tp.cand.B.person', b);
    const events = [event(ra, 1), event(rb, 2), event(ra, 3), event(rb, 4)];
    const batch = publisher.prepare(events);
    expect(batch.map((x) => x.topic).sort()).toEqual(['tp.cand.A.person', 'tp.cand.B.person']);
    const verifier = new EventVerifier((id) => (id === a.keyId ? a.publicKey : id === b.keyId ? b.publicKey : undefined));
    for (const { topic, messages } of batch) {
      for (const m of messages) {
        const env = decodeEnvelope(m.headers![H.event] as Buffer);
        expect(env.meta.keyId).toBe(topic.includes('.A.') ? a.keyId : b.keyId);
        verifier.verifyEvent({ topic, key: m.key as Buffer, value: m.value as Buffer }, env.meta.keyId, env);
      }
    }
  });

  it('confirms the slot only after Kafka acknowledged everything before it, in order', async () => {
    const sender = new HeldSender();
    const confirmed: bigint[] = [];
    const acked: number[] = [];
    const p = new PublishingPipeline({
      ministry: 'cand',
      publisher: new ChangePublisher('cand', sender),
      confirm: (l) => confirmed.push(l),
      log,
      onAcked: (_e, _t, n) => acked.push(n),
    });
    const r = route('tp.cand.A.person', a);
    await p.flush([event(r, 1)], 10n, 0, 3);
    await p.flush([event(r, 2)], 20n, 0, 5);
    await tick();
    expect(confirmed).toEqual([]);
    sender.release();
    await tick();
    await tick();
    expect(confirmed).toEqual([10n]);
    // nothing to send (a heartbeat): confirmed as soon as everything before it is
    await p.flush([], 30n, 0, 1);
    await tick();
    expect(confirmed).toEqual([10n]);
    sender.release();
    await p.drain();
    expect(confirmed).toEqual([10n, 20n, 30n]);
    expect(acked).toEqual([3, 5, 1]);
  });

  it('sends the batches prepared while a send was on the wire together, in order, each confirmed after it', async () => {
    const sender = new HeldSender();
    const confirmed: bigint[] = [];
    const acked: number[] = [];
    const p = new PublishingPipeline({
      ministry: 'cand',
      publisher: new ChangePublisher('cand', sender),
      confirm: (l) => confirmed.push(l),
      log,
      onAcked: (_e, _t, n) => acked.push(n),
    });
    const ra = route('tp.cand.A.person', a);
    const rb = route('tp.cand.B.person', b);
    await p.flush([event(ra, 1)], 10n, 0, 1);
    await tick();
    for (let n = 2; n <= 4; n++) await p.flush([event(n === 3 ? rb : ra, n)], BigInt(10 * n), 0, 1);
    await p.flush([], 50n, 0, 1);
    await tick();
    expect(sender.sent).toHaveLength(1);
    sender.release();
    await tick();
    await tick();
    // one send for the four flushes that waited, their events in flush order
    expect(sender.sent).toHaveLength(2);
    const ids = sender.sent[1].flatMap((request) => request.flatMap((t) => t.messages.map((m) => decodeEnvelope(m.headers![H.event] as Buffer).meta.position.lsn)));
    expect(ids).toEqual([102n, 103n, 104n]);
    expect(confirmed).toEqual([10n]);
    sender.release();
    await p.drain();
    expect(confirmed).toEqual([10n, 20n, 30n, 40n, 50n]);
    expect(acked).toEqual([1, 1, 1, 1, 1]);
  });

  it('counts acknowledged events per agreement, entity and operation (one increment per flush and label set)', async () => {
    const sender = new HeldSender();
    const p = new PublishingPipeline({ ministry: 'cand', publisher: new ChangePublisher('cand', sender), confirm: () => undefined, log });
    const ra = route('tp.cand.MA.person', a);
    const rb = route('tp.cand.MB.person', b);
    const del = (e: ChangeEvent): ChangeEvent => ({ ...e, value: null, meta: { ...e.meta, op: 'd' } });
    await p.flush([event(ra, 1), del(event(ra, 2)), event(rb, 3), event(ra, 4), { ...event(rb, 5), meta: { ...event(rb, 5).meta, entity: 'judgment' } }], 10n, 0);
    await tick();
    sender.release();
    await p.drain();
    const samples = (await cdcMetrics.events.get()).values.filter((v) => String(v.labels.agreement).startsWith('M'));
    const counted = Object.fromEntries(samples.map((v) => [`${v.labels.agreement}/${v.labels.entity}/${v.labels.op}`, v.value]));
    expect(counted).toEqual({ 'MA/person/u': 2, 'MA/person/d': 1, 'MB/person/u': 1, 'MB/judgment/u': 1 });
  });

  it('a failed send fails the later ones: the slot stays at the last acknowledged position', async () => {
    const sender = new HeldSender();
    const confirmed: bigint[] = [];
    const p = new PublishingPipeline({ ministry: 'cand', publisher: new ChangePublisher('cand', sender), confirm: (l) => confirmed.push(l), log });
    const r = route('tp.cand.A.person', a);
    await p.flush([event(r, 1)], 10n, 0);
    await p.flush([event(r, 2)], 20n, 0);
    await tick();
    sender.fail('broker gone');
    await expect(p.drain()).rejects.toThrow(/broker gone/);
    expect(confirmed).toEqual([]);
    await expect(p.flush([event(r, 3)], 30n, 0)).rejects.toThrow(/broker gone/);
  });
});
