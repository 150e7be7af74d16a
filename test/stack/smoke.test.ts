import { randomUUID } from 'crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { StackManager } from '../../libs/stack';

/**
 * Proves the parts are real: an Avro schema registered in the registry, a record in the
 * schema-registry wire format through Kafka, a row in each ministry's PostgreSQL — and the record
 * still decodes after both the registry and the broker restart (schema ids are persistent).
 */
const config = loadConfig();
const runId = randomUUID().slice(0, 8);
const topic = `thahs.smoke.${runId}`;
const subject = `${topic}-value`;
const schema = {
  type: 'record',
  name: 'Smoke',
  namespace: 'vn.thahs.smoke',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'note', type: 'string' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
  ],
};
const kafka = new Kafka({ clientId: `smoke-${runId}`, brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });

async function readAll(groupId: string, expected: number): Promise<Buffer[]> {
  const consumer = kafka.consumer({ groupId, retry: { retries: 20 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${values.length}/${expected} records read from ${topic}`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) values.push(message.value);
        if (values.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return values;
}

describe('local stack smoke test', () => {
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await fetch(`${config.registryUrl}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
  });

  it('writes and reads a row in each ministry database', async () => {
    for (const url of [config.candPgUrl, config.qdndPgUrl]) {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        const wal = await c.query<{ wal_level: string }>('SHOW wal_level');
        expect(wal.rows[0].wal_level).toBe('logical');
        await c.query('CREATE TEMP TABLE smoke (id uuid PRIMARY KEY, note text)');
        const id = randomUUID();
        await c.query('INSERT INTO smoke VALUES ($1, $2)', [id, `row in ${url}`]);
        const r = await c.query<{ note: string }>('SELECT note FROM smoke WHERE id = $1', [id]);
        expect(r.rows[0].note).toBe(`row in ${url}`);
      } finally {
        await c.end();
      }
    }
  });

  it('round-trips an Avro record through the registry and Kafka, surviving restarts of both', async () => {
    const registry = new SchemaRegistry({ host: config.registryUrl });
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    const record = { id: randomUUID(), note: 'Trại giam Thủ Đức', at: 1_764_201_600_000_000 };
    const encoded = await registry.encode(id, record);
    expect(encoded.readUInt8(0)).toBe(0); // Confluent wire format: magic byte, then the 4-byte schema id
    expect(encoded.readUInt32BE(1)).toBe(id);

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: record.id, value: encoded }] });
    await producer.disconnect();

    const [first] = await readAll(`smoke-a-${runId}`, 1);
    expect(await registry.decode(first)).toEqual(record);

    const stack = new StackManager(config, () => undefined);
    const broker = stack.kafka();
    const reg = stack.registry();
    await Promise.all([broker.stop(), reg.stop()]);
    expect(await broker.answers()).toBe(false);
    expect(await reg.answers()).toBe(false);
    await stack.up();

    // A fresh client has no cached schema: decoding must fetch id from the restarted registry.
    const fresh = new SchemaRegistry({ host: config.registryUrl });
    const [again] = await readAll(`smoke-b-${runId}`, 1);
    expect(again.readUInt32BE(1)).toBe(id);
    expect(await fresh.decode(again)).toEqual(record);
  });
});
