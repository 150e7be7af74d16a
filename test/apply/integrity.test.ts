import { randomUUID } from 'crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { parseLsn, parseMeta, type EventSequence } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { murmur2 } from '../../libs/kafka/keyPartitioner';
import { createLogger } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { parsePrometheusText, sumSamples } from '../../libs/ops/prometheusText';
import { metricAlarms } from '../../libs/status';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { encodeRecord, sampleRecord, signEvents, suiteSigningKey } from '../../services/apply-consumer/__fixtures__/signedEvents';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { ConsumerFixture } from '../support/consumerFixture';
import { testProducer } from '../support/producerFixture';
import { militaryPersonsSignedBy } from '../support/testAgreements';
import { waitFor } from '../support/waitFor';

/**
 * Issue 14, defects 6 and 7, against what an untrusted platform and a restored provider do, on the real
 * stack. 6: the platform (Kafka is run by the other ministry) withholds a signed event; the provider
 * numbers each partition's events per producer run (meta version 2), and the receiver sees the number
 * jump and alarms. 7: the provider's database restored onto another PostgreSQL cluster, whose LSNs start
 * far below the ones the partner store holds; before positions carried the source epoch, every later
 * change was skipped as stale, silently. The real producer publishes under the real cluster's system
 * identifier; the events of a run with a withheld event and those of the "restored" cluster are signed
 * here with the provider's key, as its producer would publish them.
 */
