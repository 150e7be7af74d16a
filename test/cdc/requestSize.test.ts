import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../libs/config';
import { parseMeta } from '../../libs/events';
import { ProducerFixture } from '../support/producerFixture';
import { readTopics } from '../support/topicReader';

/**
 * A topic whose max.message.bytes is far below one request of the producer (an operator's setting, or
 * a topic created before the exchange topics' 8 MiB default): the producer sizes its requests to the
 * limit instead of failing with MESSAGE_TOO_LARGE and stalling the slot.
 */
describe("cdc producer requests sized to the topics' max.message.bytes", () => {
  const config = loadConfig();
  const kafka = new Kafka({ clientId: 'reqsize-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  let fx: ProducerFixture;

  beforeAll(async () => {
    fx = await ProducerFixture.create('reqsize');
  });
  afterAll(async () => {
    await fx.close();
  });

  it('publishes a 3,000-row transaction into a topic that accepts 64 kB batches', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: fx.topic('person'),
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'max.message.bytes', value: '65536' },
          ],
        },
      ],
    });
    await admin.disconnect();
    const producer = fx.producer();
    await producer.start();
    await fx.sql.query(
      `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, prior_convictions)
       SELECT 'CAND', 'Người thử ' || g, date '1970-01-01' + g, 'M', g FROM generate_series(1, 3000) g`,
    );
    const msgs = await readTopics(kafka, [fx.topic('person')], (m) => m.length >= 3000, 120_000);
    expect(new Set(msgs.map((m) => parseMeta(m.headers).eventId)).size).toBe(3000);
    expect(producer.healthy()).toBe(true);
  });
});
