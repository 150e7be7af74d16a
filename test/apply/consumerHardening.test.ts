import { generateKeyPairSync, randomUUID } from 'crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { projectValueSchema } from '../../libs/contracts/projectedContract';
import { H, parseLsn } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { murmur2 } from '../../libs/kafka/keyPartitioner';
import { createLogger } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { PublicKeyRing, SigningKey } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { encodeRecord, sampleRecord, signEvents, wire } from '../../services/apply-consumer/__fixtures__/signedEvents';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { ConsumerFixture } from '../support/consumerFixture';
import { testProducer } from '../support/producerFixture';
import { RegistryProxy } from '../support/registryProxy';
import { exampleAgreement } from '../support/testAgreements';
import { sleep, waitFor } from '../support/waitFor';

/**
 * The consumer and its trust chain against what an untrusted platform (Kafka and the registry are run
 * by the other ministry, Art. 8.3) can send or serve, on the real stack: unsigned records built to break
 * the dead-letter path, a record of hundreds of thousands of headers, a backlog of undecodable events
 * larger than a dead-letter request, an event signed by a key the agreement no longer lists, a schema
 * swapped under a known id, a registry that answers "not found" or fails. Each used to stall a
 * partition, cost minutes of CPU, or be trusted; each is now refused or retried, and the events around
 * it keep flowing.
 */
