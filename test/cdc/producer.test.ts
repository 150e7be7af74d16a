import { randomBytes } from 'crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { AVRO_FOR_SCHEMA_OPTIONS } from '../../libs/contracts/avroType';
import { encodeEnvelope, encodeMeta, H, parseEnvelope, parseMeta } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { EventVerifier } from '../../libs/signing';
import { summarizeEvent } from '../../services/cli/eventSummary';
import { ProducerFixture } from '../support/producerFixture';
import { ReadMessage, readTopics } from '../support/topicReader';

const config = loadConfig();
const kafka = new Kafka({ clientId: 'cdc-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const registry = new SchemaRegistry({ host: config.registryUrl }, { AVRO: AVRO_FOR_SCHEMA_OPTIONS });
let fx: ProducerFixture;
const verifier = new EventVerifier((id) => (id === fx.key.keyId ? fx.key.publicKey : undefined));
const topic = (entity: string): string => fx.topic(entity);

function verify(m: ReadMessage): void {
  // Only the contract's one header travels: everything else is inside the signed meta.
  expect(Object.keys(m.headers ?? {})).toEqual([H.event]);
  const envelope = parseEnvelope(m.headers);
  verifier.verifyEvent({ topic: m.topic, key: m.key!, value: m.value }, envelope.meta.keyId, envelope);
}

describe('cdc producer on the real stack', () => {
  let sql: Client;

  beforeAll(async () => {
    fx = await ProducerFixture.create('cdc');
    sql = fx.sql;
  });

  afterAll(async () => {
    await fx?.close();
  });

  const insertPerson = async (name: string): Promise<string> => {
    const r = await sql.query<{ id: string }>(`INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex) VALUES ('CAND', $1, '1990-05-01', 'M') RETURNING id`, [name]);
    return r.rows[0].id;
  };

  it('publishes the snapshot, then inserts, updates and deletes with keys, values, tombstones and verifiable headers', async () => {
    const before = await insertPerson('Nguyễn Văn An');
    await fx.producer({ partitions: 1, heartbeatMs: 500 }).start();

    const a = await insertPerson('Trần Thị Bình');
    const b = await insertPerson('Lê Văn Cường');
    // one statement, two changes sharing one commit LSN: told apart by their index in the transaction
    await sql.query(`UPDATE thahs.person SET occupation = 'Nông dân' WHERE id IN ($1, $2)`, [a, b]);
    await sql.query('DELETE FROM thahs.person WHERE id = $1', [b]);

    const msgs = await readTopics(kafka, [topic('person')], (m) => m.length >= 6);
    const byId = (id: string) => msgs.filter((m) => m.key && m.key.length > 0).filter((m) => m.key!.includes(Buffer.from(id)));
    expect(msgs).toHaveLength(6);
    for (const m of msgs) verify(m);

    const metas = msgs.map((m) => parseMeta(m.headers));
    expect(metas.map((x) => x.op)).toEqual(['r', 'c', 'c', 'u', 'u', 'd']);
    const [, , , u1, u2] = metas;
    expect(u1.position.lsn).toBe(u2.position.lsn);
    expect(u2.position.index).toBe(u1.position.index + 1);

    const snap = await registry.decode(msgs[0].value!);
    expect(snap.id).toBe(before);
    expect(snap.full_name).toBe('Nguyễn Văn An');
    expect(snap.date_of_birth).toBe(Date.UTC(1990, 4, 1) / 86_400_000);
    const updated = await registry.decode(msgs[4].value!);
    expect(updated.occupation).toBe('Nông dân');
    expect(updated.row_version).toBe(2);
    expect(msgs[5].value).toBeNull();
    expect((await registry.decode(msgs[5].key!)).id).toBe(b);
    expect(byId(a).length).toBeGreaterThanOrEqual(0);

    // the partner store and the producer's own state are never published
    const pubTables = await sql.query<{ schemaname: string }>('SELECT DISTINCT schemaname FROM pg_publication_tables WHERE pubname = $1', [`pub_${fx.prefix}`]);
    expect(pubTables.rows.map((r) => r.schemaname)).toEqual(['thahs']);
  });

  it('publishes an unchanged TOASTed value with its real content, never null or a placeholder', async () => {
    // random bytes do not compress, so the value is stored out of line (TOAST)
    const big = randomBytes(24_000).toString('base64');
    const id = await insertPerson('Đặng Văn Toàn');
    await sql.query('UPDATE thahs.person SET other_names = $2 WHERE id = $1', [id, big]);
    // ~32 kB of base64 stays far above the 2 kB TOAST threshold even compressed: stored out of line,
    // so the next update's pgoutput tuple carries 'u' for it (libs/pgoutput's server test shows that).
    const stored = await sql.query<{ size: number }>('SELECT pg_column_size(other_names) AS size FROM thahs.person WHERE id = $1', [id]);
    expect(stored.rows[0].size).toBeGreaterThan(8000);
    await sql.query(`UPDATE thahs.person SET occupation = 'Công nhân' WHERE id = $1`, [id]);
    const msgs = await readTopics(kafka, [topic('person')], (m) => m.length >= 9);
    const last = await registry.decode(msgs[8].value!);
    expect(last.id).toBe(id);
    expect(last.occupation).toBe('Công nhân');
    expect(last.other_names).toBe(big);
  });

  it('lets an operator look at a window of the topic: envelopes verified, no row values', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic('person'));
    await admin.disconnect();
    const total = ends.reduce((n, p) => n + Number(p.high), 0);
    const all = await readTopics(kafka, [topic('person')], (x) => x.length >= total);
    const last = await readTopicWindow(kafka, topic('person'), { count: 2 });
    const byPartition = new Map<number, string[]>();
    for (const m of all) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m.offset]);
    const expected = [...byPartition].flatMap(([p, offs]) => offs.slice(-2).map((o) => `${p}:${o}`));
    expect(last.map((m) => `${m.partition}:${m.offset}`).sort()).toEqual(expected.sort());
    const from = await readTopicWindow(kafka, topic('person'), { count: 1, partition: all[0].partition, offset: BigInt(all[0].offset) });
    expect(from.map((m) => `${m.partition}:${m.offset}`)).toEqual([`${all[0].partition}:${all[0].offset}`]);
    const summaries = last.map((m) => summarizeEvent(m, verifier));
    expect(summaries.every((x) => x.proof === 'verified' && x.ministry === 'cand' && x.entity === 'person')).toBe(true);
    expect(JSON.stringify(summaries)).not.toMatch(/Nguyễn|Trần|Lê Văn/);
  });

  it('a tampered event fails verification', async () => {
    const [m] = await readTopics(kafka, [topic('person')], (x) => x.length >= 1);
    const value = Buffer.from(m.value!);
    value[value.length - 1] ^= 1;
    expect(() => verify({ ...m, value })).toThrow(/does not match/);
    expect(() => verify({ ...m, key: Buffer.concat([m.key!, Buffer.from([0])]) })).toThrow(/does not match/);
    // The platform operator rewriting the metadata (here: a snapshot row passed off as a delete).
    const { meta, signature, path } = parseEnvelope(m.headers);
    const forgedMeta = encodeMeta({ ...meta, op: meta.op === 'd' ? 'u' : 'd' }, meta.keyId);
    expect(() => verify({ ...m, headers: { [H.event]: encodeEnvelope(forgedMeta, signature, path) } })).toThrow(/does not match/);
  });
});
