import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { AVRO_FOR_SCHEMA_OPTIONS } from '../../libs/contracts/avroType';
import { parseMeta } from '../../libs/events';
import { requestResnapshot } from '../../services/cdc-producer/main';
import { ProducerFixture } from '../support/producerFixture';
import { readTopics } from '../support/topicReader';
import { waitFor } from '../support/waitFor';

/**
 * A column of a published contract dropped under the producer stops that table with the documented
 * error while other tables keep flowing; once fixed, `thahs resnapshot` publishes the table again,
 * including tombstones for rows deleted while it was stopped.
 */
const config = loadConfig();
const kafka = new Kafka({ clientId: 'drift-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const registry = new SchemaRegistry({ host: config.registryUrl }, { AVRO: AVRO_FOR_SCHEMA_OPTIONS });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('contract drift', () => {
  let fx: ProducerFixture;
  let sql: Client;

  beforeAll(async () => {
    fx = await ProducerFixture.create('drift');
    sql = fx.sql;
  });

  afterAll(async () => {
    await fx?.close();
  });

  const person = async (name: string): Promise<string> =>
    (await sql.query<{ id: string }>(`INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex) VALUES ('CAND', $1, '1979-03-02', 'M') RETURNING id`, [name])).rows[0].id;

  it('stops the drifting table with the documented error, keeps the others, and resumes by re-snapshot', async () => {
    await fx.producer({ partitions: 1, heartbeatMs: 300 }).start();
    const a = await person('Hoàng Văn Dũng');

    await sql.query('ALTER TABLE thahs.person DROP COLUMN occupation');
    const b = await person('Vũ Thị Hoa');
    await sql.query('DELETE FROM thahs.person WHERE id = $1', [a]);
    await sql.query(`INSERT INTO thahs.court (ministry, court_code, name, court_kind) VALUES ('CAND', 'TAND-TEST-01', 'Tòa án nhân dân tỉnh Nghệ An', 'TAND_TINH')`);

    let status: { state: string; reason: string } | undefined;
    for (let i = 0; i < 60 && status?.state !== 'stopped'; i++) {
      await sleep(250);
      status = (await sql.query<{ state: string; reason: string }>(`SELECT state, reason FROM thahs_cdc.table_status WHERE entity = 'person'`)).rows[0];
    }
    expect(status?.state).toBe('stopped');
    expect(status?.reason).toBe('contract drift in cand.person.occupation: the contract field has no column in the table');

    // the other table still flows
    const courts = await readTopics(kafka, [fx.topic('court')], (m) => m.length >= 1);
    expect(parseMeta(courts[0].headers).op).toBe('c');

    // while stopped, nothing of person is published after a's insert
    const before = await readTopics(kafka, [fx.topic('person')], (m) => m.length >= 1);
    expect(before).toHaveLength(1);

    await sql.query('ALTER TABLE thahs.person ADD COLUMN occupation text');
    await requestResnapshot('cand', 'person', fx.db.url);
    const msgs = await readTopics(kafka, [fx.topic('person')], (m) => m.length >= 3, 60_000);
    const tail = msgs.slice(1);
    const ops = tail.map((m) => parseMeta(m.headers).op).sort();
    expect(ops).toEqual(['d', 'r']);
    const tomb = tail.find((m) => parseMeta(m.headers).op === 'd')!;
    expect(tomb.value).toBeNull();
    expect((await registry.decode(tomb.key!)).id).toBe(a);
    const snap = tail.find((m) => parseMeta(m.headers).op === 'r')!;
    expect((await registry.decode(snap.value!)).id).toBe(b);

    // The table's status is written once the re-snapshot's events are acknowledged, so after they show.
    const state = async (): Promise<string> => (await sql.query<{ state: string }>(`SELECT state FROM thahs_cdc.table_status WHERE entity = 'person'`)).rows[0].state;
    await waitFor('the re-snapshotted table to stream again', async () => ((await state()) === 'streaming' ? true : undefined), 30_000);
    expect(await state()).toBe('streaming');
    // and streaming continues for the table
    await sql.query(`UPDATE thahs.person SET occupation = 'Thợ mộc' WHERE id = $1`, [b]);
    const after = await readTopics(kafka, [fx.topic('person')], (m) => m.length >= 4, 60_000);
    const last = after[after.length - 1];
    expect(parseMeta(last.headers).op).toBe('u');
    expect((await registry.decode(last.value!)).occupation).toBe('Thợ mộc');
    expect(parseMeta(last.headers).position.lsn).toBeGreaterThan(parseMeta(snap.headers).position.lsn);
  });
  it('refuses a source database whose encoding is not UTF-8, before touching it', async () => {
    // Row values are copied from the WAL into Avro strings as they are: they must already be UTF-8.
    const name = `${fx.prefix.replace(/[^a-z0-9]/g, '')}_sqlascii`;
    await sql.query(`CREATE DATABASE ${name} ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'`);
    try {
      const url = new URL(fx.db.url);
      url.pathname = `/${name}`;
      const producer = fx.producer({ pgUrl: url.toString() });
      await expect(producer.start()).rejects.toThrow(/cannot be published: its encoding is SQL_ASCII/);
      // nothing was created in it: no state schema, no slot
      const admin = new Client({ connectionString: url.toString() });
      await admin.connect();
      try {
        expect((await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'thahs_cdc'`)).rowCount).toBe(0);
        expect((await admin.query(`SELECT 1 FROM pg_replication_slots WHERE database = $1`, [name])).rowCount).toBe(0);
      } finally {
        await admin.end();
      }
    } finally {
      await sql.query(`DROP DATABASE IF EXISTS ${name}`);
    }
  });
});
