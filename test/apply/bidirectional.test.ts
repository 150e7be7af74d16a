import { randomUUID } from 'crypto';
import * as path from 'path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { compileEntityShare, loadAgreementFile, type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { AVRO_FOR_SCHEMA_OPTIONS } from '../../libs/contracts/avroType';
import { parseAgreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { EXCHANGED_TABLES } from '../../libs/model/exchangedTables';
import { PublicKeyRing } from '../../libs/signing';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { confirmedHistory, eventSigningKey, keyOf, partyKeys, type PartyKey } from '../support/agreementHistory';
import { heldRows, sharedRows, updateLogViolations } from '../support/partnerView';
import { testProducer } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { SourceRows } from '../support/sourceRows';
import { readTopics } from '../support/topicReader';
import { sleep, waitFor } from '../support/waitFor';

/**
 * Both directions at once, as deployed: cand → qdnd and qdnd → cand under the two example agreements,
 * a producer and a consumer per ministry, a mixed workload on both sides at the same time. Each partner
 * store must equal the projection and filter of the other side's data; received data must stay out of
 * the receiver's own tables and must never be published again (Art. 3.2, processing.republish: false).
 */
const config = loadConfig();
const contracts = loadContracts();
const prefix = `b${randomUUID().slice(0, 8)}`;
const log = createLogger('bidirectional-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const lookup = (e: string) => (contracts.has(e) ? contracts.get(e) : undefined);

interface Side {
  ministry: Ministry;
  doc: AgreementDocument;
  db: ScratchDatabase;
  sql: Client;
  rows: SourceRows;
  producer: CdcProducer;
  consumer: ApplyConsumer;
}

/** Digest of a ministry's own tables, to show received data changed none of them. */
async function ownDigest(sql: Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of EXCHANGED_TABLES) {
    const r = await sql.query<{ d: string | null }>(`SELECT md5(string_agg(row_to_json(t)::text, ',' ORDER BY t.id)) AS d FROM thahs."${t}" t`);
    out[t] = r.rows[0].d ?? 'empty';
  }
  return out;
}

/** A mixed workload on one side: every shared entity, rows inside and outside the filters, updates across them, deletes. */
async function workload(rows: SourceRows, sql: Client, rounds: number): Promise<void> {
  const unit = await rows.unit();
  const court = await rows.court();
  const caseTypes = ['CUSTODIAL', 'COMMUNITY', 'DEATH', 'EXPULSION', 'UNKNOWN'];
  const statuses = ['DANG_THI_HANH', 'UNKNOWN', 'DA_CHAP_HANH_XONG', 'TAM_DINH_CHI'];
  const eventTypes = ['RELEASE', 'ADMISSION', 'ESCAPE', 'TRANSFER', 'PAROLE'];
  const free: string[] = [];
  const cases: string[] = [];
  const events: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const person = await rows.person({ military: i % 2 === 0 });
    free.push(await rows.person({ military: i % 3 === 0 }));
    const judgment = await rows.judgment({ courtId: court, date: i % 2 === 0 ? '2014-06-01' : '2016-09-30' });
    const conviction = await rows.conviction({ judgmentId: judgment, personId: person });
    const decision = await rows.executionDecision({ courtId: court, convictionId: conviction, unitId: unit });
    const closedAt = i % 3 === 0 ? null : i % 3 === 1 ? '2019-12-31T16:59:59Z' : '2021-05-05T00:00:00Z';
    const c = await rows.enforcementCase({
      personId: person,
      decisionId: decision,
      unitId: unit,
      caseType: caseTypes[i % caseTypes.length],
      status: statuses[i % statuses.length],
      openedAt: '2018-01-01T00:00:00Z',
      closedAt,
    });
    cases.push(c);
    events.push(await rows.enforcementEvent({ caseId: c, type: eventTypes[i % eventTypes.length], at: i % 2 === 0 ? '2019-06-01T00:00:00Z' : '2022-06-01T00:00:00Z' }));
    if (i % 4 === 3) {
      // one transaction moving rows across every filter at once
      await sql.query('BEGIN');
      await sql.query(`UPDATE thahs.person SET is_military = NOT is_military WHERE id = ANY($1::uuid[])`, [free.slice(-3)]);
      await sql.query(
        `UPDATE thahs.enforcement_case SET status = CASE status WHEN 'UNKNOWN' THEN 'HOAN' ELSE 'UNKNOWN' END, case_type = 'CUSTODIAL', closed_at = NULL WHERE id = ANY($1::uuid[])`,
        [cases.slice(-2)],
      );
      await sql.query(`UPDATE thahs.enforcement_event SET event_type = 'RELEASE', event_at = '2023-01-01T00:00:00Z' WHERE id = $1`, [events[events.length - 2]]);
      await sql.query(`UPDATE thahs.judgment SET judgment_date = '2015-01-01', effective_date = '2015-01-01' WHERE id = $1`, [judgment]);
      await sql.query('COMMIT');
    }
    if (i % 5 === 4) {
      await sql.query(`DELETE FROM thahs.enforcement_event WHERE id = $1`, [events.shift()]);
      await sql.query(`DELETE FROM thahs.person WHERE id = $1`, [free.shift()]);
    }
    await sleep(10);
  }
}

