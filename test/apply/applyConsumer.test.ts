import * as path from 'path';
import { generateKeyPairSync, randomUUID } from 'crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { compileEntityShare, loadAgreementFile, type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { AVRO_FOR_SCHEMA_OPTIONS } from '../../libs/contracts/avroType';
import { agreementTopic, dlqTopic } from '../../libs/contracts/agreementTopics';
import { murmur2 } from '../../libs/kafka/keyPartitioner';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { H, headerBytes, headerText, parseLsn } from '../../libs/events';
import { createLogger } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { recordAccess } from '../../libs/partner-store';
import { PublicKeyRing, SigningKey } from '../../libs/signing';
import { confirmedAgreement } from '../../services/apply-consumer/__fixtures__/confirmedAgreement';
import { encodeRecord, sampleRecord, signEvents, TestEvent, wire } from '../../services/apply-consumer/__fixtures__/signedEvents';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer, ApplyConsumerOptions } from '../../services/apply-consumer/applyConsumer';
import { DLQ_HEADERS } from '../../services/apply-consumer/deadLetterMessage';
import { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { ConsumerFixture } from '../support/consumerFixture';
import { testProducer } from '../support/producerFixture';
import { waitFor } from '../support/waitFor';
import { readTopics } from '../support/topicReader';

/**
 * The second half of the pipeline on the real stack: a cand database streams through the CDC producer
 * to Kafka, and the apply consumer writes the qdnd partner store under the real cand → qdnd agreement
 * document (confirmed by a signed history built here).
 */
const config = loadConfig();
const contracts = loadContracts();
const prefix = `t${randomUUID().slice(0, 8)}`;
const log = createLogger('apply-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'apply-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const registry = new SchemaRegistry({ host: config.registryUrl }, { AVRO: AVRO_FOR_SCHEMA_OPTIONS });
const ENTITIES = ['enforcement_case', 'judgment', 'person'];

function signingKey(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}
// The agreement lists cand-c10-2025 as the provider's key: the producer signs with it.
const producerKey = signingKey('cand-c10-2025');
const ring = new PublicKeyRing();
ring.add(producerKey.keyId, producerKey.publicKey);

describe('apply consumer on the real stack', () => {
  let fx: ConsumerFixture;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  let doc: AgreementDocument;
  let policy: AgreementPolicy;
  const topic = (entity: string): string => agreementTopic(prefix, 'cand', doc.id, entity);
  let raw: Producer;
  let courtId: string;

  const consumerFor = (o: Partial<ApplyConsumerOptions> = {}): ApplyConsumer => {
    return fx.consumer({ agreementId: doc.id, entities: ENTITIES, policy, providerKeys: ring, prefix, log, contracts }, { applyBatchSize: 50, ...o });
  };

  /** The provider's rows as the agreement shares them: same field list, same filter, as SQL on the source. */
  async function expected(entity: string): Promise<string[]> {
    const share = compileEntityShare(
      doc.data.entities.find((e) => e.entity === entity)!,
      contracts.get(entity),
    );
    const where = share.whereSql(1);
    const cols = share.fields.map((f) => `"${f}"`).join(', ');
    const r = await src.query<{ j: string }>(
      `SELECT row_to_json(t)::text AS j FROM (SELECT ${cols} FROM thahs."${entity}" WHERE ${where.sql}) t ORDER BY t.id`,
      where.params as unknown[],
    );
    return r.rows.map((x) => x.j);
  }

  async function held(entity: string, db: Client = dst): Promise<string[]> {
    const share = compileEntityShare(
      doc.data.entities.find((e) => e.entity === entity)!,
      contracts.get(entity),
    );
    const exists = await db.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`partner_cand.${entity}`]);
    if (!exists.rows[0].t) return [];
    const cols = share.fields.map((f) => `"${f}"`).join(', ');
    const r = await db.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM (SELECT ${cols} FROM partner_cand."${entity}") t ORDER BY t.id`);
    return r.rows.map((x) => x.j);
  }

  async function converged(): Promise<boolean> {
    for (const e of ['person', 'judgment']) {
      const [want, got] = [await expected(e), await held(e)];
      if (JSON.stringify(want) !== JSON.stringify(got)) return false;
    }
    return true;
  }

  async function topicTotal(): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      let n = 0;
      for (const e of ENTITIES) for (const p of await admin.fetchTopicOffsets(topic(e))) n += Number(p.high) - Number(p.low);
      return n;
    } finally {
      await admin.disconnect();
    }
  }

  const insertPerson = async (military: boolean, name = 'Nguyễn Văn An'): Promise<string> => {
    const r = await src.query<{ id: string }>(
      `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military, military_rank) VALUES ('CAND', $1, '1990-05-01', 'M', $2, $3) RETURNING id`,
      [name, military, military ? 'Thượng úy' : null],
    );
    return r.rows[0].id;
  };
  const insertJudgment = async (date: string, no: string): Promise<string> => {
    const r = await src.query<{ id: string }>(
      `INSERT INTO thahs.judgment (ministry, judgment_no, judgment_date, court_id, instance, effective_date, civil_obligation_vnd) VALUES ('CAND', $1, $2, $3, 'SO_THAM', $2, 15000000) RETURNING id`,
      [no, date, courtId],
    );
    return r.rows[0].id;
  };

  beforeAll(async () => {
    doc = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
    policy = new AgreementPolicy(confirmedAgreement(doc).state, 'qdnd', contracts);
    fx = await ConsumerFixture.create({ source: 'applysrc', receiver: 'applydst', utc: true });
    fx.onClose(() => producer?.stop());
    fx.onClose(() => raw?.disconnect());
    ({ src, dst } = fx);
    courtId = (
      await src.query<{ id: string }>(
        `INSERT INTO thahs.court (ministry, court_code, name, court_kind) VALUES ('CAND', 'TAND-HN', 'Tòa án nhân dân thành phố Hà Nội', 'TAND_TINH') RETURNING id`,
      )
    ).rows[0].id;
    raw = kafka.producer();
    await raw.connect();
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('1. mixed workload: the partner store equals the projection and filter of the provider data', async () => {
    // rows present before the producer starts arrive through its snapshot
    const early = [await insertPerson(true), await insertPerson(false), await insertPerson(true)];
    const earlyJudgment = await insertJudgment('2010-03-01', '1/2010/HS-ST');
    const state = policy.current;
    producer = testProducer({ pgUrl: fx.source.url, signingKeys: [producerKey], agreements: async () => [state], prefix, log, contracts }, { partitions: 2, heartbeatMs: 500 });
    await producer.start();
    const consumer = consumerFor();
    await consumer.start();

    const military: string[] = [];
    const civilian: string[] = [];
    for (let i = 0; i < 24; i++) (i % 2 === 0 ? military : civilian).push(await insertPerson(i % 2 === 0, `Người thứ ${i}`));
    // one transaction, many changes sharing a commit LSN: rows move in and out of the filter together
    await src.query('BEGIN');
    await src.query(`UPDATE thahs.person SET is_military = NOT is_military WHERE id = ANY($1)`, [[military[0], military[1], civilian[0], civilian[1], early[1]]]);
    await src.query(`UPDATE thahs.person SET occupation = 'Lái xe', full_name = full_name || ' (đã sửa)' WHERE id = ANY($1)`, [[military[2], military[3], civilian[2]]]);
    await src.query('COMMIT');
    // out, then back in: the final state must be present
    await src.query(`UPDATE thahs.person SET is_military = false WHERE id = $1`, [military[4]]);
    await src.query(`UPDATE thahs.person SET is_military = true, military_rank = 'Đại úy' WHERE id = $1`, [military[4]]);
    // in, then out: must be gone
    await src.query(`UPDATE thahs.person SET is_military = true WHERE id = $1`, [civilian[3]]);
    await src.query(`UPDATE thahs.person SET is_military = false WHERE id = $1`, [civilian[3]]);
    await src.query(`DELETE FROM thahs.person WHERE id = ANY($1)`, [[military[5], civilian[4], early[0]]]);
    // deleted, then the same key comes back later (a newer position than the tombstone)
    await src.query(`DELETE FROM thahs.person WHERE id = $1`, [military[6]]);
    await src.query(`INSERT INTO thahs.person (id, ministry, full_name, date_of_birth, sex, is_military) VALUES ($1, 'CAND', 'Trở lại', '1985-01-02', 'F', true)`, [military[6]]);

    const j1 = await insertJudgment('2016-05-01', '5/2016/HS-ST');
    const j2 = await insertJudgment('2014-12-31', '9/2014/HS-ST');
    await insertJudgment('2020-02-29', '2/2020/HS-PT');
    await src.query(`UPDATE thahs.judgment SET judgment_date = '2015-01-01', effective_date = '2015-01-01' WHERE id = $1`, [j2]);
    await src.query(`UPDATE thahs.judgment SET judgment_date = '2014-01-01', effective_date = '2014-01-01' WHERE id = $1`, [j1]);
    await src.query(`UPDATE thahs.judgment SET civil_obligation_vnd = 0 WHERE id = $1`, [earlyJudgment]);

    await waitFor('the partner store to match the provider data', async () => (await converged()) || undefined);
    expect((await expected('person')).length).toBeGreaterThan(10);
    expect((await expected('judgment')).length).toBe(2);
    expect(await held('person')).toEqual(await expected('person'));
    expect(await held('judgment')).toEqual(await expected('judgment'));

    // only the agreed columns exist; metadata says where each row came from
    const cols = await dst.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'partner_cand' AND table_name = 'person' ORDER BY column_name`,
    );
    const personShare = doc.data.entities.find((e) => e.entity === 'person')!;
    expect(cols.rows.map((r) => r.column_name).sort()).toEqual(
      [...personShare.fields, '_agreement_id', '_agreement_version', '_applied_at', '_commit_ts', '_source_index', '_source_lsn'].sort(),
    );
    const meta = await dst.query(`SELECT DISTINCT _agreement_id, _agreement_version FROM partner_cand.person`);
    expect(meta.rows).toEqual([{ _agreement_id: doc.id, _agreement_version: 1 }]);
    // tombstones remember what left; the receiver's own schema is untouched (Art. 3.2)
    const tomb = await dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_cand._tombstone WHERE entity = 'person' AND id = ANY($1)`, [
      [military[5], civilian[3], military[0]],
    ]);
    expect(tomb.rows[0].n).toBe('3');
    const own = await dst.query<{ n: string }>(`SELECT (SELECT count(*) FROM thahs.person) + (SELECT count(*) FROM thahs.judgment) AS n`);
    expect(Number(own.rows[0].n)).toBe(0);
    // A delete of a row the store holds is logged as one; a delete folded into the same batch as the
    // row's insert leaves nothing to delete, so make one that cannot be folded.
    await src.query(`DELETE FROM thahs.person WHERE id = $1`, [military[2]]);
    await waitFor('the held row to be deleted', async () => (await dst.query(`SELECT 1 FROM partner_cand.person WHERE id = $1`, [military[2]])).rowCount === 0 || undefined);
    const log1 = await dst.query<{ action: string; n: string }>(`SELECT action, count(*)::text AS n FROM partner_state.update_log GROUP BY action ORDER BY action`);
    expect(log1.rows.map((r) => r.action)).toEqual(['delete', 'upsert']);
    expect(consumer.stats().applied).toBeGreaterThan(0);
    expect(consumer.healthy()).toBe(true);

    // offsets are committed once the store has committed: the group reaches the end of every partition
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor('committed offsets at the end of the topics', async () => {
        for (const e of ENTITIES) {
          const ends = await admin.fetchTopicOffsets(topic(e));
          const [committed] = await admin.fetchOffsets({ groupId: consumer.groupId, topics: [topic(e)] });
          for (const end of ends) {
            if (end.high === '0') continue;
            const c = committed.partitions.find((p) => p.partition === end.partition);
            if (c?.offset !== end.high) return false;
          }
        }
        return true;
      });
    } finally {
      await admin.disconnect();
    }
    const metrics = await metricsRegistry.getSingleMetricAsString('thahs_apply_applied_total');
    expect(metrics).toMatch(new RegExp(`thahs_apply_applied_total\\{receiver="qdnd",provider="cand",entity="person",agreement="${doc.id}",action="upsert"\\} \\d+`));
    expect(await metricsRegistry.getSingleMetricAsString('thahs_apply_latency_seconds')).toMatch(
      /thahs_apply_latency_seconds_count\{receiver="qdnd",provider="cand",entity="person"\} [1-9]/,
    );
  });

  it('3. no agreement in force: nothing is applied, every event is counted withheld', async () => {
    const other = await fx.scratchDatabase('applynone');
    const total = await topicTotal();
    const none = consumerFor({ pgUrl: other.url, policy: { resolve: () => null }, groupId: `${prefix}-none` });
    await none.start();
    await waitFor('every event to be seen', async () => none.stats().received >= total || undefined);
    await none.stop();
    const s = none.stats();
    expect(s.withheld).toBe(s.received);
    expect(s.applied).toBe(0);
    const c = new Client({ connectionString: other.url });
    await c.connect();
    try {
      const tables = await c.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'partner_cand' ORDER BY 1`);
      expect(tables.rows.map((r) => r.table_name)).toEqual(['_tombstone']);
      expect((await c.query(`SELECT * FROM partner_state.update_log`)).rowCount).toBe(0);
      expect((await c.query(`SELECT * FROM partner_cand._tombstone`)).rowCount).toBe(0);
    } finally {
      await c.end();
    }
    expect(await metricsRegistry.getSingleMetricAsString('thahs_apply_withheld_total')).toMatch(new RegExp(`agreement="${doc.id}"\\} [1-9]`));
  });

  it('2. forged, altered, undecodable, wrong-schema and unstorable events go to the DLQ while the events around them are applied', async () => {
    const before = [await insertPerson(true, 'Trước'), await insertPerson(true, 'Trước 2')];
    await waitFor('the events before the poison', async () => (await converged()) || undefined);

    const personKeyId = await registry.getLatestSchemaId(`${topic('person')}-key`);
    const personValueId = await registry.getLatestSchemaId(`${topic('person')}-value`);
    const judgmentValueId = await registry.getLatestSchemaId(`${topic('judgment')}-value`);
    const person = contracts.get('person');
    const metaFor = (index: number) => ({
      op: 'u' as const,
      position: { lsn: parseLsn('0/10'), index },
      xid: 1,
      commitTs: Date.now() * 1000,
      ministry: 'cand',
      entity: 'person',
      agreementId: doc.id,
      agreementVersion: 1,
      sourceEpoch: '1',
    });
    const id = () => randomUUID();
    const personFields = doc.data.entities.find((e) => e.entity === 'person')!.fields;
    const valid = (i: string) => encodeRecord(person, personKeyId, personValueId, sampleRecord(person, { id: i, is_military: true }), i, personFields);

    const forgedId = id();
    const [forged] = signEvents([{ topic: topic('person'), ...valid(forgedId), meta: metaFor(1) }], signingKey('cand-forged-2025'));
    const [real] = (await readTopics(kafka, [topic('person')], (m) => m.some((x) => x.value !== null))).filter((m) => m.value !== null);
    const alteredValue = Buffer.from(real.value!);
    alteredValue[alteredValue.length - 1] ^= 1;
    const altered: TestEvent = { topic: real.topic, key: real.key!, value: alteredValue, headers: real.headers };
    const garbageId = id();
    const [undecodable] = signEvents(
      [{ topic: topic('person'), key: valid(garbageId).key, value: wire(personValueId, Buffer.from('garbage, not avro')), meta: metaFor(2) }],
      producerKey,
    );
    const wrongId = id();
    const judgmentFields = doc.data.entities.find((e) => e.entity === 'judgment')!.fields;
    const judgmentValue = encodeRecord(
      contracts.get('judgment'),
      personKeyId,
      judgmentValueId,
      sampleRecord(contracts.get('judgment'), { id: wrongId }),
      wrongId,
      judgmentFields,
    ).value;
    const [wrongSchema] = signEvents([{ topic: topic('person'), key: valid(wrongId).key, value: judgmentValue, meta: metaFor(3) }], producerKey);
    // authentic and well-formed, but a date no column can hold: the store refuses it, the batch is split until it stands alone
    const farId = id();
    const far = encodeRecord(person, personKeyId, personValueId, sampleRecord(person, { id: farId, is_military: true, date_of_birth: 2_147_483_000 }), farId, personFields);
    const [unstorable] = signEvents([{ topic: topic('person'), ...far, meta: metaFor(4) }], producerKey);
    const poison = [forged, altered, undecodable, wrongSchema, unstorable];
    // twice, each in its key's partition, between valid events
    const home = (key: Buffer): number => (murmur2(key) & 0x7fffffff) % 2;
    await raw.send({ topic: topic('person'), messages: poison.map((p) => ({ key: p.key, value: p.value, headers: p.headers, partition: home(p.key) })) });
    await raw.send({ topic: topic('person'), messages: poison.map((p) => ({ key: p.key, value: p.value, headers: p.headers, partition: home(p.key) })) });
    // an authentic event copied into the partition its key does not belong to (it could overtake the key's delete there)
    await raw.send({ topic: topic('person'), messages: [{ key: real.key, value: real.value, headers: real.headers, partition: (home(real.key!) + 1) % 2 }] });
    const after = [await insertPerson(true, 'Sau'), await insertPerson(true, 'Sau 2'), await insertPerson(false, 'Sau 3')];

    await waitFor('the events after the poison', async () => (await converged()) || undefined);
    const ids = (await held('person')).map((j) => (JSON.parse(j) as { id: string }).id);
    for (const x of [...before, after[0], after[1]]) expect(ids).toContain(x);
    for (const x of [forgedId, garbageId, wrongId, farId]) expect(ids).not.toContain(x);

    const dead = await waitFor('eleven dead letters', async () => {
      const r = await dst.query<{ reason: string; kafka_partition: number; raw_value: Buffer | null; headers: Record<string, unknown>; entity: string }>(
        `SELECT reason, kafka_partition, raw_value, headers, entity FROM partner_state.dead_letter ORDER BY id`,
      );
      return r.rows.length >= 11 ? r.rows : undefined;
    });
    expect(dead.map((d) => d.reason).sort()).toEqual([
      'bad-signature',
      'bad-signature',
      'invalid-event',
      'store-rejected',
      'store-rejected',
      'undecodable',
      'undecodable',
      'unknown-key',
      'unknown-key',
      'wrong-schema',
      'wrong-schema',
    ]);
    expect(new Set(dead.map((d) => d.kafka_partition)).size).toBeGreaterThanOrEqual(1);
    expect(dead.every((d) => d.entity === 'person')).toBe(true);
    const alteredRow = dead.find((d) => d.reason === 'bad-signature')!;
    expect(alteredRow.raw_value!.equals(alteredValue)).toBe(true);
    // the envelope as it arrived, and what its meta says, for operators reading the table
    expect(alteredRow.headers[H.event]).toMatchObject({ base64: headerBytes(real.headers, H.event)!.toString('base64'), decoded: { ministry: 'cand', entity: 'person' } });

    const dlq = await readTopics(kafka, [dlqTopic(prefix, 'qdnd', doc.id)], (m) => m.length >= 11);
    expect(dlq.map((m) => headerText(m.headers, DLQ_HEADERS.reason)).sort()).toEqual(dead.map((d) => d.reason).sort());
    expect(dlq.every((m) => headerText(m.headers, DLQ_HEADERS.topic) === topic('person') && headerText(m.headers, DLQ_HEADERS.offset) !== undefined)).toBe(true);
    expect(fx.consumers[0].healthy()).toBe(true);
  });

  it('4. replay from the beginning with a new group: same final state, nothing older applied after something newer', async () => {
    const first = fx.consumers[0];
    await first.stop();
    const stateBefore = [await held('person'), await held('judgment')];
    const logBefore = (await dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_state.update_log`)).rows[0].n;
    const deadBefore = (await dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_state.dead_letter`)).rows[0].n;

    const total = await topicTotal();
    const replay = consumerFor({ groupId: `${prefix}-replay` });
    await replay.start();
    await waitFor('the replay to read every event', async () => replay.stats().received >= total || undefined);
    const s = replay.stats();
    expect(s.applied).toBe(0);
    expect(s.stale + s.superseded).toBeGreaterThan(0);
    expect([await held('person'), await held('judgment')]).toEqual(stateBefore);
    expect(await converged()).toBe(true);
    expect((await dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_state.update_log`)).rows[0].n).toBe(logBefore);
    expect((await dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_state.dead_letter`)).rows[0].n).toBe(deadBefore);

    // per key, every logged change is newer than the one logged before it
    const regressions = await dst.query(`
      SELECT entity, key_id FROM (
        SELECT entity, key_id, source_lsn, source_index,
               lag(source_lsn) OVER w AS prev_lsn, lag(source_index) OVER w AS prev_index
          FROM partner_state.update_log WINDOW w AS (PARTITION BY entity, key_id ORDER BY id)) x
       WHERE prev_lsn IS NOT NULL AND (source_lsn, source_index) <= (prev_lsn, prev_index)`);
    expect(regressions.rows).toEqual([]);

    // changes made during the replay still arrive
    const late = await insertPerson(true, 'Sau khi phát lại');
    await waitFor('a change made during the replay', async () => (await held('person')).some((j) => j.includes(late)) || undefined);
    expect(await converged()).toBe(true);
  });

  it('keeps the update and access logs append-only, and records access through recordAccess', async () => {
    await recordAccess(dst, 'qdnd.cuc-dths/analyst-7', 'partner_cand.person', 'ENFORCEMENT_SUPERVISION');
    const r = await dst.query(`SELECT who, what, purpose FROM partner_state.access_log`);
    expect(r.rows).toEqual([{ who: 'qdnd.cuc-dths/analyst-7', what: 'partner_cand.person', purpose: 'ENFORCEMENT_SUPERVISION' }]);
    await expect(recordAccess(dst, 'x', 'y', 'not a code')).rejects.toThrow(/purpose/);
    for (const sql of [
      `UPDATE partner_state.update_log SET op = 'd'`,
      `DELETE FROM partner_state.update_log`,
      `TRUNCATE partner_state.update_log`,
      `UPDATE partner_state.access_log SET who = 'someone else'`,
      `DELETE FROM partner_state.access_log`,
      `TRUNCATE partner_state.access_log`,
    ]) {
      await expect(dst.query(sql)).rejects.toThrow(/append-only/);
    }
  });
});