const config = loadConfig();
const contracts = loadContracts();
const person = contracts.get('person');
const prefix = `i${randomUUID().slice(0, 8)}`;
const log = createLogger('integrity-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'integrity-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const RESTORED_EPOCH = '7000000000000000042';
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

const { key, ring } = suiteSigningKey('cand-c10-integrity');

describe('dropped events and source epochs', () => {
  let fx: ConsumerFixture;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  let consumer: ApplyConsumer;
  let raw: Producer;
  let doc: AgreementDocument;
  let epoch: string;
  const fields = ['id', 'ministry', 'full_name', 'is_military'];
  const topic = (): string => agreementTopic(prefix, 'cand', doc.id, 'person');
  const home = (k: Buffer): number => (murmur2(k) & 0x7fffffff) % 2;

  const soldier = async (name: string): Promise<string> =>
    (
      await src.query<{ id: string }>(
        `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military) VALUES ('CAND', $1, '1990-01-01', 'M', true) RETURNING id::text AS id`,
        [name],
      )
    ).rows[0].id;
  const held = async (id: string): Promise<string | undefined> =>
    (await dst.query<{ full_name: string }>('SELECT full_name FROM partner_cand.person WHERE id = $1', [id])).rows[0]?.full_name;
  const samples = async (): Promise<ReturnType<typeof parsePrometheusText>> => parsePrometheusText(await metricsRegistry.metrics());
  const gaps = async (): Promise<number> => sumSamples(await samples(), 'thahs_apply_event_gaps_total', { agreement: doc.id }) ?? 0;

  let ids: { key: number; value: number } | undefined;
  const encode = async (id: string, name: string): Promise<{ key: Buffer; value: Buffer | null }> => {
    if (!ids) {
      const [m] = (await readTopicWindow(kafka, topic(), { count: 1000 })).filter((x) => x.value !== null);
      ids = { key: m.key!.readUInt32BE(1), value: m.value!.readUInt32BE(1) };
    }
    return encodeRecord(person, ids.key, ids.value, sampleRecord(person, { id, is_military: true, full_name: name }), id, fields);
  };

  const epochChanges = async (): Promise<number> => sumSamples(await samples(), 'thahs_apply_source_epoch_changes_total', { agreement: doc.id }) ?? 0;

  /** A change of `id` as the provider's producer would sign it, under `sourceEpoch` at `lsn`. */
  const change = async (id: string, name: string, sourceEpoch: string, lsn: string, index = 0, sequence?: EventSequence): Promise<Parameters<typeof signEvents>[0][number]> => {
    const { key: k, value } = await encode(id, name);
    return {
      topic: topic(),
      key: k,
      value,
      meta: {
        op: 'u',
        position: { lsn: parseLsn(lsn), index },
        xid: 1,
        commitTs: Date.now() * 1000,
        ministry: 'cand',
        entity: 'person',
        agreementId: doc.id,
        agreementVersion: 1,
        sourceEpoch,
        sequence,
      },
    };
  };
  const send = async (events: ReturnType<typeof signEvents>): Promise<void> => {
    await raw.send({ topic: topic(), messages: events.map((e) => ({ key: e.key, value: e.value, headers: e.headers, partition: home(e.key) })) });
  };
  const publish = async (id: string, name: string, sourceEpoch: string, lsn: string): Promise<void> => send(signEvents([await change(id, name, sourceEpoch, lsn)], key));

  beforeAll(async () => {
    doc = militaryPersonsSignedBy(`TTDL-I-${prefix}`, fields, key.keyId);
    const policy = new AgreementPolicy(new AgreementHistory(doc).confirm(doc, FIRST), 'qdnd', contracts);
    fx = await ConsumerFixture.create({ source: 'integsrc', receiver: 'integdst' });
    fx.onClose(() => producer?.stop());
    fx.onClose(() => raw?.disconnect());
    ({ src, dst } = fx);
    epoch = (await src.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')).rows[0].id;
    await soldier('Đầu tiên');
    producer = testProducer({ pgUrl: fx.source.url, signingKeys: [key], agreements: async () => [policy.current], prefix, log, contracts }, { partitions: 2, heartbeatMs: 300 });
    await producer.start();
    raw = kafka.producer();
    await raw.connect();
    consumer = fx.consumer({ agreementId: doc.id, entities: ['person'], policy, providerKeys: ring, prefix, log, contracts });
    await consumer.start();
    await waitFor('the first row applied', async () => ((await dst.query('SELECT 1 FROM partner_cand.person')).rowCount ?? 0) > 0 || undefined);
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('6. the producer numbers every partition’s events 1, 2, 3, … per run, and a complete stream raises no alarm', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 30; i++) rows.push(await soldier(`Hàng ${i}`));
    await waitFor(
      'every row applied',
      async () => (await dst.query<{ n: number }>('SELECT count(*)::int AS n FROM partner_cand.person WHERE id = ANY($1::uuid[])', [rows])).rows[0].n === rows.length || undefined,
    );
    const events = await readTopicWindow(kafka, topic(), { count: 1000 });
    const byPartition = new Map<number, number[]>();
    for (const m of events) {
      const s = parseMeta(m.headers).sequence;
      expect(s).toBeDefined();
      byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), s!.seq]);
    }
    expect(events.length).toBeGreaterThanOrEqual(31);
    for (const seqs of byPartition.values()) expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(await gaps()).toBe(0);
  });

  it('6. an event the platform withholds is detected when the next one of its partition arrives: alarm, log, and the others still apply', async () => {
    // Four changes of one producer run on partition 0, signed together; the platform drops the third.
    const keys: string[] = [];
    while (keys.length < 4) {
      const id = randomUUID();
      if (home((await encode(id, '')).key) === 0) keys.push(id);
    }
    const run = 'a1b2c3d4e5f60718';
    const signed = signEvents(await Promise.all(keys.map((id, i) => change(id, `Chuỗi ${i + 1}`, epoch, 'FFFF/0', i, { run, seq: i + 1 }))), key);
    await send(signed.filter((_, i) => i !== 2));
    await waitFor('the event after the gap applied', async () => (await held(keys[3])) === 'Chuỗi 4' || undefined);
    expect(await held(keys[0])).toBe('Chuỗi 1');
    expect(await held(keys[1])).toBe('Chuỗi 2');
    expect(await held(keys[2])).toBeUndefined();
    expect(sumSamples(await samples(), 'thahs_apply_event_gaps_total', { agreement: doc.id, topic: topic(), partition: '0' })).toBe(1);
    const alarms = metricAlarms(await samples()).filter((a) => a.code === 'gap' && a.agreementId === doc.id);
    expect(alarms).toHaveLength(1);
    expect(alarms[0].message).toContain(topic());

    // The real producer's stream goes on, with no further alarm.
    const after = await soldier('Sau khoảng trống');
    await waitFor('a real change applied after the gap', async () => (await held(after)) === 'Sau khoảng trống' || undefined);
    expect(await gaps()).toBe(1);
    expect(consumer.healthy()).toBe(true);
  });

  it('7. applies the restored cluster’s changes despite their lower LSNs, alarms once, and refuses the old cluster’s replays over them', async () => {
    const id = await soldier('Hàng cũ');
    await waitFor('the row applied', async () => (await held(id)) === 'Hàng cũ' || undefined);
    const stored = (await dst.query<{ lsn: string }>('SELECT _source_lsn::text AS lsn FROM partner_cand.person WHERE id = $1', [id])).rows[0].lsn;
    expect(parseLsn(stored)).toBeGreaterThan(parseLsn('0/1000'));
    expect(await epochChanges()).toBe(0);

    // The restored cluster: LSNs far below the stored one.
    await publish(id, 'Sau khôi phục', RESTORED_EPOCH, '0/1000');
    await waitFor('the restored cluster’s change applied', async () => (await held(id)) === 'Sau khôi phục' || undefined);
    expect(await epochChanges()).toBe(1);
    const alarms = metricAlarms(parsePrometheusText(await metricsRegistry.metrics())).filter((a) => a.code === 'source-epoch-changed' && a.agreementId === doc.id);
    expect(alarms).toHaveLength(1);
    const epochs = await dst.query<{ epoch: string; ordinal: number }>('SELECT epoch, ordinal FROM partner_state.source_epoch WHERE partner_schema = $1 ORDER BY ordinal', [
      'partner_cand',
    ]);
    expect(epochs.rows).toEqual([
      { epoch: epoch, ordinal: 0 },
      { epoch: RESTORED_EPOCH, ordinal: 1 },
    ]);

    // A replay of the old cluster at a huge LSN is older than anything of the new one: skipped. A marker
    // of the new epoch on the same partition, after it, tells when it has been looked at.
    await publish(id, 'Bản cũ phát lại', epoch, 'FFFF/0');
    let marker = randomUUID();
    const partition = home((await encode(id, '')).key);
    while (home((await encode(marker, '')).key) !== partition) marker = randomUUID();
    await publish(marker, 'Dấu mốc', RESTORED_EPOCH, '0/1100');
    await waitFor('the marker applied', async () => (await held(marker)) === 'Dấu mốc' || undefined);
    expect(await held(id)).toBe('Sau khôi phục');

    // A later change of the restored cluster, still below the old LSNs, applies; no second alarm.
    await publish(id, 'Thay đổi sau', RESTORED_EPOCH, '0/1200');
    await waitFor('the later change applied', async () => (await held(id)) === 'Thay đổi sau' || undefined);
    expect(await epochChanges()).toBe(1);
    // The real producer's own changes of other rows still flow.
    const other = await soldier('Hàng khác');
    await waitFor('a real change applied after the epoch change', async () => (await held(other)) === 'Hàng khác' || undefined);
    expect(consumer.healthy()).toBe(true);
  });
});
