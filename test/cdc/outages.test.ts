import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { compileEntityShare, type AgreementDocument, type CompiledEntityShare } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { PublicKeyRing } from '../../libs/signing';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import { cdcMetrics } from '../../services/cdc-producer/cdcMetrics';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { confirmedHistory, keyOf } from '../support/agreementHistory';
import { heldRows, sharedRows, updateLogViolations } from '../support/partnerView';
import { PersonWorkload } from '../support/personWorkload';
import { PrivateBroker } from '../support/privateBroker';
import { ProducerFixture } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { TcpProxy } from '../support/tcpProxy';
import { exampleAgreement } from '../support/testAgreements';
import { describeLong } from '../support/longTests';
import { sleep, waitFor } from '../support/waitFor';

/**
 * Issue 14 item 13: the pipeline rides out the loss of each of its servers with a workload running —
 * a Kafka broker killed -9 for more than a minute, the source database, the receiver's database and
 * the registry cut — and, each time, the partner store comes to equal the projection and filter of the
 * source with no dead letter and every change logged once and in order. Kafka is a private broker (the
 * shared one is everyone's); the databases and the registry are the shared stack's, reached through
 * loopback proxies the test cuts. The writer always writes to the source directly, so changes keep
 * coming while a server is away.
 *
 * Plain profile only: the private broker has no TLS or SASL. test/secure/failures.test.ts kills a
 * broker of the secure cluster.
 */
