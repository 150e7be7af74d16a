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
 * A backfill that did not finish (the producer died half-way) is done again, not skipped and not
 * redone where it finished: the slot stays, the agreement topics whose scope was recorded are not read
 * again, the others are read with a snapshot of their own, and every change since is still streamed.
 */
describe('cdc producer resumes an unfinished backfill', () => {
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

  it('re-reads only the unfinished agreement topics and loses no change made meanwhile', async () => {
    await insertPersons(1, 5);
    await fx.sql.query(`INSERT INTO thahs.court (ministry, court_code, name, court_kind) VALUES ('CAND', 'TAND-RESUME-01', 'Tòa án nhân dân tỉnh Hà Tĩnh', 'TAND_TINH')`);
    const first = fx.producer();
    await first.start();
    await readTopics(kafka, [fx.topic('person')], (m) => m.length >= 5);
    await first.stop();

    // As a crash half-way leaves it: court recorded, person and legal_person published (or not) but not recorded.
    const agreement = fx.agreement.id;
    await fx.sql.query(`DELETE FROM thahs_cdc.route_scope WHERE agreement_id = $1 AND entity IN ('person', 'legal_person')`, [agreement]);
    await fx.sql.query(`UPDATE thahs_cdc.backfill_progress SET done = false WHERE agreement_id = $1 AND entity IN ('person', 'legal_person')`, [agreement]);
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
    const final = await waitFor(
      'every person in its current state on the topic',
      async () => {
        const l = await latest();
        return ids.every((r) => l.get(r.id)?.occupation === r.occupation) ? l : undefined;
      },
      120_000,
    );
    expect(final.size).toBe(8);
    expect(ids.filter((r) => r.occupation === 'Thợ may')).toHaveLength(1);

    // court was recorded: not read again; the others are recorded once re-read
    await waitFor('every backfill done', async () => {
      const r = await fx.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM thahs_cdc.backfill_progress WHERE NOT done`);
      return r.rows[0].n === '0' || undefined;
    });
    const court = await readTopics(kafka, [fx.topic('court')], (m) => m.length >= 1, 60_000);
    expect(court.map((m) => parseMeta(m.headers).op)).toEqual(['r']);
    const scopes = await fx.sql.query<{ entity: string }>(
      `SELECT entity FROM thahs_cdc.route_scope WHERE agreement_id = $1 AND entity IN ('person', 'legal_person', 'court') AND state = 'active' ORDER BY entity`,
      [agreement],
    );
    expect(scopes.rows.map((r) => r.entity)).toEqual(['court', 'legal_person', 'person']);
    // person was read twice: the newest event of every row is still its current state (checked above),
    // and the floor keeps each key's events in position order on the topic.
    const byKey = new Map<string, ReceivedMeta[]>();
    for (const m of await readTopicWindow(kafka, fx.topic('person'), { count: 100_000 })) {
      const key = ((await registry.decode(m.key!)) as { id: string }).id;
      byKey.set(key, [...(byKey.get(key) ?? []), parseMeta(m.headers)]);
    }
    for (const metas of byKey.values()) {
      const byPartitionOrder = metas.map((x) => x.position);
      for (let i = 1; i < byPartitionOrder.length; i++) expect(comparePositions(byPartitionOrder[i - 1], byPartitionOrder[i])).toBeLessThanOrEqual(0);
    }
    expect(second.healthy()).toBe(true);
  });
});
