import { randomUUID } from 'crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { decodeWatermark, encodeWatermark, encodeWatermarkProof, parseLsn, parseMeta, WATERMARK_HEADER, watermarkDigest, watermarkTopic, type Watermark } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { murmur2 } from '../../libs/kafka/keyPartitioner';
import { createLogger, tapLogLines } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { parsePrometheusText, sumSamples } from '../../libs/ops/prometheusText';
import { metricAlarms } from '../../libs/status';
import { signBatch } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { encodeRecord, personUpdateMeta, sampleRecord, signEvents, suiteSigningKey } from '../../services/apply-consumer/__fixtures__/signedEvents';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { testProducer } from '../support/producerFixture';
import { ConsumerFixture } from '../support/consumerFixture';
import { militaryPersonsSignedBy } from '../support/testAgreements';
import { waitFor } from '../support/waitFor';

/**
 * Issue 14, defect 6, the remaining part: an event withheld at the *end* of a partition's stream, with
 * nothing after it, used to go unnoticed. The real producer signs a watermark per agreement at its
 * heartbeat interval (here 500 ms) stating each partition's last acknowledged number and the keys of
 * its last events; the consumer (allowance 2 s) alarms when an announced number does not arrive, and
 * when no valid watermark arrives at all. The withheld run's events and watermark are signed here
 * with the provider's key, as its producer signs them; forged watermarks are refused and change nothing.
 */
const config = loadConfig();
const contracts = loadContracts();
const person = contracts.get('person');
const prefix = `w${randomUUID().slice(0, 8)}`;
const log = createLogger('watermark-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'watermark-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };
const INTERVAL_MS = 500;
const ALLOWANCE_MS = 2000;

const { key, ring } = suiteSigningKey('cand-c10-watermark');

