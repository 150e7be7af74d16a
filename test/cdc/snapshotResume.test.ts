import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../libs/config';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AVRO_FOR_SCHEMA_OPTIONS } from '../../libs/contracts/avroType';
import { comparePositions, parseMeta, ReceivedMeta } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { ProducerFixture } from '../support/producerFixture';
import { readTopics } from '../support/topicReader';
import { waitFor } from '../support/waitFor';

/**
 * An initial snapshot that did not finish (the producer died half-way, or a table joined later) is
 * resumed, not redone: the slot stays, the tables already published are not read again, the unfinished
 * ones are re-read with a snapshot of their own, and every change since the slot's consistent point is
 * still streamed.
 */
describe('cdc producer resumes an unfinished initial snapshot', () => {
  const config = loadConfig();
  const kafka = new Kafka({ clientId: 'resume-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: config.registryUrl }, { AVRO: AVRO_FOR_SCHEMA_OPTIONS });
  let fx: ProducerFixture;

  beforeAll(async () => {
    fx = await ProducerFixture.create('resume');
  });
  afterAll(async () => {
    await fx.close();
  });

  const insertPersons = (from: number, to: number): Promise<unknown> =>
    fx.sql.query(
      `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, prior_convictions)
       SELECT 'CAND', 'Người ' || g, date '1980-01-01' + g, 'F', g FROM generate_series($1::int, $2::int) g`,
      [from, to],
    );

  it('re-reads only the unfinished tables and loses no change made meanwhile', async () => {
    await insertPersons(1, 5);
    await fx.sql.query(`INSERT INTO thahs.court (ministry, court_code, name, court_kind) VALUES ('CAND', 'TAND-RESUME-01', 'Tòa án nhân dân tỉnh Hà Tĩnh', 'TAND_TINH')`);
    const first = fx.producer();
    await first.start();
    await readTopics(kafka, [fx.topic('person')], (m) => m.length >= 5);
    await first.stop();

    // As a crash half-way leaves it: court finished, person begun but not finished, legal_person never reached.
    await fx.sql.query(`UPDATE thahs_cdc.snapshot_progress SET done = false, rows_published = 2 WHERE entity = 'person'`);
    await fx.sql.query(`DELETE FROM thahs_cdc.snapshot_progress WHERE entity = 'legal_person'`);
    // changes while the producer is down, after the slot's consistent point
    await insertPersons(6, 7);
    await fx.sql.query(`UPDATE thahs.person SET occupation = 'Thợ may' WHERE prior_convictions = 2`);

    const second = fx.producer();
    await second.start();
    await insertPersons(8, 8);

    const ids = (await fx.sql.query<{ id: string; occupation: string | null }>('SELECT id, occupation FROM thahs.person')).rows;
    const latest = async (): Promise<Map<string, { meta: ReceivedMeta; occupation: unknown }>> => {
      const msgs = await readTopicWindow(kafka, fx.topic('person'), { count: 100_000 });
      const out = new Map<string, { meta: ReceivedMeta; occupation: unknown }>();
      for (const m of msgs) {
        const meta = parseMeta(m.headers);
        const v = m.value ? await registry.decode(m.value) : null;
        const key = (await registry.decode(m.key!)) as { id: string };
        const seen = out.get(key.id);
        if (!seen || comparePositions(seen.meta.position, meta.position) < 0) out.set(key.id, { meta, occupation: v?.occupation ?? null });
      }
      return out;
    };
    // every row's newest event is its current state, including the change made while the producer was down
    const final = await waitFor('every person in its current state on the topic', async () => {
      const l = await latest();
      return ids.every((r) => l.get(r.id)?.occupation === r.occupation) ? l : undefined;
    }, 120_000);
    expect(final.size).toBe(8);
    expect(ids.filter((r) => r.occupation === 'Thợ may')).toHaveLength(1);

    // court was finished: not read again; every table is marked done once re-read
    await waitFor('every table marked done', async () => {
      const r = await fx.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM thahs_cdc.snapshot_progress WHERE NOT done`);
      return r.rows[0].n === '0' || undefined;
    });
    const court = await readTopics(kafka, [fx.topic('court')], (m) => m.length >= 1, 60_000);
    expect(court.map((m) => parseMeta(m.headers).op)).toEqual(['r']);
    const done = await fx.sql.query<{ entity: string }>(`SELECT entity FROM thahs_cdc.snapshot_progress WHERE entity IN ('person', 'legal_person', 'court') AND done ORDER BY entity`);
    expect(done.rows.map((r) => r.entity)).toEqual(['court', 'legal_person', 'person']);
    expect(second.healthy()).toBe(true);
  });
});
