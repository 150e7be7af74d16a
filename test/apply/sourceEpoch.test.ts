import { generateKeyPairSync, randomUUID } from 'crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { parseLsn } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { murmur2 } from '../../libs/kafka/keyPartitioner';
import { createLogger } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { migrate } from '../../libs/model';
import { parsePrometheusText, sumSamples } from '../../libs/ops/prometheusText';
import { metricAlarms } from '../../libs/status';
import { PublicKeyRing, SigningKey } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { encodeRecord, sampleRecord, signEvents } from '../../services/apply-consumer/__fixtures__/signedEvents';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { testProducer } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { exampleAgreement } from '../support/testAgreements';
import { waitFor } from '../support/waitFor';

/**
 * Issue 14, defect 7: the provider's database restored onto another PostgreSQL cluster. Its LSNs start
 * again far below the ones the partner store holds; before positions carried the source epoch, every
 * later change was skipped as stale, silently. The real producer publishes under the real cluster's
 * system identifier; the "restored" cluster's events are signed here with the provider's key under
 * another system identifier and low LSNs, as its producer would publish them.
 */
const config = loadConfig();
const contracts = loadContracts();
const person = contracts.get('person');
const prefix = `e${randomUUID().slice(0, 8)}`;
const log = createLogger('epoch-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'epoch-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };
const RESTORED_EPOCH = '7000000000000000042';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key: SigningKey = { keyId: 'cand-c10-epoch', privateKey, publicKey };
const ring = new PublicKeyRing();
ring.add(key.keyId, key.publicKey);

describe('a provider restored onto another cluster (source epoch)', () => {
  let source: ScratchDatabase;
  let receiver: ScratchDatabase;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  let consumer: ApplyConsumer;
  let raw: Producer;
  let doc: AgreementDocument;
  let realEpoch: string;
  const fields = ['id', 'ministry', 'full_name', 'is_military'];
  const topic = (): string => agreementTopic(prefix, 'cand', doc.id, 'person');
  const home = (k: Buffer): number => (murmur2(k) & 0x7fffffff) % 2;

  const soldier = async (name: string): Promise<string> =>
    (await src.query<{ id: string }>(`INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military) VALUES ('CAND', $1, '1990-01-01', 'M', true) RETURNING id::text AS id`, [name])).rows[0].id;
  const held = async (id: string): Promise<string | undefined> => (await dst.query<{ full_name: string }>('SELECT full_name FROM partner_cand.person WHERE id = $1', [id])).rows[0]?.full_name;
  const epochChanges = async (): Promise<number> => sumSamples(parsePrometheusText(await metricsRegistry.metrics()), 'thahs_apply_source_epoch_changes_total', { agreement: doc.id }) ?? 0;

  /** Publishes a signed change of `id` as the provider's producer would, under `epoch` at `lsn`. */
  let ids: { key: number; value: number } | undefined;
  const encode = async (id: string, name: string): Promise<{ key: Buffer; value: Buffer | null }> => {
    if (!ids) {
      const [m] = (await readTopicWindow(kafka, topic(), { count: 1000 })).filter((x) => x.value !== null);
      ids = { key: m.key!.readUInt32BE(1), value: m.value!.readUInt32BE(1) };
    }
    return encodeRecord(person, ids.key, ids.value, sampleRecord(person, { id, is_military: true, full_name: name }), id, fields);
  };
  async function publish(id: string, name: string, epoch: string, lsn: string): Promise<void> {
    const { key: k, value } = await encode(id, name);
    const [e] = signEvents(
      [{ topic: topic(), key: k, value, meta: { op: 'u', position: { lsn: parseLsn(lsn), index: 0 }, xid: 1, commitTs: Date.now() * 1000, ministry: 'cand', entity: 'person', agreementId: doc.id, agreementVersion: 1, sourceEpoch: epoch } }],
      key,
    );
    await raw.send({ topic: topic(), messages: [{ key: e.key, value: e.value, headers: e.headers, partition: home(e.key) }] });
  }

  beforeAll(async () => {
    const base = exampleAgreement('cand-to-qdnd');
    doc = {
      ...base,
      id: `TTDL-E-${prefix}`,
      data: { entities: [{ entity: 'person', fields, filter: { field: 'is_military', op: 'eq', value: true } }] },
      security: { ...base.security, keys: base.security.keys.map((k) => (k.party === base.parties.provider.id ? { ...k, keyIds: [key.keyId] } : k)) },
    };
    const policy = new AgreementPolicy(new AgreementHistory(doc).confirm(doc, FIRST), 'qdnd', contracts);
    source = await ScratchDatabase.create(config.candPgUrl, 'epochsrc');
    receiver = await ScratchDatabase.create(config.qdndPgUrl, 'epochdst');
    await migrate(source.url, 'cand');
    await migrate(receiver.url, 'qdnd');
    src = new Client({ connectionString: source.url });
    dst = new Client({ connectionString: receiver.url });
    for (const c of [src, dst]) await c.connect();
    realEpoch = (await src.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')).rows[0].id;
    await soldier('Trước khôi phục');
    producer = testProducer({ pgUrl: source.url, signingKeys: [key], agreements: async () => [policy.current], prefix, log, contracts }, { partitions: 2, heartbeatMs: 300 });
    await producer.start();
    raw = kafka.producer();
    await raw.connect();
    consumer = new ApplyConsumer({
      receiver: 'qdnd',
      provider: 'cand',
      agreementId: doc.id,
      entities: ['person'],
      policy,
      contracts,
      providerKeys: ring,
      pgUrl: receiver.url,
      kafkaBrokers: config.kafkaBrokers,
      registryUrl: config.registryUrl,
      log,
      topicPrefix: prefix,
    });
    await consumer.start();
    await waitFor('the first row applied', async () => ((await dst.query('SELECT 1 FROM partner_cand.person')).rowCount ?? 0) > 0 || undefined);
  });

  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    await producer?.stop().catch(() => undefined);
    await raw?.disconnect().catch(() => undefined);
    await src?.end().catch(() => undefined);
    await dst?.end().catch(() => undefined);
    await source?.drop().catch(() => undefined);
    await receiver?.drop().catch(() => undefined);
  });

  it('applies the restored cluster’s changes despite their lower LSNs, alarms once, and refuses the old cluster’s replays over them', async () => {
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
    const epochs = await dst.query<{ epoch: string; ordinal: number }>('SELECT epoch, ordinal FROM partner_state.source_epoch WHERE partner_schema = $1 ORDER BY ordinal', ['partner_cand']);
    expect(epochs.rows).toEqual([
      { epoch: realEpoch, ordinal: 0 },
      { epoch: RESTORED_EPOCH, ordinal: 1 },
    ]);

    // A replay of the old cluster at a huge LSN is older than anything of the new one: skipped. A marker
    // of the new epoch on the same partition, after it, tells when it has been looked at.
    await publish(id, 'Bản cũ phát lại', realEpoch, 'FFFF/0');
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
