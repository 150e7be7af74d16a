import { randomUUID } from 'crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { encodeWatermark, encodeWatermarkProof, parseLsn, WATERMARK_HEADER, watermarkDigest, watermarkTopic, type Watermark } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { murmur2 } from '../../libs/kafka/keyPartitioner';
import { createLogger, tapLogLines } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { parsePrometheusText, sumSamples } from '../../libs/ops/prometheusText';
import { PARTITION_SEQUENCE_UPSERT, partitionSequenceParams } from '../../libs/partner-store';
import { metricAlarms } from '../../libs/status';
import { signBatch } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { encodeRecord, personUpdateMeta, sampleRecord, signEvents, suiteSigningKey, type TestEvent } from '../../services/apply-consumer/__fixtures__/signedEvents';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import type { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { ConsumerFixture } from '../support/consumerFixture';
import { testProducer } from '../support/producerFixture';
import { militaryPersonsSignedBy } from '../support/testAgreements';
import { waitFor } from '../support/waitFor';

/**
 * Issue 14, defect 6, the hand-over: the gap checks (SequenceWatch, WatermarkWatch) used to start from
 * nothing in a process that starts and in a member given a partition by a rebalance, so an event the
 * platform withheld while the partition changed hands went unnoticed. Where the check stands is now
 * committed with each chunk in the partner store (partner_state.partition_sequence), and the next holder
 * continues from it. The withheld runs' events and watermarks are signed here with the provider's key,
 * as its producer signs them; the real producer made the topics, the schemas and the first events.
 */
const config = loadConfig();
const contracts = loadContracts();
const person = contracts.get('person');
const prefix = `g${randomUUID().slice(0, 8)}`;
const log = createLogger('gap-restart-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'gap-restart-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };
const INTERVAL_MS = 500;
const ALLOWANCE_MS = 2000;

const { key, ring } = suiteSigningKey('cand-c10-gaprestart');

type Line = Record<string, unknown>;

describe('a gap spanning a consumer restart or a rebalance is alarmed (issue 14, defect 6)', () => {
  let fx: ConsumerFixture;
  let dst: Client;
  let producer: CdcProducer;
  let raw: Producer;
  let doc: AgreementDocument;
  let policy: AgreementPolicy;
  const fields = ['id', 'ministry', 'full_name', 'is_military'];
  const lines: Line[] = [];
  let untap: () => void = () => undefined;
  const topic = (): string => agreementTopic(prefix, 'cand', doc.id, 'person');
  const wmTopic = (): string => watermarkTopic(prefix, 'cand', doc.id);
  const home = (k: Buffer): number => (murmur2(k) & 0x7fffffff) % 2;
  const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> =>
    sumSamples(parsePrometheusText(await metricsRegistry.metrics()), name, { agreement: doc.id, ...labels }) ?? 0;
  const held = async (id: string): Promise<string | undefined> =>
    (await dst.query<{ full_name: string }>('SELECT full_name FROM partner_cand.person WHERE id = $1', [id])).rows[0]?.full_name;
  const consumer = (): ApplyConsumer =>
    fx.consumer({ agreementId: doc.id, entities: ['person'], policy, providerKeys: ring, prefix, log, contracts }, { watermarkAllowanceMs: ALLOWANCE_MS });

  let ids: { key: number; value: number } | undefined;
  /** `n` events of `run` on `partition`, numbered 1..n, signed as the producer signs them. */
  const run = async (name: string, partition: number, n: number): Promise<{ keys: string[]; events: TestEvent[] }> => {
    if (!ids) {
      const [m] = (await readTopicWindow(kafka, topic(), { count: 1000 })).filter((x) => x.value !== null);
      ids = { key: m.key!.readUInt32BE(1), value: m.value!.readUInt32BE(1) };
    }
    const parts: { id: string; enc: { key: Buffer; value: Buffer | null } }[] = [];
    while (parts.length < n) {
      const id = randomUUID();
      const enc = encodeRecord(person, ids.key, ids.value, sampleRecord(person, { id, is_military: true, full_name: `${name} ${parts.length + 1}` }), id, fields);
      if (home(enc.key) === partition) parts.push({ id, enc });
    }
    const events = signEvents(
      parts.map((p, i) => ({
        topic: topic(),
        ...p.enc,
        meta: personUpdateMeta(doc.id, { lsn: parseLsn('FFFF/0'), index: i }, { sequence: { run: name, seq: i + 1 } }),
      })),
      key,
    );
    return { keys: parts.map((p) => p.id), events };
  };
  const deliver = (events: TestEvent[], partition: number) =>
    raw.send({ topic: topic(), messages: events.map((e) => ({ key: e.key, value: e.value, headers: e.headers, partition })) });
  /** A watermark as the producer signs it (WatermarkEmitter), sent where the platform delivers it. */
  const watermark = (name: string, partitions: Watermark['partitions']) => {
    const value = encodeWatermark({
      ministry: 'cand',
      agreementId: doc.id,
      keyId: key.keyId,
      run: name,
      atUs: Date.now() * 1000,
      intervalMs: INTERVAL_MS,
      sourceEpoch: '1',
      lastCommitUs: Date.now() * 1000,
      partitions,
    });
    const [proof] = signBatch([watermarkDigest(wmTopic(), value)], key);
    return raw.send({ topic: wmTopic(), messages: [{ value, headers: { [WATERMARK_HEADER]: encodeWatermarkProof(proof.signature, proof.path) } }] });
  };
  const missingLine = (prefixText: string, name: string): Line | undefined => lines.find((l) => String(l.message).startsWith(prefixText) && l.run === name);

  beforeAll(async () => {
    doc = militaryPersonsSignedBy(`TTDL-G-${prefix}`, fields, key.keyId);
    policy = new AgreementPolicy(new AgreementHistory(doc).confirm(doc, FIRST), 'qdnd', contracts);
    fx = await ConsumerFixture.create({ source: 'gapsrc', receiver: 'gapdst' });
    fx.onClose(() => producer?.stop());
    fx.onClose(() => raw?.disconnect());
    dst = fx.dst;
    await fx.src.query(
      `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military) VALUES ('CAND', 'Đầu tiên', '1990-01-01', 'M', true), ('CAND', 'Thứ hai', '1990-01-01', 'M', true)`,
    );
    // The real producer makes the topics and schemas, publishes the first rows and keeps signing watermarks of its run.
    producer = testProducer(
      { pgUrl: fx.source.url, signingKeys: [key], agreements: async () => [policy.current], prefix, log, contracts },
      { partitions: 2, heartbeatMs: INTERVAL_MS },
    );
    await producer.start();
    raw = kafka.producer();
    await raw.connect();
    untap = tapLogLines((l) => lines.push(JSON.parse(l) as Line));
  });

  // A test that failed midway leaves no member behind to hold partitions of the next one.
  afterEach(async () => {
    for (const c of fx.consumers) await c.stop();
  });

  afterAll(async () => {
    untap();
    await fx?.close();
  });

  it('an event withheld while no consumer runs is a gap when the next one arrives after the restart', async () => {
    const first = consumer();
    await first.start();
    await waitFor('the producer’s rows applied', async () => ((await dst.query('SELECT 1 FROM partner_cand.person')).rowCount ?? 0) >= 2 || undefined);
    const { keys, events } = await run('aaaa000000000001', 0, 4);
    await deliver(events.slice(0, 2), 0);
    await waitFor('the first two applied', async () => (await held(keys[1])) === 'aaaa000000000001 2' || undefined);
    const stored = await waitFor('the partition’s state recorded with the chunk', async () => {
      const r = await dst.query<{ run: string; max_seq: string; kafka_offset: string }>(
        `SELECT run, max_seq::text AS max_seq, kafka_offset::text AS kafka_offset FROM partner_state.partition_sequence WHERE consumer_group = $1 AND topic = $2 AND kafka_partition = 0`,
        [first.groupId, topic()],
      );
      return r.rows[0]?.run === 'aaaa000000000001' ? r.rows[0] : undefined;
    });
    expect(stored.max_seq).toBe('2');
    // A state of an earlier offset (a member that lost the partition committing late) replaces nothing.
    await dst.query({
      ...PARTITION_SEQUENCE_UPSERT,
      values: partitionSequenceParams(first.groupId, doc.id, [{ topic: topic(), partition: 0, run: 'stale', seq: 1, max: 1, commitUs: 0, offset: '0', earlier: [] }]),
    });
    expect(
      (await dst.query<{ run: string }>('SELECT run FROM partner_state.partition_sequence WHERE consumer_group = $1 AND kafka_partition = 0', [first.groupId])).rows[0].run,
    ).toBe('aaaa000000000001');
    await first.stop();

    // The platform withholds number 3 while no consumer runs; number 4 follows.
    const gapsBefore = await metric('thahs_apply_event_gaps_total', { partition: '0' });
    await deliver(events.slice(3), 0);
    const second = consumer();
    await second.start();
    await waitFor('number 4 applied by the new process', async () => (await held(keys[3])) === 'aaaa000000000001 4' || undefined);
    await waitFor('the gap alarmed', async () => (await metric('thahs_apply_event_gaps_total', { partition: '0' })) > gapsBefore || undefined, 10_000);
    expect(await metric('thahs_apply_event_gaps_total', { partition: '0' })).toBe(gapsBefore + 1);
    expect(missingLine('events missing from a partition', 'aaaa000000000001')).toMatchObject({ partition: 0, missingFrom: 3, missingTo: 3, missing: 1 });
    expect(missingLine('events missing from a partition', 'aaaa000000000001')?.beforeTakenBy).toBeDefined();
    expect(metricAlarms(parsePrometheusText(await metricsRegistry.metrics())).some((a) => a.code === 'gap' && a.agreementId === doc.id)).toBe(true);
    await second.stop();
  });

  it('an event withheld at the end of a partition across a restart is alarmed from the next watermark, naming its key', async () => {
    // From here the run below is the provider's only publisher, and the only one signing watermarks.
    await producer.stop();
    const before = consumer();
    await before.start();
    const { keys, events } = await run('bbbb000000000002', 1, 3);
    await deliver(events.slice(0, 2), 1);
    await waitFor('the first two applied', async () => (await held(keys[1])) === 'bbbb000000000002 2' || undefined);
    await before.stop();

    // Number 3 is withheld and nothing follows on the partition: only the provider's watermark tells.
    const gapsBefore = await metric('thahs_apply_event_gaps_total', { partition: '1' });
    const after = consumer();
    await after.start();
    // Sent every half second, as the producer does, until one reaches the partition's new holder (its
    // watermark reader joins from the latest offset, and a watermark before the assignment is not its to check).
    const alarmed = waitFor('the gap alarmed', async () => (await metric('thahs_apply_event_gaps_total', { partition: '1' })) > gapsBefore || undefined, 15_000);
    let done = false;
    void alarmed.finally(() => (done = true)).catch(() => undefined);
    while (!done) {
      await watermark('bbbb000000000002', [{ topic: topic(), partition: 1, seq: 3, tail: keys.map((id, i) => [i + 1, id] as const) }]);
      await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
    await alarmed;
    expect(await metric('thahs_apply_event_gaps_total', { partition: '1' })).toBe(gapsBefore + 1);
    expect(missingLine('events missing at the end of a partition', 'bbbb000000000002')).toMatchObject({
      partition: 1,
      missingFrom: 3,
      missingTo: 3,
      keys: [keys[2]],
      keysUnknown: 0,
    });
    expect(after.healthy()).toBe(true);
    await after.stop();
  });

  it('an event withheld while a partition moves to another member in a rebalance is a gap for its new holder', async () => {
    const a = consumer();
    await a.start();
    const { keys, events } = await run('cccc000000000003', 0, 3);
    await deliver(events.slice(0, 1), 0);
    await waitFor('number 1 applied', async () => (await held(keys[0])) === 'cccc000000000003 1' || undefined);
    // A second member joins: the partitions are shared out, partition 0 to either member.
    const b = consumer();
    await b.start();
    await new Promise((r) => setTimeout(r, 3000));
    const gapsBefore = await metric('thahs_apply_event_gaps_total', { partition: '0' });
    // The first member leaves: b holds every partition; number 2 is withheld meanwhile, number 3 follows.
    await a.stop();
    await deliver(events.slice(2), 0);
    await waitFor('number 3 applied by the remaining member', async () => (await held(keys[2])) === 'cccc000000000003 3' || undefined, 60_000);
    await waitFor('the gap alarmed', async () => (await metric('thahs_apply_event_gaps_total', { partition: '0' })) > gapsBefore || undefined, 10_000);
    expect(await metric('thahs_apply_event_gaps_total', { partition: '0' })).toBe(gapsBefore + 1);
    expect(missingLine('events missing from a partition', 'cccc000000000003')).toMatchObject({ partition: 0, missingFrom: 2, missingTo: 2, missing: 1 });
    expect(b.healthy()).toBe(true);
  });
});