describe('both directions at once', () => {
  const sides: Side[] = [];
  let keys: PartyKey[];
  const registry = new SchemaRegistry({ host: config.registryUrl }, { AVRO: AVRO_FOR_SCHEMA_OPTIONS });
  const kafka = new Kafka({ clientId: 'bidirectional-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    const docs = {
      cand: await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: lookup }),
      qdnd: await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/qdnd-to-cand.yaml'), { contracts: lookup }),
    };
    keys = partyKeys([docs.cand, docs.qdnd]);
    for (const ministry of ['cand', 'qdnd'] as const) {
      const db = await ScratchDatabase.create(ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl, `bidi${ministry}`);
      await migrate(db.url, ministry);
      const sql = new Client({ connectionString: db.url });
      await sql.connect();
      await sql.query("SET TimeZone = 'UTC'");
      const doc = docs[ministry];
      const state = confirmedHistory(doc, keys).state;
      const producer = testProducer(
        {
          ministry,
          pgUrl: db.url,
          signingKeys: [eventSigningKey(keyOf(doc, doc.parties.provider.id, keys))],
          agreements: async () => [state],
          prefix,
          suffix: ministry,
          log,
          contracts,
        },
        { partitions: 2, heartbeatMs: 500 },
      );
      sides.push({ ministry, doc, db, sql, rows: new SourceRows(sql, ministry), producer, consumer: undefined as unknown as ApplyConsumer });
    }
    for (const s of sides) await s.producer.start();
    for (const receiver of sides) {
      // the receiver applies the other side's agreement, trusting only the key that agreement lists for the provider
      const provider = sides.find((x) => x !== receiver)!;
      const ring = new PublicKeyRing();
      const providerKey = keyOf(provider.doc, provider.doc.parties.provider.id, keys);
      ring.add(providerKey.keyId, providerKey.publicKeyPem);
      const policy = new AgreementPolicy(confirmedHistory(provider.doc, keys).state, receiver.ministry, contracts);
      receiver.consumer = new ApplyConsumer({
        receiver: receiver.ministry,
        provider: provider.ministry,
        agreementId: provider.doc.id,
        entities: policy.sharedEntities(),
        policy,
        contracts,
        providerKeys: ring,
        pgUrl: receiver.db.url,
        kafkaBrokers: config.kafkaBrokers,
        registryUrl: config.registryUrl,
        log,
        partnerSchema: policy.partnerSchema(),
        topicPrefix: prefix,
        applyBatchSize: 40,
      });
    }
    for (const s of sides) await s.consumer.start();
  });

  afterAll(async () => {
    for (const s of sides) await s.consumer?.stop().catch(() => undefined);
    for (const s of sides) await s.producer.stop().catch(() => undefined);
    for (const s of sides) await s.sql.end().catch(() => undefined);
    for (const s of sides) await s.db.drop().catch(() => undefined);
  });

  /** Every entity the provider shares with the receiver: provider's shared rows vs the receiver's partner rows. */
  async function compare(provider: Side, receiver: Side): Promise<{ entity: string; want: string[]; got: string[] }[]> {
    const schema = provider.doc.place.partnerStore.schema;
    const out: { entity: string; want: string[]; got: string[] }[] = [];
    for (const e of provider.doc.data.entities) {
      const share = compileEntityShare(e, contracts.get(e.entity));
      out.push({ entity: e.entity, want: await sharedRows(provider.sql, share), got: await heldRows(receiver.sql, schema, e.entity, share.fields) });
    }
    return out;
  }

  it('each partner store equals the projection and filter of the other side; nothing received is stored as own data or published again', async () => {
    const [cand, qdnd] = sides;
    await Promise.all([workload(cand.rows, cand.sql, 24), workload(qdnd.rows, qdnd.sql, 24)]);
    const ownAfterWorkload = [await ownDigest(cand.sql), await ownDigest(qdnd.sql)];

    await waitFor(
      'both partner stores to match the other side',
      async () => {
        for (const [p, r] of [
          [cand, qdnd],
          [qdnd, cand],
        ] as const)
          for (const c of await compare(p, r)) if (JSON.stringify(c.want) !== JSON.stringify(c.got)) return undefined;
        return true;
      },
      120_000,
    );
    for (const [p, r] of [
      [cand, qdnd],
      [qdnd, cand],
    ] as const) {
      for (const c of await compare(p, r)) {
        expect({ direction: `${p.ministry}→${r.ministry}`, entity: c.entity, rows: c.got }).toEqual({ direction: `${p.ministry}→${r.ministry}`, entity: c.entity, rows: c.want });
        // the filters kept some rows back and let some through, so the comparison is not trivially equal
        const all = (await p.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM thahs."${c.entity}"`)).rows[0].n;
        expect(c.want.length).toBeGreaterThan(0);
        if (c.entity !== 'person' || p.ministry === 'cand') expect(c.want.length).toBeLessThan(Number(all));
      }
      expect(await updateLogViolations(r.sql)).toEqual([]);
      expect((await r.sql.query(`SELECT * FROM partner_state.dead_letter`)).rows).toEqual([]);
      const providers = await r.sql.query<{ provider: string }>(`SELECT DISTINCT provider FROM partner_state.update_log`);
      expect(providers.rows).toEqual([{ provider: p.ministry }]);
    }

    // The receiver's own tables: exactly the rows its own workload wrote, unchanged by what was received.
    for (const [own, other] of [
      [cand, qdnd],
      [qdnd, cand],
    ] as const) {
      const foreign = other.rows.allIds();
      for (const t of EXCHANGED_TABLES) {
        const ids = (await own.sql.query<{ id: string }>(`SELECT id::text FROM thahs."${t}"`)).rows.map((r) => r.id);
        const created = own.rows.created.get(t) ?? new Set<string>();
        expect({ table: `${own.ministry}.thahs.${t}`, notOwn: ids.filter((id) => !created.has(id)) }).toEqual({ table: `${own.ministry}.thahs.${t}`, notOwn: [] });
        expect(ids.filter((id) => foreign.has(id))).toEqual([]);
      }
    }
    expect([await ownDigest(cand.sql), await ownDigest(qdnd.sql)]).toEqual(ownAfterWorkload);

    // Never published again: the publications hold the own schema only, and every event on a ministry's
    // topics is about a row of its own.
    for (const s of sides) {
      const pub = await s.sql.query<{ schemaname: string; tablename: string }>(`SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename`, [
        `pub_${prefix}_${s.ministry}`,
      ]);
      expect(new Set(pub.rows.map((r) => r.schemaname))).toEqual(new Set(['thahs']));
      expect(pub.rows.map((r) => r.tablename).sort()).toEqual([...EXCHANGED_TABLES].sort());
      const partnerPublished = await s.sql.query(`SELECT pubname, schemaname, tablename FROM pg_publication_tables WHERE schemaname <> 'thahs'`);
      expect(partnerPublished.rows).toEqual([]);
    }
    const admin = kafka.admin();
    await admin.connect();
    let topics: string[];
    let total = 0;
    try {
      topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      for (const t of topics) for (const p of await admin.fetchTopicOffsets(t)) total += Number(p.high) - Number(p.low);
    } finally {
      await admin.disconnect();
    }
    // Beside its dead letters, a provider's only other topic per agreement is its signed watermarks (JSON, not Avro).
    const entityTopics = topics.filter((t) => !t.startsWith(`${prefix}.dlq.`) && !t.endsWith('._watermark'));
    // Only the agreements' own topics: a provider publishes nothing else.
    for (const t of entityTopics) {
      expect(parseAgreementTopic(prefix, t)).not.toBeNull();
      expect(parseAgreementTopic(prefix, t)?.agreementId).toBe(sides.find((s) => s.ministry === parseAgreementTopic(prefix, t)?.provider)?.doc.id);
    }
    const msgs = await readTopics(kafka, topics, (m) => m.length >= total, 120_000);
    const keysByMinistry = { cand: new Set<string>(), qdnd: new Set<string>() };
    for (const m of msgs) {
      if (!entityTopics.includes(m.topic)) continue;
      const [, ministry] = m.topic.split('.');
      if (ministry !== 'cand' && ministry !== 'qdnd') continue;
      const key = (await registry.decode(m.key!)) as { id: string };
      keysByMinistry[ministry].add(key.id.toLowerCase());
    }
    for (const s of sides) {
      const own = s.rows.allIds();
      const published = [...keysByMinistry[s.ministry]];
      expect(published.length).toBeGreaterThan(0);
      expect(published.filter((id) => !own.has(id))).toEqual([]);
    }
  }, 300_000);
});