describe('signed watermarks bound the time to notice withheld events (issue 14, defect 6)', () => {
  let fx: ConsumerFixture;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  let consumer: ApplyConsumer;
  let raw: Producer;
  let doc: AgreementDocument;
  const fields = ['id', 'ministry', 'full_name', 'is_military'];
  const topic = (): string => agreementTopic(prefix, 'cand', doc.id, 'person');
  const wmTopic = (): string => watermarkTopic(prefix, 'cand', doc.id);
  const home = (k: Buffer): number => (murmur2(k) & 0x7fffffff) % 2;
  const samples = async (): Promise<ReturnType<typeof parsePrometheusText>> => parsePrometheusText(await metricsRegistry.metrics());
  const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> => sumSamples(await samples(), name, { agreement: doc.id, ...labels }) ?? 0;
  const soldier = async (name: string): Promise<string> =>
    (
      await src.query<{ id: string }>(
        `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military) VALUES ('CAND', $1, '1990-01-01', 'M', true) RETURNING id::text AS id`,
        [name],
      )
    ).rows[0].id;
  const held = async (id: string): Promise<string | undefined> =>
    (await dst.query<{ full_name: string }>('SELECT full_name FROM partner_cand.person WHERE id = $1', [id])).rows[0]?.full_name;

  let ids: { key: number; value: number } | undefined;
  const encode = async (id: string, name: string): Promise<{ key: Buffer; value: Buffer | null }> => {
    if (!ids) {
      const [m] = (await readTopicWindow(kafka, topic(), { count: 1000 })).filter((x) => x.value !== null);
      ids = { key: m.key!.readUInt32BE(1), value: m.value!.readUInt32BE(1) };
    }
    return encodeRecord(person, ids.key, ids.value, sampleRecord(person, { id, is_military: true, full_name: name }), id, fields);
  };
  /** A watermark as the producer signs it (WatermarkEmitter), sent where the platform delivers it. */
  const watermark = (run: string, partitions: Watermark['partitions'], forge?: (body: string) => string) => {
    const value = encodeWatermark({
      ministry: 'cand',
      agreementId: doc.id,
      keyId: key.keyId,
      run,
      atUs: Date.now() * 1000 + 1000,
      intervalMs: INTERVAL_MS,
      sourceEpoch: '1',
      lastCommitUs: Date.now() * 1000,
      partitions,
    });
    const [proof] = signBatch([watermarkDigest(wmTopic(), value)], key);
    const sent = forge ? Buffer.from(forge(value.toString('utf8'))) : value;
    return raw.send({ topic: wmTopic(), messages: [{ value: sent, headers: { [WATERMARK_HEADER]: encodeWatermarkProof(proof.signature, proof.path) } }] });
  };

  beforeAll(async () => {
    doc = militaryPersonsSignedBy(`TTDL-W-${prefix}`, fields, key.keyId);
    const policy = new AgreementPolicy(new AgreementHistory(doc).confirm(doc, FIRST), 'qdnd', contracts);
    fx = await ConsumerFixture.create({ source: 'wmsrc', receiver: 'wmdst' });
    fx.onClose(() => producer?.stop());
    fx.onClose(() => raw?.disconnect());
    ({ src, dst } = fx);
    await soldier('Đầu tiên');
    producer = testProducer(
      { pgUrl: fx.source.url, signingKeys: [key], agreements: async () => [policy.current], prefix, log, contracts },
      { partitions: 2, heartbeatMs: INTERVAL_MS },
    );
    await producer.start();
    raw = kafka.producer();
    await raw.connect();
    consumer = fx.consumer({ agreementId: doc.id, entities: ['person'], policy, providerKeys: ring, prefix, log, contracts }, { watermarkAllowanceMs: ALLOWANCE_MS });
    await consumer.start();
    await waitFor('the first row applied', async () => ((await dst.query('SELECT 1 FROM partner_cand.person')).rowCount ?? 0) > 0 || undefined);
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('the producer signs each partition’s last acknowledged number; the consumer accepts them and a complete stream raises nothing', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 10; i++) rows.push(await soldier(`Hàng ${i}`));
    await waitFor(
      'every row applied',
      async () => (await dst.query<{ n: number }>('SELECT count(*)::int AS n FROM partner_cand.person WHERE id = ANY($1::uuid[])', [rows])).rows[0].n === 10 || undefined,
    );
    const accepted = await metric('thahs_apply_watermarks_total', { outcome: 'accepted' });
    await waitFor('two more watermarks accepted', async () => (await metric('thahs_apply_watermarks_total', { outcome: 'accepted' })) >= accepted + 2 || undefined);
    const events = await readTopicWindow(kafka, topic(), { count: 1000 });
    const [last] = await readTopicWindow(kafka, wmTopic(), { count: 1 });
    const w = decodeWatermark(last.value!);
    expect(w.keyId).toBe(key.keyId);
    for (const p of w.partitions) {
      const here = events.filter((m) => m.partition === p.partition);
      expect(p.seq).toBe(here.length);
      // The keys of the last events sent there (from the batches the producer still holds: here one per
      // transaction), newest last; the key's Avro body follows the 5-byte wire header, a length byte, the uuid.
      expect(p.tail.length).toBeGreaterThan(0);
      expect(p.tail).toEqual(here.slice(-p.tail.length).map((m) => [parseMeta(m.headers).sequence!.seq, m.key!.subarray(6).toString('utf8')]));
    }
    expect(await metric('thahs_apply_event_gaps_total')).toBe(0);
    expect(await metric('thahs_apply_watermark_missing')).toBe(0);
  });

  it('an event withheld at the end of a partition, then quiet: alarmed within the allowance, naming its key; a forged watermark is refused and raises nothing', async () => {
    const keys: string[] = [];
    while (keys.length < 3) {
      const id = randomUUID();
      const e = await encode(id, '');
      if (home(e.key) === 0) {
        keys.push(id);
      }
    }
    const run = 'f00dfeedcafe0001';
    const signed = signEvents(
      await Promise.all(
        keys.map(async (id, i) => ({
          topic: topic(),
          ...(await encode(id, `Cuối ${i + 1}`)),
          meta: personUpdateMeta(doc.id, { lsn: parseLsn('FFFF/0'), index: i }, { sequence: { run, seq: i + 1 } }),
        })),
      ),
      key,
    );
    const lines: string[] = [];
    const untap = tapLogLines((l) => lines.push(l));
    try {
      // The platform delivers the first two and withholds the last; nothing follows on the partition.
      await raw.send({ topic: topic(), messages: signed.slice(0, 2).map((e) => ({ key: e.key, value: e.value, headers: e.headers, partition: 0 })) });
      await waitFor('the delivered ones applied', async () => (await held(keys[1])) === 'Cuối 2' || undefined);
      const gapsBefore = await metric('thahs_apply_event_gaps_total', { partition: '0' });
      const forgedBefore = await metric('thahs_apply_watermarks_total', { outcome: 'bad-signature' });
      // A forged watermark claiming more on partition 1, and the producer's real one of the withheld run.
      await watermark(run, [{ topic: topic(), partition: 1, seq: 99, tail: [] }], (b) => b.replace('"seq":99', '"seq":98'));
      const announced = Date.now();
      await watermark(run, [{ topic: topic(), partition: 0, seq: 3, tail: keys.map((id, i) => [i + 1, id] as const) }]);
      await waitFor('the gap alarmed', async () => (await metric('thahs_apply_event_gaps_total', { partition: '0' })) > gapsBefore || undefined, 15_000);
      const tookMs = Date.now() - announced;
      expect(tookMs).toBeLessThan(ALLOWANCE_MS + 3000);
      expect(await metric('thahs_apply_event_gaps_total', { partition: '0' })).toBe(gapsBefore + 1);
      expect(await metric('thahs_apply_watermarks_total', { outcome: 'bad-signature' })).toBe(forgedBefore + 1);
      const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.message).startsWith('events missing at the end of a partition'));
      expect(line).toMatchObject({ partition: 0, run, missingFrom: 3, missingTo: 3, keys: [keys[2]], keysUnknown: 0 });
      expect(metricAlarms(await samples()).filter((a) => a.code === 'gap' && a.agreementId === doc.id).length).toBeGreaterThan(0);
      // The forged claim on partition 1 raised nothing, after the allowance too.
      await new Promise((r) => setTimeout(r, ALLOWANCE_MS + 1500));
      expect(await metric('thahs_apply_event_gaps_total', { partition: '1' })).toBe(0);
      expect(consumer.healthy()).toBe(true);
    } finally {
      untap();
    }
  });

  it('no signed watermark for longer than 2 × interval + allowance is an alarm, which forged ones do not quiet', async () => {
    await producer.stop();
    const bound = 2 * INTERVAL_MS + ALLOWANCE_MS;
    const stopped = Date.now();
    await waitFor('the silence alarmed', async () => (await metric('thahs_apply_watermark_missing')) === 1 || undefined, 15_000);
    expect(Date.now() - stopped).toBeLessThan(bound + 3000);
    await watermark('f00dfeedcafe0002', [], (b) => b.replace('"partitions":[]', '"partitions": []'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await metric('thahs_apply_watermark_missing')).toBe(1);
    const alarm = metricAlarms(await samples()).find((a) => a.code === 'watermark-missing' && a.agreementId === doc.id);
    expect(alarm?.message).toMatch(/^no signed watermark for \d+ s from cand/);
    // A valid one clears it.
    await watermark('f00dfeedcafe0002', []);
    await waitFor('the silence over', async () => (await metric('thahs_apply_watermark_missing')) === 0 || undefined, 10_000);
  });
});
