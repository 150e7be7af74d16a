import { generateKeyPairSync, randomUUID } from 'crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { compileEntityShare, type AgreementDocument, type EntityShare } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { AVRO_FOR_SCHEMA_OPTIONS } from '../../libs/contracts/avroType';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { parseMeta } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { PublicKeyRing, SigningKey } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { heldRows, sharedRows } from '../support/partnerView';
import { testProducer } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { exampleAgreement } from '../support/testAgreements';
import { sleep, waitFor } from '../support/waitFor';

/**
 * What leaves the provider follows the agreements as they change, with no operator step (no
 * `thahs resnapshot`): a widening, a new entity, a body joining, an agreement confirmed while the
 * workload runs (the producer learns of it late), a suspension with deletes and moves out of scope
 * during it, the resumption. The partner store must converge to the source's projection and filter
 * each time; and an event of a row outside the scope cannot exist on the platform at all.
 */
const config = loadConfig();
const contracts = loadContracts();
const prefix = `g${randomUUID().slice(0, 8)}`;
const log = createLogger('agreement-changes-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'agreement-changes-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const registry = new SchemaRegistry({ host: config.registryUrl }, { AVRO: AVRO_FOR_SCHEMA_OPTIONS });
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

function signingKey(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}
const producerKey = signingKey('cand-c10-2025');
const receiverKey = signingKey('qdnd-20261202-changes0');
const ring = new PublicKeyRing();
ring.add(producerKey.keyId, producerKey.publicKey);

/** Steps of a lifecycle event made now: strictly after the history's last event, a millisecond apart. */
function stepsNow(): { draft: Date; propose: Date; confirm: Date } {
  const t = Date.now();
  return { draft: new Date(t), propose: new Date(t + 1), confirm: new Date(t + 2) };
}

describe('agreement changes at the provider: backfills, suspension, resumption, late knowledge', () => {
  let source: ScratchDatabase;
  let receiver: ScratchDatabase;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  let raw: Producer;
  let base: AgreementDocument;
  let courtId: string;
  const consumers: ApplyConsumer[] = [];
  /** The agreements the producer follows, as each history stands now. */
  const followed = new Map<string, AgreementPolicy>();
  const soldiers: string[] = [];
  const civilians: string[] = [];
  const judgments: string[] = [];

  const doc = (id: string, schema: string, entities: EntityShare[], version = 1): AgreementDocument => ({
    ...base,
    id,
    version,
    data: { entities },
    place: { ...base.place, partnerStore: { database: 'qdnd', schema } },
    method: { ...base.method, scope: 'partial' },
  });

  async function topicNames(): Promise<Set<string>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return new Set(await admin.listTopics());
    } finally {
      await admin.disconnect();
    }
  }

  async function endOffsets(topic: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** A consumer of the agreement's entities, started once the producer has made their topics. */
  async function consume(d: AgreementDocument, policy: AgreementPolicy, entities: string[]): Promise<ApplyConsumer> {
    await waitFor(`the topics of ${d.id}`, async () => {
      const names = await topicNames();
      return entities.every((e) => names.has(agreementTopic(prefix, 'cand', d.id, e))) || undefined;
    });
    const c = new ApplyConsumer({
      receiver: 'qdnd',
      provider: 'cand',
      agreementId: d.id,
      entities,
      policy,
      contracts,
      providerKeys: ring,
      pgUrl: receiver.url,
      kafkaBrokers: config.kafkaBrokers,
      registryUrl: config.registryUrl,
      log,
      partnerSchema: policy.partnerSchema(),
      topicPrefix: prefix,
      applyBatchSize: 50,
      enforcement: { state: () => policy.current, signingKey: receiverKey, everyMs: 300 },
    });
    consumers.push(c);
    await c.start();
    return c;
  }

  /** The partner store holds exactly the source's rows and fields under the version in force now. */
  async function converged(policy: AgreementPolicy): Promise<boolean> {
    const d = [...policy.current.versions].reverse().find((v) => v.status === 'confirmed')!.document;
    for (const share of d.data.entities) {
      const compiled = compileEntityShare(share, contracts.get(share.entity));
      const want = await sharedRows(src, compiled);
      const got = await heldRows(dst, d.place.partnerStore.schema, share.entity, compiled.fields);
      if (JSON.stringify(want) !== JSON.stringify(got)) return false;
    }
    return true;
  }

  const person = async (military: boolean, nationalId = `001091${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`): Promise<string> => {
    const r = await src.query<{ id: string }>(
      `INSERT INTO thahs.person (ministry, full_name, national_id, date_of_birth, sex, is_military, military_rank) VALUES ('CAND', $1, $2, '1991-07-12', 'M', $3, $4) RETURNING id::text AS id`,
      [`Người ${randomUUID().slice(0, 6)}`, nationalId, military, military ? 'Trung sĩ' : null],
    );
    return r.rows[0].id;
  };

  beforeAll(async () => {
    base = exampleAgreement('cand-to-qdnd');
    source = await ScratchDatabase.create(config.candPgUrl, 'chgsrc');
    receiver = await ScratchDatabase.create(config.qdndPgUrl, 'chgdst');
    await migrate(source.url, 'cand');
    await migrate(receiver.url, 'qdnd');
    src = new Client({ connectionString: source.url });
    dst = new Client({ connectionString: receiver.url });
    for (const c of [src, dst]) {
      await c.connect();
      await c.query("SET TimeZone = 'UTC'");
    }
    courtId = (
      await src.query<{ id: string }>(
        `INSERT INTO thahs.court (ministry, court_code, name, court_kind) VALUES ('CAND', 'TAND-HN', 'Tòa án nhân dân thành phố Hà Nội', 'TAND_TINH') RETURNING id::text AS id`,
      )
    ).rows[0].id;
    for (let i = 0; i < 4; i++) soldiers.push(await person(true));
    for (let i = 0; i < 4; i++) civilians.push(await person(false));
    for (const [d, n] of [
      ['2012-01-05', '1/2012/HS-ST'],
      ['2019-06-01', '7/2019/HS-ST'],
    ]) {
      judgments.push(
        (
          await src.query<{ id: string }>(
            `INSERT INTO thahs.judgment (ministry, judgment_no, judgment_date, court_id, instance, effective_date) VALUES ('CAND', $1, $2, $3, 'SO_THAM', $2) RETURNING id::text AS id`,
            [n, d, courtId],
          )
        ).rows[0].id,
      );
    }
    producer = testProducer(
      { pgUrl: source.url, signingKeys: [producerKey], agreements: async () => [...followed.values()].map((p) => p.current), prefix, log, contracts },
      { partitions: 2, heartbeatMs: 300 },
    );
    await producer.start();
    raw = kafka.producer();
    await raw.connect();
  });

  afterAll(async () => {
    for (const c of consumers) await c.stop().catch(() => undefined);
    await producer?.stop().catch(() => undefined);
    await raw?.disconnect().catch(() => undefined);
    await src?.end().catch(() => undefined);
    await dst?.end().catch(() => undefined);
    await source?.drop().catch(() => undefined);
    await receiver?.drop().catch(() => undefined);
  });

  const narrow: EntityShare = { entity: 'person', fields: ['id', 'ministry', 'full_name', 'is_military'], filter: { field: 'is_military', op: 'eq', value: true } };
  let wide: { history: AgreementHistory; policy: AgreementPolicy; v1: AgreementDocument };

  it('1. widening — more fields, a wider filter, a new entity — reaches the partner store with no re-snapshot', async () => {
    const v1 = doc(`TTDL-W-${prefix}`, 'partner_cand', [narrow]);
    const history = new AgreementHistory(v1);
    const policy = new AgreementPolicy(history.confirm(v1, FIRST), 'qdnd', contracts);
    followed.set(v1.id, policy);
    wide = { history, policy, v1 };
    const first = await consume(v1, policy, ['person']);
    await waitFor('the partner store under version 1', async () => (await converged(policy)) || undefined);
    expect((await heldRows(dst, 'partner_cand', 'person', ['id'])).length).toBe(soldiers.length);

    // Version 2: every person, with their national ids and dates of birth, and the judgments too.
    const v2 = doc(
      v1.id,
      'partner_cand',
      [
        { entity: 'person', fields: [...narrow.fields, 'national_id', 'date_of_birth'] },
        { entity: 'judgment', fields: ['id', 'ministry', 'judgment_no', 'judgment_date'] },
      ],
      2,
    );
    policy.update(history.confirm(v2, stepsNow()));
    // The receiver's manager restarts a consumer whose agreement shares new entities; so does this test.
    await first.stop();
    await consume(v2, policy, ['person', 'judgment']);
    await waitFor('the partner store under version 2', async () => (await converged(policy)) || undefined);
    const held = await heldRows(dst, 'partner_cand', 'person', ['id', 'national_id']);
    expect(held).toHaveLength(soldiers.length + civilians.length);
    expect(held.every((j) => (JSON.parse(j) as { national_id: string | null }).national_id !== null)).toBe(true);
    expect((await heldRows(dst, 'partner_cand', 'judgment', ['id'])).length).toBe(judgments.length);
    const reasons = await src.query<{ entity: string; reason: string }>('SELECT entity, reason FROM thahs_cdc.backfill_progress WHERE agreement_id = $1 ORDER BY entity', [v1.id]);
    expect(reasons.rows).toEqual([
      { entity: 'judgment', reason: 'first' },
      { entity: 'person', reason: 'changed' },
    ]);
  });

  it('2. a body joining the agreement (Art. 10.4) has the whole scope published again', async () => {
    const { history, policy, v1 } = wide;
    const before = await endOffsets(agreementTopic(prefix, 'cand', v1.id, 'person'));
    const t = Date.now();
    policy.update(
      history.join({ id: 'qdnd.cuc-tac-chien', ministry: 'qdnd', nameVi: 'Cục Tác chiến, Bộ Tổng Tham mưu' }, 'qdnd-cuc-tac-chien-2026', {
        request: new Date(t),
        confirm: new Date(t + 1),
      }),
    );
    const scope = await waitFor('the producer to take version 3', async () => {
      const r = await src.query<{ version: number; reason: string }>(
        `SELECT s.version, b.reason FROM thahs_cdc.route_scope s JOIN thahs_cdc.backfill_progress b USING (agreement_id, entity) WHERE s.agreement_id = $1 AND s.entity = 'person'`,
        [v1.id],
      );
      return r.rows[0]?.version === 3 ? r.rows[0] : undefined;
    });
    expect(scope.reason).toBe('changed');
    expect(await endOffsets(agreementTopic(prefix, 'cand', v1.id, 'person'))).toBeGreaterThanOrEqual(before + soldiers.length + civilians.length);
    await waitFor('the partner store under version 3', async () => (await converged(policy)) || undefined);
  });

  let late: { policy: AgreementPolicy; history: AgreementHistory; doc: AgreementDocument };

  it('3. an agreement confirmed while the workload runs, learnt late by the producer: nothing committed meanwhile is lost', async () => {
    const d = doc(`TTDL-L-${prefix}`, 'partner_cand_late', [{ ...narrow, fields: [...narrow.fields, 'occupation'] }]);
    const history = new AgreementHistory(d);
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        const id = n % 2 === 0 ? await person(n % 4 === 0) : soldiers[n % soldiers.length];
        await src.query(`UPDATE thahs.person SET occupation = $2 WHERE id = $1`, [id, `nghề ${n}`]);
        n++;
        await sleep(20);
      }
    })();
    await sleep(500);
    // Confirmed now; the receiver knows at once, the provider's copy of the history only two seconds later.
    const policy = new AgreementPolicy(history.confirm(d, stepsNow()), 'qdnd', contracts);
    late = { policy, history, doc: d };
    await sleep(2000);
    followed.set(d.id, policy);
    await consume(d, policy, ['person']);
    await sleep(1500);
    writing = false;
    await writer;
    expect(n).toBeGreaterThan(20);
    await waitFor('the partner store of the late agreement', async () => (await converged(policy)) || undefined);
  });

  it('4. suspension publishes nothing; at the resumption deletes and moves out of scope made meanwhile converge', async () => {
    const { policy, history, doc: d } = late;
    const topic = agreementTopic(prefix, 'cand', d.id, 'person');
    policy.update(history.suspend(new Date(), 'Tạm dừng để rà soát'));
    await waitFor('the producer to park the agreement', async () => {
      const r = await src.query<{ state: string }>(`SELECT state FROM thahs_cdc.route_scope WHERE agreement_id = $1 AND entity = 'person'`, [d.id]);
      return r.rows[0]?.state === 'parked' || undefined;
    });
    const before = await endOffsets(topic);
    const [gone, movedOut, renamed] = soldiers;
    await src.query('DELETE FROM thahs.person WHERE id = $1', [gone]);
    await src.query('UPDATE thahs.person SET is_military = false WHERE id = $1', [movedOut]);
    await src.query(`UPDATE thahs.person SET full_name = 'Tên mới' WHERE id = $1`, [renamed]);
    const joined = await person(true);
    await sleep(2000);
    expect(await endOffsets(topic)).toBe(before);
    const parked = await src.query<{ n: number }>('SELECT count(*)::int AS n FROM thahs_cdc.agreement_parked WHERE agreement_id = $1', [d.id]);
    expect(parked.rows[0].n).toBe(4);

    policy.update(history.resume(new Date(), 'Rà soát xong'));
    await waitFor('the partner store after the resumption', async () => (await converged(policy)) || undefined);
    const held = (await heldRows(dst, 'partner_cand_late', 'person', ['id'])).map((j) => (JSON.parse(j) as { id: string }).id);
    expect(held).not.toContain(gone);
    expect(held).not.toContain(movedOut);
    expect(held).toContain(joined);
    const left = await src.query<{ n: number }>('SELECT count(*)::int AS n FROM thahs_cdc.agreement_parked WHERE agreement_id = $1', [d.id]);
    expect(left.rows[0].n).toBe(0);
    soldiers.splice(0, 2);
  });

  it('5. no event of a row outside the scope exists on the platform; a corrupted in-scope one leaves no unshared field in the dead letters', async () => {
    const { doc: d } = late;
    const topic = agreementTopic(prefix, 'cand', d.id, 'person');
    const records = await readTopicWindow(kafka, topic, { count: 100_000 });
    const share = d.data.entities[0];
    const allowed = new Set(share.fields);
    const everSoldier = new Set((await src.query<{ id: string }>('SELECT id::text AS id FROM thahs.person WHERE is_military')).rows.map((r) => r.id));
    for (const id of soldiers) everSoldier.add(id);
    let upserts = 0;
    for (const m of records) {
      const key = ((await registry.decode(m.key!)) as { id: string }).id;
      const meta = parseMeta(m.headers);
      expect(meta.agreementId).toBe(d.id);
      if (m.value === null) continue;
      upserts++;
      const value = (await registry.decode(m.value)) as Record<string, unknown>;
      // only the agreed fields, and only rows inside the filter
      expect(Object.keys(value).filter((f) => !allowed.has(f))).toEqual([]);
      expect(value.is_military).toBe(true);
      expect(civilians).not.toContain(key);
    }
    expect(upserts).toBeGreaterThan(0);

    // A bit flipped in a real in-scope event: it is dead-lettered, and its stored bytes hold only what the agreement shares.
    const secretId = '079091999999';
    const victim = await person(true, secretId);
    const [real] = await waitFor('the new soldier on the topic', async () => {
      const all = await readTopicWindow(kafka, topic, { count: 100_000 });
      const mine = [];
      for (const m of all) if (m.value && ((await registry.decode(m.key!)) as { id: string }).id === victim) mine.push(m);
      return mine.length > 0 ? mine : undefined;
    });
    const altered = Buffer.from(real.value!);
    altered[altered.length - 1] ^= 1;
    await raw.send({ topic, messages: [{ key: real.key, value: altered, headers: real.headers, partition: real.partition }] });
    const dead = await waitFor('the dead letter', async () => {
      const r = await dst.query<{ reason: string; raw_value: Buffer | null; value_sha256: string | null }>(
        `SELECT reason, raw_value, value_sha256 FROM partner_state.dead_letter WHERE topic = $1`,
        [topic],
      );
      return r.rows[0];
    });
    expect(dead.reason).toBe('bad-signature');
    expect(dead.raw_value!.equals(altered)).toBe(true);
    expect(dead.raw_value!.includes(Buffer.from(secretId))).toBe(false);
    // the writer schema the dead letter names: the agreement's projection, nothing more
    const res = await fetch(`${config.registryUrl}/schemas/ids/${dead.raw_value!.readUInt32BE(1)}`);
    const fields = (JSON.parse(((await res.json()) as { schema: string }).schema) as { fields: { name: string }[] }).fields.map((f) => f.name);
    expect(fields.filter((f) => !allowed.has(f))).toEqual([]);
    expect(fields).not.toContain('national_id');
  });
});