const config = loadConfig();
const contracts = loadContracts();
const log = createLogger('outages-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const KAFKA_OUTAGE_MS = 65_000;
const PG_OUTAGE_MS = 20_000;
const REGISTRY_OUTAGE_MS = 20_000;
const RECOVERY_MS = 180_000;

// Long (THAHS_LONG_TESTS=on, see longTests.ts); the private broker has no TLS, so never in the secure profile.
const suite = config.stackProfile === 'secure' ? describe.skip : describeLong;

const restarts = async (): Promise<number> => (await cdcMetrics.restarts.get()).values.filter((v) => v.labels.ministry === 'cand').reduce((n, v) => n + v.value, 0);

suite('the pipeline rides out the loss of its servers (issue 14 item 13)', () => {
  let fx: ProducerFixture;
  let broker: PrivateBroker;
  let sourceProxy: TcpProxy;
  let receiverProxy: TcpProxy;
  let registryProxy: TcpProxy;
  let receiver: ScratchDatabase;
  let dst: Client;
  let producer: CdcProducer;
  let consumer: ApplyConsumer;
  let policy: AgreementPolicy;
  let share: CompiledEntityShare;
  let workload: PersonWorkload;
  const ring = new PublicKeyRing();
  const figures: string[] = [];

  const newConsumer = (): ApplyConsumer =>
    new ApplyConsumer({
      receiver: 'qdnd',
      provider: 'cand',
      agreementId: fx.agreement.id,
      entities: ['person'],
      policy,
      contracts,
      providerKeys: ring,
      pgUrl: receiverProxy.rewrite(receiver.url),
      kafkaBrokers: [broker.bootstrap],
      registryUrl: registryProxy.rewrite(config.registryUrl),
      log,
      topicPrefix: fx.prefix,
      applyBatchSize: 200,
    });

  const converged = async (): Promise<boolean> => JSON.stringify(await sharedRows(fx.sql, share)) === JSON.stringify(await heldRows(dst, 'partner_cand', 'person', share.fields));

  /**
   * Cuts a server for `ms` with the writer running, gives it back, stops the writer, and waits for the
   * partner store to equal the source. Returns the changes written while the server was away.
   */
  async function outage(name: string, ms: number, cut: () => Promise<void> | void, restore: () => Promise<void> | void): Promise<number> {
    workload.resume();
    await sleep(1000);
    const before = workload.changes;
    const t0 = Date.now();
    await cut();
    await sleep(ms);
    await restore();
    const restoredAt = Date.now();
    await workload.pause();
    const during = workload.changes - before;
    await waitFor(`the partner store to match the source after the ${name} outage`, async () => (await converged()) || undefined, RECOVERY_MS, 500);
    figures.push(
      `${name}: away ${Math.round((restoredAt - t0) / 1000)} s, ${during} source changes meanwhile, converged ${((Date.now() - restoredAt) / 1000).toFixed(1)} s after the return`,
    );
    return during;
  }

  async function expectExactlyOnce(): Promise<void> {
    expect(await heldRows(dst, 'partner_cand', 'person', share.fields)).toEqual(await sharedRows(fx.sql, share));
    expect((await dst.query('SELECT reason, detail FROM partner_state.dead_letter')).rows).toEqual([]);
    expect(await updateLogViolations(dst)).toEqual([]);
    expect((await dst.query('SELECT event_id FROM partner_state.update_log GROUP BY event_id HAVING count(*) > 1')).rows).toEqual([]);
  }

  beforeAll(async () => {
    const base = exampleAgreement('cand-to-qdnd');
    const doc: AgreementDocument = {
      ...base,
      id: 'TTDL-OUTAGE',
      data: { entities: [{ entity: 'person', fields: ['id', 'ministry', 'full_name', 'is_military', 'occupation'], filter: { field: 'is_military', op: 'eq', value: true } }] },
    };
    share = compileEntityShare(doc.data.entities[0], contracts.get('person'));
    [broker, fx, receiver] = await Promise.all([PrivateBroker.start('outages'), ProducerFixture.create('outage', doc), ScratchDatabase.create(config.qdndPgUrl, 'outagedst')]);
    await migrate(receiver.url, 'qdnd');
    dst = new Client({ connectionString: receiver.url });
    await dst.connect();
    for (const c of [fx.sql, dst]) await c.query("SET TimeZone = 'UTC'");
    const host = (url: string): [string, number] => [new URL(url).hostname, Number(new URL(url).port)];
    sourceProxy = await TcpProxy.start(...host(fx.db.url));
    receiverProxy = await TcpProxy.start(...host(receiver.url));
    registryProxy = await TcpProxy.start(...host(config.registryUrl));
    const providerKey = keyOf(doc, doc.parties.provider.id, fx.keys);
    ring.add(providerKey.keyId, providerKey.publicKeyPem);
    policy = new AgreementPolicy(confirmedHistory(doc, fx.keys).state, 'qdnd', contracts);
    workload = new PersonWorkload(fx.sql);

    producer = fx.producer({
      log,
      pgUrl: sourceProxy.rewrite(fx.db.url),
      kafkaBrokers: [broker.bootstrap],
      registryUrl: registryProxy.rewrite(config.registryUrl),
      partitions: 2,
      heartbeatMs: 500,
    });
    await producer.start();
    const kafka = new Kafka({ clientId: 'outages-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await waitFor('the agreement topic', async () => (await admin.listTopics()).includes(fx.topic('person')) || undefined);
    await admin.disconnect();
    consumer = newConsumer();
    await consumer.start();
    workload.resume();
    await waitFor('the first rows in the partner store', async () => (await heldRows(dst, 'partner_cand', 'person', share.fields)).length > 5 || undefined);
    await workload.pause();
    await waitFor('the partner store to match the source before any outage', async () => (await converged()) || undefined, RECOVERY_MS, 500);
  }, 300_000);

  afterAll(async () => {
    process.stderr.write(`[outages] ${figures.join('; ')}\n`);
    await workload?.pause();
    await consumer?.stop().catch(() => undefined);
    await fx?.close().catch(() => undefined);
    await dst?.end().catch(() => undefined);
    await receiver?.drop().catch(() => undefined);
    for (const p of [sourceProxy, receiverProxy, registryProxy]) await p?.stop();
    await broker?.stop().catch(() => undefined);
  }, 120_000);

  it('Kafka killed -9 for more than a minute, then restarted', async () => {
    const before = await restarts();
    const during = await outage(
      'kafka kill -9',
      KAFKA_OUTAGE_MS,
      () => broker.kill(),
      () => broker.restart(),
    );
    expect(during).toBeGreaterThan(100);
    expect(await restarts()).toBeGreaterThan(before);
    expect(producer.healthy()).toBe(true);
    expect(consumer.healthy()).toBe(true);
    await expectExactlyOnce();
  }, 400_000);

  it('the source database cut', async () => {
    const before = await restarts();
    await outage(
      'source PostgreSQL cut',
      PG_OUTAGE_MS,
      () => sourceProxy.cut(),
      () => sourceProxy.restore(),
    );
    expect(sourceProxy.refused).toBeGreaterThan(0);
    expect(await restarts()).toBeGreaterThan(before);
    expect(producer.healthy()).toBe(true);
    await expectExactlyOnce();
  }, 300_000);

  it("the receiver's database cut", async () => {
    await outage(
      'receiver PostgreSQL cut',
      PG_OUTAGE_MS,
      () => receiverProxy.cut(),
      () => receiverProxy.restore(),
    );
    expect(receiverProxy.refused).toBeGreaterThan(0);
    expect(consumer.healthy()).toBe(true);
    await expectExactlyOnce();
  }, 300_000);

  it('the registry cut while a fresh consumer starts', async () => {
    const refusedBefore = registryProxy.refused;
    await outage(
      'registry cut',
      REGISTRY_OUTAGE_MS,
      async () => {
        registryProxy.cut();
        // A running consumer holds the schemas it looked up; a fresh one (a restart, a new member) has
        // none and must wait for the registry, never dead-letter. The producer asks the registry each
        // time it reads the agreements, and keeps its plan while it cannot.
        await consumer.stop();
        consumer = newConsumer();
        await consumer.start();
      },
      () => registryProxy.restore(),
    );
    expect(registryProxy.refused).toBeGreaterThan(refusedBefore);
    expect(producer.healthy()).toBe(true);
    expect(consumer.healthy()).toBe(true);
    await expectExactlyOnce();
  }, 300_000);
});
