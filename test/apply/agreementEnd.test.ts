import * as path from 'path';
import { generateKeyPairSync, randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client, Pool } from 'pg';
import { compileEntityShare, loadAgreementFile, type AgreementDocument, type EntityShare } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic, dlqTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { PublicKeyRing, SigningKey } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer, ApplyConsumerOptions } from '../../services/apply-consumer/applyConsumer';
import { keysDigest, verifyDeletionRecord, type DeletionRecord } from '../../services/apply-consumer/deletionRecord';
import { ScopeEnforcer } from '../../services/apply-consumer/scopeEnforcer';
import { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { testProducer } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { waitFor } from '../support/waitFor';
import { readTopics } from '../support/topicReader';

/**
 * Agreement changes on the real stack (Art. 12 (9)-(10), Art. 13): a cand database streams through the
 * CDC producer, apply consumers write qdnd partner stores, and the agreement's signed history changes
 * under them — a narrowing amendment, a termination, an expiry, an anonymising end.
 */
const config = loadConfig();
const contracts = loadContracts();
const prefix = `t${randomUUID().slice(0, 8)}`;
const log = createLogger('agreement-end-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'agreement-end-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const ENTITIES = ['judgment', 'person'];
const topic = (entity: string, agreementId: string): string => agreementTopic(prefix, 'cand', agreementId, entity);
const deletionTopic = `${prefix}.deletion-records`;
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

function signingKey(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}
const producerKey = signingKey('cand-c10-2025');
const receiverKey = signingKey('qdnd-20261127-e2e0test');
const ring = new PublicKeyRing();
ring.add(producerKey.keyId, producerKey.publicKey);

/** Steps of an amendment made now: strictly after the history's last event, each a millisecond apart. */
function stepsNow(): { draft: Date; propose: Date; confirm: Date } {
  const t = Date.now();
  return { draft: new Date(t), propose: new Date(t + 1), confirm: new Date(t + 2) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('agreement changes: narrowing, termination, expiry, anonymisation', () => {
  let source: ScratchDatabase;
  let src: Client;
  let producer: CdcProducer;
  let base: AgreementDocument;
  let courtId: string;
  const consumers: ApplyConsumer[] = [];
  const scratch: ScratchDatabase[] = [];
  const clients: Client[] = [];
  const pools: Pool[] = [];

  const share = (doc: AgreementDocument, entity: string): EntityShare => doc.data.entities.find((e) => e.entity === entity)!;
  /** The agreement as in deploy/, under its own id, sharing person and judgment only. */
  const agreement = (id: string, patch: Partial<AgreementDocument> = {}): AgreementDocument => ({
    ...base,
    id,
    data: { entities: base.data.entities.filter((e) => ENTITIES.includes(e.entity)) },
    ...patch,
  });

  async function receiverDb(label: string): Promise<{ db: ScratchDatabase; client: Client }> {
    const db = await ScratchDatabase.create(config.qdndPgUrl, label);
    scratch.push(db);
    await migrate(db.url, 'qdnd');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query("SET TimeZone = 'UTC'");
    clients.push(client);
    return { db, client };
  }

  /** The agreements the producer follows: every policy a test made, as its history stands now. */
  const followed = new Map<string, AgreementPolicy>();

  /** A consumer of the agreement, started once the producer has made the agreement's topics. */
  const consumerFor = (doc: AgreementDocument, db: ScratchDatabase, policy: AgreementPolicy, o: Partial<ApplyConsumerOptions> = {}): ApplyConsumer => {
    followed.set(doc.id, policy);
    const c = new ApplyConsumer({
      receiver: 'qdnd',
      provider: 'cand',
      agreementId: doc.id,
      entities: ENTITIES,
      policy,
      contracts,
      providerKeys: ring,
      pgUrl: db.url,
      kafkaBrokers: config.kafkaBrokers,
      registryUrl: config.registryUrl,
      log,
      topicPrefix: prefix,
      groupId: `${prefix}-${doc.id}`,
      applyBatchSize: 50,
      enforcement: { state: () => policy.current, signingKey: receiverKey, everyMs: 300 },
      ...o,
    });
    consumers.push(c);
    const start = c.start.bind(c);
    c.start = async () => {
      await waitFor(`the topics of ${doc.id}`, async () => (await topicNames()).has(topic('person', doc.id)) || undefined);
      await start();
    };
    return c;
  };

  async function topicNames(): Promise<Set<string>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return new Set(await admin.listTopics());
    } finally {
      await admin.disconnect();
    }
  }

  /** Ids of the provider rows a share selects, evaluated on the source with the share's own SQL. */
  async function expectedIds(s: EntityShare): Promise<string[]> {
    const where = compileEntityShare(s, contracts.get(s.entity)).whereSql(1);
    const r = await src.query<{ id: string }>(`SELECT id::text AS id FROM thahs."${s.entity}" WHERE ${where.sql} ORDER BY id`, where.params as unknown[]);
    return r.rows.map((x) => x.id);
  }

  async function heldIds(db: Client, entity: string): Promise<string[]> {
    const t = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`partner_cand.${entity}`]);
    if (!t.rows[0].t) return [];
    return (await db.query<{ id: string }>(`SELECT id::text AS id FROM partner_cand."${entity}" ORDER BY id`)).rows.map((x) => x.id);
  }

  async function columns(db: Client, entity: string): Promise<string[]> {
    const r = await db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'partner_cand' AND table_name = $1 ORDER BY 1`, [entity]);
    return r.rows.map((x) => x.c);
  }

  async function holdsExactly(db: Client, doc: AgreementDocument): Promise<boolean> {
    for (const e of ENTITIES) {
      if (JSON.stringify(await heldIds(db, e)) !== JSON.stringify(await expectedIds(share(doc, e)))) return false;
    }
    return true;
  }

  /** The group has committed every offset up to the end of the agreement's topics: all events seen. */
  async function drained(groupId: string, agreementId: string): Promise<boolean> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const e of ENTITIES) {
        const ends = await admin.fetchTopicOffsets(topic(e, agreementId));
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic(e, agreementId)] });
        for (const end of ends) {
          if (end.high === '0') continue;
          if (committed.partitions.find((p) => p.partition === end.partition)?.offset !== end.high) return false;
        }
      }
      return true;
    } finally {
      await admin.disconnect();
    }
  }

  async function topicTotal(agreementId: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      let n = 0;
      for (const e of ENTITIES) for (const p of await admin.fetchTopicOffsets(topic(e, agreementId))) n += Number(p.high) - Number(p.low);
      return n;
    } finally {
      await admin.disconnect();
    }
  }

  async function storedRecords(db: Client, reason?: string): Promise<DeletionRecord[]> {
    const r = await db.query<{ record: DeletionRecord }>(`SELECT record FROM partner_state.deletion_record WHERE ($1::text IS NULL OR reason = $1) ORDER BY id`, [reason ?? null]);
    return r.rows.map((x) => x.record);
  }

  /** A CCCD number that agrees with a man's date of birth (province 001, century-and-sex digit, year). */
  const nationalId = (dob: string): string => `001${dob < '2000' ? '0' : '2'}${dob.slice(2, 4)}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  const insertPerson = async (military: boolean, dob: string, name = 'Nguyễn Văn An'): Promise<string> => {
    const r = await src.query<{ id: string }>(
      `INSERT INTO thahs.person (ministry, full_name, national_id, date_of_birth, sex, is_military, military_rank) VALUES ('CAND', $1, $2, $3, 'M', $4, $5) RETURNING id::text AS id`,
      [name, nationalId(dob), dob, military, military ? 'Thượng úy' : null],
    );
    return r.rows[0].id;
  };
  const insertJudgment = async (date: string, no: string): Promise<string> => {
    const r = await src.query<{ id: string }>(
      `INSERT INTO thahs.judgment (ministry, judgment_no, judgment_date, court_id, instance, effective_date) VALUES ('CAND', $1, $2, $3, 'SO_THAM', $2) RETURNING id::text AS id`,
      [no, date, courtId],
    );
    return r.rows[0].id;
  };

  beforeAll(async () => {
    base = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
    source = await ScratchDatabase.create(config.candPgUrl, 'endsrc');
    scratch.push(source);
    await migrate(source.url, 'cand');
    src = new Client({ connectionString: source.url });
    await src.connect();
    courtId = (
      await src.query<{ id: string }>(
        `INSERT INTO thahs.court (ministry, court_code, name, court_kind) VALUES ('CAND', 'TAND-HN', 'Tòa án nhân dân thành phố Hà Nội', 'TAND_TINH') RETURNING id`,
      )
    ).rows[0].id;
    // military and civilian, born before and after 1990; judgments before 2015, in 2015, after 2016
    for (let i = 0; i < 12; i++) await insertPerson(i % 3 !== 0, i % 2 === 0 ? '1985-03-0' + ((i % 9) + 1) : '1994-07-1' + (i % 10), `Người thứ ${i}`);
    for (const [d, n] of [
      ['2012-01-05', '1/2012/HS-ST'],
      ['2015-06-01', '7/2015/HS-ST'],
      ['2015-12-31', '8/2015/HS-ST'],
      ['2017-03-03', '2/2017/HS-ST'],
      ['2021-09-09', '4/2021/HS-PT'],
    ])
      await insertJudgment(d, n);
    producer = testProducer(
      { pgUrl: source.url, signingKeys: [producerKey], agreements: async () => [...followed.values()].map((p) => p.current), prefix, log, contracts },
      { partitions: 2, heartbeatMs: 500 },
    );
    await producer.start();
  });

  afterAll(async () => {
    for (const c of consumers) await c.stop().catch(() => undefined);
    await producer?.stop().catch(() => undefined);
    for (const p of pools) await p.end().catch(() => undefined);
    for (const c of clients) await c.end().catch(() => undefined);
    await src?.end().catch(() => undefined);
    for (const db of scratch) await db.drop().catch(() => undefined);
  });

  it('1. an amendment narrowing fields and filters purges what falls outside and keeps what is inside; replays do not bring it back', async () => {
    const v1 = agreement(`TTDL-T1-${prefix}`);
    const history = new AgreementHistory(v1);
    const policy = new AgreementPolicy(history.confirm(v1, FIRST), 'qdnd', contracts);
    const { db, client } = await receiverDb('endnarrow');
    const consumer = consumerFor(v1, db, policy);
    await consumer.start();
    await waitFor('the partner store under version 1', async () => (await holdsExactly(client, v1)) || undefined);
    const personV1 = await heldIds(client, 'person');
    const judgmentV1 = await heldIds(client, 'judgment');
    expect(await columns(client, 'person')).toEqual(expect.arrayContaining(['national_id', 'full_name']));

    const person = share(v1, 'person');
    const v2 = agreement(v1.id, {
      version: 2,
      dispatch: { ...v1.dispatch, number: '131/C10-P4' },
      data: {
        entities: [
          {
            entity: 'person',
            fields: person.fields.filter((f) => f !== 'national_id' && f !== 'full_name'),
            filter: { and: [person.filter!, { field: 'date_of_birth', op: 'ge', value: '1990-01-01' }] },
          },
          { ...share(v1, 'judgment'), filter: { field: 'judgment_date', op: 'ge', value: '2016-01-01' } },
        ],
      },
    });
    policy.update(history.confirm(v2, stepsNow()));
    await waitFor('the purge of what version 2 no longer shares', async () => !(await columns(client, 'person')).includes('national_id') && (await holdsExactly(client, v2)));
    // The provider follows the amendment too: a narrowing publishes nothing, it is only recorded.
    const scopes = await waitFor('the producer to take version 2', async () => {
      const r = await src.query<{ entity: string; version: number }>('SELECT entity, version FROM thahs_cdc.route_scope WHERE agreement_id = $1 ORDER BY entity', [v1.id]);
      return r.rows.every((x) => x.version === 2) && r.rows.length === 2 ? r.rows : undefined;
    });
    expect(scopes.map((x) => x.entity)).toEqual(['judgment', 'person']);
    const backfills = await src.query<{ reason: string }>('SELECT reason FROM thahs_cdc.backfill_progress WHERE agreement_id = $1', [v1.id]);
    expect(backfills.rows.map((x) => x.reason)).toEqual(['first', 'first']);

    const personV2 = await expectedIds(share(v2, 'person'));
    const judgmentV2 = await expectedIds(share(v2, 'judgment'));
    expect(personV2.length).toBeGreaterThan(0);
    expect(personV2.length).toBeLessThan(personV1.length);
    expect(judgmentV2.length).toBeGreaterThan(0);
    expect(judgmentV2.length).toBeLessThan(judgmentV1.length);
    expect(await columns(client, 'person')).not.toContain('full_name');
    expect(await columns(client, 'judgment')).toEqual(expect.arrayContaining(share(v2, 'judgment').fields));

    const [record] = await storedRecords(client, 'scope_narrowed');
    expect(verifyDeletionRecord(record, receiverKey.publicKey)).toBe(true);
    expect(record).toMatchObject({ agreementId: v1.id, version: 2, receiver: 'qdnd', provider: 'cand', reason: 'scope_narrowed', keyId: receiverKey.keyId });
    const p = record.entities.find((e) => e.entity === 'person')!;
    const gonePersons = personV1.filter((id) => !personV2.includes(id));
    expect(p).toMatchObject({ rowsDeleted: gonePersons.length, keysDigest: keysDigest(gonePersons), rowsAnonymised: personV2.length, anonymisedKeysDigest: keysDigest(personV2) });
    expect(p.fieldsCleared).toEqual(['full_name', 'national_id']);
    expect(p.columnsDropped).toEqual(['full_name', 'national_id']);
    const j = record.entities.find((e) => e.entity === 'judgment')!;
    expect(j.keysDigest).toBe(keysDigest(judgmentV1.filter((id) => !judgmentV2.includes(id))));
    const logged = await client.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM partner_state.update_log WHERE event_id = $1 GROUP BY action ORDER BY action`,
      [`deletion:${record.recordId}`],
    );
    expect(logged.rows).toEqual([
      { action: 'clear', n: personV2.length },
      { action: 'purge', n: gonePersons.length + j.rowsDeleted },
    ]);

    // changes after the amendment: inside applied without the dropped fields, outside and purged rows stay out
    const outside = await insertPerson(true, '1980-02-02', 'Ngoài phạm vi');
    const purged = gonePersons[0];
    await src.query(`UPDATE thahs.person SET occupation = 'Lái xe' WHERE id = $1`, [purged]);
    const inside = await insertPerson(true, '1996-06-06', 'Trong phạm vi');
    await waitFor('the changes after the amendment', async () => (await drained(consumer.groupId, v1.id)) && (await heldIds(client, 'person')).includes(inside));
    const held = await heldIds(client, 'person');
    expect(held).not.toContain(outside);
    expect(held).not.toContain(purged);
    expect(await holdsExactly(client, v2)).toBe(true);
    expect(await columns(client, 'person')).not.toContain('national_id');

    // a new group replays every event from the start, most committed under version 1
    const replay = consumerFor(v2, db, policy, { groupId: `${prefix}-t1-replay`, enforcement: undefined });
    await replay.start();
    await waitFor('the replay to see every event', async () => (await drained(replay.groupId, v2.id)) || undefined);
    await replay.stop();
    expect(replay.stats().applied).toBe(0);
    expect(await holdsExactly(client, v2)).toBe(true);
    expect(await columns(client, 'person')).not.toContain('national_id');
    expect(await columns(client, 'person')).not.toContain('full_name');
    expect(await storedRecords(client)).toHaveLength(1);
  });

  it('2. termination: the partner data and the agreement topics are gone, the signed deletion record is stored, published and verifies; nothing leaves the provider afterwards', async () => {
    let names = new Set<string>();
    const doc = agreement(`TTDL-T2-${prefix}`, { deletion: { method: 'hard_delete', afterEnd: 'P0D' } });
    const history = new AgreementHistory(doc);
    const policy = new AgreementPolicy(history.confirm(doc, FIRST), 'qdnd', contracts);
    const { db, client } = await receiverDb('endterm');
    const consumer = consumerFor(doc, db, policy);
    await consumer.start();
    await waitFor('the partner store under the agreement', async () => (await holdsExactly(client, doc)) || undefined);
    const before = { person: await heldIds(client, 'person'), judgment: await heldIds(client, 'judgment') };
    expect(before.person.length).toBeGreaterThan(0);
    expect(before.judgment.length).toBeGreaterThan(0);

    policy.update(history.terminate(new Date(), 'Chấm dứt trao đổi theo công văn 140/C10-P4'));
    await waitFor('the partner data to be deleted', async () => (await heldIds(client, 'person')).length === 0 && (await heldIds(client, 'judgment')).length === 0);

    const records = await storedRecords(client, 'agreement_end');
    expect(records).toHaveLength(1);
    const record = records[0];
    expect(record).toMatchObject({ agreementId: doc.id, version: 1, reason: 'agreement_end', method: 'hard_delete', partnerStore: { database: 'qdnd', schema: 'partner_cand' } });
    expect(record.endedAt).toBe(history.state.termination!.at);
    for (const e of ENTITIES) {
      const entry = record.entities.find((x) => x.entity === e)!;
      expect(entry).toMatchObject({ rowsDeleted: before[e as 'person' | 'judgment'].length, keysDigest: keysDigest(before[e as 'person' | 'judgment']), rowsAnonymised: 0 });
    }
    expect(verifyDeletionRecord(record, receiverKey.publicKey)).toBe(true);
    expect(verifyDeletionRecord({ ...record, entities: record.entities.map((e) => ({ ...e, rowsDeleted: e.rowsDeleted - 1 })) }, receiverKey.publicKey)).toBe(false);
    expect(verifyDeletionRecord({ ...record, executedAt: new Date().toISOString() }, receiverKey.publicKey)).toBe(false);
    expect(verifyDeletionRecord(record, signingKey('qdnd-someone-else').publicKey)).toBe(false);

    // the provider receives exactly the stored record
    const messages = await readTopics(kafka, [deletionTopic], (m) => m.some((x) => x.key?.toString() === record.recordId));
    const sent = JSON.parse(messages.find((x) => x.key?.toString() === record.recordId)!.value!.toString()) as DeletionRecord;
    expect(sent).toEqual(record);
    expect(verifyDeletionRecord(sent, receiverKey.publicKey)).toBe(true);

    const purges = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM partner_state.update_log WHERE action = 'purge' AND event_id = $1`, [
      `deletion:${record.recordId}`,
    ]);
    expect(purges.rows[0].n).toBe(before.person.length + before.judgment.length);
    await expect(client.query(`DELETE FROM partner_state.deletion_record`)).rejects.toThrow(/append-only/);

    // element (10) on the platform too: the agreement's topics and its dead-letter topic are gone, and the record says so
    const agreementTopics = [...ENTITIES.map((e) => topic(e, doc.id)), dlqTopic(prefix, 'qdnd', doc.id)];
    expect(record.platform).toEqual({ topicsDeleted: agreementTopics, deadLettersDeleted: 0 });
    await waitFor('the agreement topics deleted', async () => {
      names = await topicNames();
      return agreementTopics.every((t) => !names.has(t)) || undefined;
    });

    // after termination nothing leaves the provider for it (the producer never makes its topics again),
    // nothing reaches the store, and enforcing again writes no second record
    const late = await insertPerson(true, '1999-09-09', 'Sau khi chấm dứt');
    await sleep(3000);
    names = await topicNames();
    expect(agreementTopics.filter((t) => names.has(t))).toEqual([]);
    expect(await heldIds(client, 'person')).not.toContain(late);
    expect(await heldIds(client, 'person')).toEqual([]);
    expect(await consumer.enforceNow()).toEqual([]);
    expect(await storedRecords(client, 'agreement_end')).toHaveLength(1);
    const own = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM thahs.person`);
    expect(own.rows[0].n).toBe('0');
  });

  it('3. expired: nothing is applied afterwards, even events committed before the end; element (10) runs after its delay', async () => {
    const doc = agreement(`TTDL-T3-${prefix}`);
    const history = new AgreementHistory(doc);
    const policy = new AgreementPolicy(history.confirm(doc, FIRST), 'qdnd', contracts);
    const { db, client } = await receiverDb('endexpire');
    const first = consumerFor(doc, db, policy);
    await first.start();
    await waitFor('the partner store under the agreement', async () => (await holdsExactly(client, doc)) || undefined);
    await first.stop();
    const held = await heldIds(client, 'person');

    // committed while the agreement is in force, applied only after it expired
    const beforeEnd = await insertPerson(true, '1991-01-01', 'Trước khi hết hạn');
    await waitFor('the event before the end on the topic', async () => (await topicTotal(doc.id)) > held.length || undefined);
    // an amendment that ends the agreement two seconds from now (a later version ending earlier ends it)
    const steps = stepsNow();
    const validTo = new Date(steps.confirm.getTime() + 2000);
    policy.update(history.confirm({ ...doc, version: 2, period: { validFrom: doc.period.validFrom, validTo: validTo.toISOString() } }, steps));
    await sleep(validTo.getTime() - Date.now() + 200);
    const afterEnd = await insertPerson(true, '1992-02-02', 'Sau khi hết hạn');

    const second = consumerFor(doc, db, policy);
    await second.start();
    await waitFor('every event after the restart', async () => (await drained(second.groupId, doc.id)) && second.stats().received > 0);
    expect(second.stats().applied).toBe(0);
    // the change committed in force is withheld (the receiver may hold nothing new after the end); the one
    // committed after the end never left the provider
    expect(second.stats().withheld).toBeGreaterThanOrEqual(1);
    const total = await topicTotal(doc.id);
    await sleep(2000);
    expect(await topicTotal(doc.id)).toBe(total);
    const now = await heldIds(client, 'person');
    expect(now).not.toContain(beforeEnd);
    expect(now).not.toContain(afterEnd);
    // afterEnd P30D: the data stays until element (10) falls due
    expect(now).toEqual(held);
    expect(await storedRecords(client)).toEqual([]);

    const due = new Date(validTo.getTime() + 30 * 86_400_000);
    expect(await second.enforceNow(new Date(due.getTime() - 1000))).toEqual([]);
    const [record] = await second.enforceNow(due);
    expect(record).toMatchObject({ reason: 'agreement_end', method: 'hard_delete', version: 2, endedAt: validTo.toISOString(), executedAt: due.toISOString() });
    expect(verifyDeletionRecord(record, receiverKey.publicKey)).toBe(true);
    expect(await heldIds(client, 'person')).toEqual([]);
    expect(await heldIds(client, 'judgment')).toEqual([]);
  });

  it('4. anonymise: the listed fields are cleared and the rows kept until their retention ends; other entities are deleted', async () => {
    const doc = agreement(`TTDL-T4-${prefix}`, {
      storage: { receivedRetention: 'P1D', derivedRetention: 'until_end' },
      deletion: { method: 'anonymise', anonymiseFields: { person: ['national_id', 'full_name'] }, afterEnd: 'P0D' },
    });
    const history = new AgreementHistory(doc);
    const policy = new AgreementPolicy(history.confirm(doc, FIRST), 'qdnd', contracts);
    const { db, client } = await receiverDb('endanon');
    // the consumer applies; the enforcer is driven here with chosen instants
    const consumer = consumerFor(doc, db, policy, { enforcement: undefined });
    await consumer.start();
    await waitFor('the partner store under the agreement', async () => (await holdsExactly(client, doc)) || undefined);
    await consumer.stop();
    const persons = await heldIds(client, 'person');
    const judgments = await heldIds(client, 'judgment');
    const named = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM partner_cand.person WHERE full_name IS NOT NULL AND national_id IS NOT NULL`);
    expect(named.rows[0].n).toBe(persons.length);

    const pool = new Pool({ connectionString: db.url, max: 2 });
    pools.push(pool);
    const published: DeletionRecord[] = [];
    const enforcer = new ScopeEnforcer(pool, {
      receiver: 'qdnd',
      provider: 'cand',
      agreementId: doc.id,
      schema: 'partner_cand',
      state: () => policy.current,
      contracts,
      signingKey: receiverKey,
      publish: async (r) => {
        published.push(r);
      },
      log,
    });
    const ended = new Date();
    policy.update(history.terminate(ended, 'Chấm dứt, ẩn danh dữ liệu'));
    const [end] = await enforcer.runDue(new Date(ended.getTime() + 1000));
    expect(end).toMatchObject({ reason: 'agreement_end', method: 'anonymise' });
    expect(end.entities.find((e) => e.entity === 'person')).toMatchObject({
      rowsDeleted: 0,
      rowsAnonymised: persons.length,
      anonymisedKeysDigest: keysDigest(persons),
      fieldsCleared: ['full_name', 'national_id'],
    });
    expect(end.entities.find((e) => e.entity === 'judgment')).toMatchObject({ rowsDeleted: judgments.length, keysDigest: keysDigest(judgments), rowsAnonymised: 0 });
    expect(await heldIds(client, 'person')).toEqual(persons);
    expect(await heldIds(client, 'judgment')).toEqual([]);
    const left = await client.query<{ named: number; kept: number }>(
      `SELECT count(*) FILTER (WHERE full_name IS NOT NULL OR national_id IS NOT NULL)::int AS named, count(*) FILTER (WHERE is_military IS NOT NULL AND date_of_birth IS NOT NULL)::int AS kept FROM partner_cand.person`,
    );
    expect(left.rows[0]).toEqual({ named: 0, kept: persons.length });
    const cleared = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM partner_state.update_log WHERE action = 'clear' AND event_id = $1`, [
      `deletion:${end.recordId}`,
    ]);
    expect(cleared.rows[0].n).toBe(persons.length);

    // within the retention period the anonymised rows stay; once it ends they go, with their own record
    expect(await enforcer.runDue(new Date(ended.getTime() + 3_600_000 + 1000))).toEqual([]);
    expect(await heldIds(client, 'person')).toEqual(persons);
    const [retention] = await enforcer.runDue(new Date(Date.now() + 2 * 86_400_000));
    expect(retention).toMatchObject({ reason: 'retention', method: 'hard_delete' });
    expect(retention.entities).toEqual([expect.objectContaining({ entity: 'person', rowsDeleted: persons.length, keysDigest: keysDigest(persons) })]);
    expect(await heldIds(client, 'person')).toEqual([]);
    expect(published.map((r) => r.recordId)).toEqual([end.recordId, retention.recordId]);
    expect((await storedRecords(client)).map((r) => r.reason)).toEqual(['agreement_end', 'retention']);
    for (const r of await storedRecords(client)) expect(verifyDeletionRecord(r, receiverKey.publicKey)).toBe(true);
  });
});