const config = loadConfig();
const contracts = loadContracts();
const person = contracts.get('person');
const prefix = `h${randomUUID().slice(0, 8)}`;
const log = createLogger('hardening-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'hardening-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

function signingKey(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}
// The agreement lists two provider keys at first; an amendment later drops the second (a revocation).
const k1 = signingKey('cand-c10-2025');
const k2 = signingKey('cand-c10-2025b');
const receiverKey = signingKey('qdnd-20261202-harden0');
const ring = new PublicKeyRing();
ring.add(k1.keyId, k1.publicKey);
ring.add(k2.keyId, k2.publicKey);

describe('consumer hardening on the real stack', () => {
  let fx: ConsumerFixture;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  let consumer: ApplyConsumer;
  let raw: Producer;
  let proxy: RegistryProxy;
  let doc: AgreementDocument;
  let history: AgreementHistory;
  let policy: AgreementPolicy;
  const fields = ['id', 'ministry', 'full_name', 'is_military'];
  const topic = (): string => agreementTopic(prefix, 'cand', doc.id, 'person');
  const home = (key: Buffer): number => (murmur2(key) & 0x7fffffff) % 2;

  const soldier = async (name: string): Promise<string> =>
    (
      await src.query<{ id: string }>(
        `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military) VALUES ('CAND', $1, '1990-01-01', 'M', true) RETURNING id::text AS id`,
        [name],
      )
    ).rows[0].id;
  const held = async (id: string): Promise<{ full_name: string } | undefined> =>
    (await dst.query<{ full_name: string }>('SELECT full_name FROM partner_cand.person WHERE id = $1', [id]).catch(() => ({ rows: [] as { full_name: string }[] }))).rows[0];
  const deadLetters = async (reason: string): Promise<number> =>
    (await dst.query<{ n: number }>('SELECT count(*)::int AS n FROM partner_state.dead_letter WHERE reason = $1', [reason])).rows[0].n;
  /**
   * A real event's key and value schema ids, as the producer registered them. Only the producer's own
   * events qualify: the records the tests write themselves (a 16-byte zero value, whose "schema id" is 0)
   * sit in the same topic, and which partition a window lists first is not fixed.
   */
  async function realIds(): Promise<{ keyId: number; valueId: number }> {
    const produced = (x: { value: Buffer | null; headers: Record<string, unknown> }): boolean =>
      x.value !== null && x.value.length > 5 && x.value[0] === 0 && x.value.readUInt32BE(1) > 0 && x.headers[H.event] !== undefined;
    const [m] = (await readTopicWindow(kafka, topic(), { count: 1000 })).filter(produced);
    if (!m) throw new Error(`no event of the producer in ${topic()}`);
    return { keyId: m.key!.readUInt32BE(1), valueId: m.value!.readUInt32BE(1) };
  }

  beforeAll(async () => {
    const base = exampleAgreement('cand-to-qdnd');
    doc = {
      ...base,
      id: `TTDL-H-${prefix}`,
      data: { entities: [{ entity: 'person', fields, filter: { field: 'is_military', op: 'eq', value: true } }] },
      security: { ...base.security, keys: base.security.keys.map((k) => (k.party === base.parties.provider.id ? { ...k, keyIds: [k1.keyId, k2.keyId] } : k)) },
    };
    history = new AgreementHistory(doc);
    policy = new AgreementPolicy(history.confirm(doc, FIRST), 'qdnd', contracts);
    fx = await ConsumerFixture.create({ source: 'hardsrc', receiver: 'harddst' });
    fx.onClose(() => producer?.stop());
    fx.onClose(() => raw?.disconnect());
    fx.onClose(() => proxy?.stop());
    ({ src, dst } = fx);
    await soldier('Trước');
    producer = testProducer({ pgUrl: fx.source.url, signingKeys: [k1], agreements: async () => [policy.current], prefix, log, contracts }, { partitions: 2, heartbeatMs: 300 });
    await producer.start();
    raw = kafka.producer();
    await raw.connect();
    proxy = await RegistryProxy.start(config.registryUrl);
    consumer = fx.consumer(
      { agreementId: doc.id, entities: ['person'], policy, providerKeys: ring, prefix, log, contracts },
      { registryUrl: proxy.url, applyBatchSize: 1000, stallMs: 3000, enforcement: { state: () => policy.current, signingKey: receiverKey, everyMs: 300 } },
    );
    await consumer.start();
    await waitFor('the first row applied', async () => ((await dst.query('SELECT 1 FROM partner_cand.person')).rowCount ?? 0) > 0 || undefined);
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('1. unsigned records with null header values, prototype-named headers and NULs are dead-lettered; the partition keeps flowing', async () => {
    const id = randomUUID();
    const { keyId, valueId } = await realIds();
    const { key, value } = encodeRecord(person, keyId, valueId, sampleRecord(person, { id, is_military: true }), id, fields);
    const p = home(key);
    // kafkajs cannot send a null header value: the record is written with an empty value and a NUL-laden name instead
    await raw.send({
      topic: topic(),
      messages: [
        { key, value, partition: p, headers: { toString: Buffer.from('t'), constructor: Buffer.from('c') } },
        { key, value, partition: p, headers: { ['__proto__']: Buffer.from('p') } as Record<string, Buffer> },
        { key, value, partition: p, headers: { 'thahs.event': Buffer.from('a\u0000b'), 'nul\u0000name': Buffer.from('x\u0000y') } },
      ],
    });
    const after = await soldier('Sau những bản ghi độc');
    await waitFor('the row after the poison applied', async () => (await held(after)) !== undefined || undefined, 60_000);
    expect(await deadLetters('missing-proof')).toBe(2);
    expect(await deadLetters('bad-header')).toBe(1);
    expect(consumer.healthy()).toBe(true);
  });

  it('2. a 1 MiB record of 300,000 headers is dead-lettered before anything is verified, and the partition keeps flowing', async () => {
    const id = randomUUID();
    const key = encodeRecord(person, 1, 1, null, id).key;
    const t0 = Date.now();
    await raw.send({ topic: topic(), messages: [{ key, value: Buffer.alloc(16), partition: home(key), headers: { a: Array.from({ length: 300_000 }, () => Buffer.from('x')) } }] });
    await waitFor('the header flood dead-lettered', async () => (await deadLetters('oversize')) > 0 || undefined, 60_000, 100);
    const after = await soldier('Sau bản ghi nhiều tiêu đề');
    await waitFor('the row after the flood applied', async () => (await held(after)) !== undefined || undefined, 60_000, 100);
    log.info('header flood handled', { ms: Date.now() - t0 });
    const r = await dst.query<{ detail: string }>(`SELECT detail FROM partner_state.dead_letter WHERE reason = 'oversize'`);
    expect(r.rows[0].detail).toMatch(/^300000 headers/);
  });

  it('3. a backlog of thousands of undecodable events, more than one dead-letter request holds, is dead-lettered, not retried for ever', async () => {
    const { keyId, valueId } = await realIds();
    const parts = Array.from({ length: 3000 }, (_, i) => {
      const id = randomUUID();
      const { key } = encodeRecord(person, keyId, valueId, null, id);
      return {
        topic: topic(),
        key,
        value: wire(valueId, Buffer.alloc(4000, i % 251)),
        meta: {
          op: 'u' as const,
          position: { lsn: parseLsn('0/20'), index: i },
          xid: 1,
          commitTs: Date.now() * 1000,
          ministry: 'cand',
          entity: 'person',
          agreementId: doc.id,
          agreementVersion: 1,
          sourceEpoch: '1',
        },
      };
    });
    // 3,000 × 4 kB: one chunk's dead letters are ~12 MB, more than any single request may carry
    const events = signEvents(parts, k1);
    for (let i = 0; i < events.length; i += 500) {
      await raw.send({ topic: topic(), messages: events.slice(i, i + 500).map((e) => ({ key: e.key, value: e.value, headers: e.headers, partition: home(e.key) })) });
    }
    await waitFor('3,000 undecodable events dead-lettered', async () => (await deadLetters('undecodable')) >= 3000 || undefined, 120_000);
    expect(await deadLetters('undecodable')).toBe(3000);
    expect(consumer.healthy()).toBe(true);
  });

  it('4. an event signed by a key the agreement no longer lists is refused, however backdated, and cannot freeze its row', async () => {
    const id = await soldier('Hàng bị đóng băng?');
    await waitFor('the row applied', async () => (await held(id)) !== undefined || undefined);
    // Version 2 drops k2 (revoked); the producer keeps signing with k1.
    const t = Date.now();
    policy.update(
      history.confirm(
        { ...doc, version: 2, security: { ...doc.security, keys: doc.security.keys.map((k) => (k.keyIds.includes(k2.keyId) ? { ...k, keyIds: [k1.keyId] } : k)) } },
        { draft: new Date(t), propose: new Date(t + 1), confirm: new Date(t + 2) },
      ),
    );
    const { keyId, valueId } = await realIds();
    const { key, value } = encodeRecord(person, keyId, valueId, sampleRecord(person, { id, is_military: true, full_name: 'Do khóa bị thu hồi ký' }), id, fields);
    // committed "under version 1", at the largest position there is: it would win over every real change
    const [forged] = signEvents(
      [
        {
          topic: topic(),
          key,
          value,
          meta: {
            op: 'u',
            position: { lsn: parseLsn('FFFFF/FFFFFFF0'), index: 0 },
            xid: 1,
            commitTs: Date.parse(FIRST.confirm) * 1000 + 86_400_000_000 * 60,
            ministry: 'cand',
            entity: 'person',
            agreementId: doc.id,
            agreementVersion: 1,
            sourceEpoch: '1',
          },
        },
      ],
      k2,
    );
    await raw.send({ topic: topic(), messages: [{ key: forged.key, value: forged.value, headers: forged.headers, partition: home(forged.key) }] });
    await waitFor('the revoked key refused', async () => (await deadLetters('key-not-in-agreement')) > 0 || undefined);
    await src.query(`UPDATE thahs.person SET full_name = 'Tên thật mới' WHERE id = $1`, [id]);
    await waitFor('the real change applied over the refused one', async () => (await held(id))?.full_name === 'Tên thật mới' || undefined);
  });

  it('5. a schema served under a known id with its fields swapped is refused as wrong-schema, not decoded into other values', async () => {
    const { valueId } = await realIds();
    const projected = projectValueSchema(person, fields) as { fields: Record<string, unknown>[] };
    const swapped = { ...projected, fields: [projected.fields[0], projected.fields[2], projected.fields[1], projected.fields[3]] };
    // a new consumer group reads everything again, through a registry that now lies about the id
    proxy.answer(valueId, { schema: swapped });
    const other = fx.consumer(
      { agreementId: doc.id, entities: ['person'], policy, providerKeys: ring, prefix, log, contracts },
      { registryUrl: proxy.url, groupId: `${prefix}-swapped`, partnerSchema: 'partner_cand' },
    );
    await other.start();
    try {
      await waitFor('events refused as wrong-schema', async () => (await deadLetters('wrong-schema')) > 0 || undefined);
      expect(other.stats().applied).toBe(0);
    } finally {
      await other.stop();
      proxy.answer(valueId, null);
    }
  });

  it('9. a schema id the registry does not know (or a registry down) is retried, never dead-lettered: the partition is reported stalled, then catches up', async () => {
    const unknownBefore = await dst.query<{ n: number }>(`SELECT count(*)::int AS n FROM partner_state.dead_letter WHERE reason IN ('unknown-schema', 'wrong-schema')`);
    // Version 3 adds a field: the producer registers a new projection, whose id the registry then "loses".
    proxy.answerUnknown({ status: 404 });
    const t = Date.now();
    policy.update(
      history.confirm(
        {
          ...history.state.versions[history.state.versions.length - 1].document,
          version: 3,
          data: { entities: [{ entity: 'person', fields: [...fields, 'sex'], filter: { field: 'is_military', op: 'eq', value: true } }] },
        },
        { draft: new Date(t), propose: new Date(t + 1), confirm: new Date(t + 2) },
      ),
    );
    await waitFor('the producer to take version 3', async () => {
      const r = await src.query<{ version: number }>(`SELECT version FROM thahs_cdc.route_scope WHERE agreement_id = $1 AND entity = 'person'`, [doc.id]);
      return r.rows[0]?.version === 3 || undefined;
    });
    const id = await soldier('Chờ lược đồ');
    await waitFor('the consumer reported unhealthy: a partition stalled', async () => !consumer.healthy() || undefined, 60_000);
    expect(await metricsRegistry.getSingleMetricAsString('thahs_apply_partition_stalled')).toMatch(/ 1$/m);
    expect(await held(id)).toBeUndefined();
    // the registry comes back
    proxy.answerUnknown({ status: 503 });
    await sleep(1000);
    proxy.answerUnknown(null);
    await waitFor('the row applied once the registry answers', async () => (await held(id)) !== undefined || undefined, 90_000);
    // with the field version 3 added, from the backfill the widening called for
    const sexes = await dst.query<{ n: number }>('SELECT count(*)::int AS n FROM partner_cand.person WHERE sex IS NOT NULL');
    expect(sexes.rows[0].n).toBeGreaterThan(0);
    await waitFor('healthy again', async () => consumer.healthy() || undefined, 30_000);
    const unknownAfter = await dst.query<{ n: number }>(`SELECT count(*)::int AS n FROM partner_state.dead_letter WHERE reason IN ('unknown-schema', 'wrong-schema')`);
    expect(unknownAfter.rows[0].n).toBe(unknownBefore.rows[0].n);
  });
});
