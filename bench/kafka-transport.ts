import { randomBytes, randomUUID } from 'crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { loadConfig, type Config } from '../libs/config';
import { createKafka, kafkaSecurity, kafkaSecuritySettings } from '../libs/kafka';
import { createLogger } from '../libs/logger';
import { StackManager } from '../libs/stack';
import type { Benchmark } from './main';

/**
 * What the secure profile costs the transport, both profiles in one run: the same idempotent,
 * acks=all batched sends as the producer's (one request in flight, 2,000 records of 600 bytes a
 * request) to a fresh 3-partition topic — on the plain stack (one broker, no TLS) and on the secure
 * one (TLS, SCRAM-SHA-512, replication factor 3 with min.insync.replicas 2, so each acknowledgement
 * waits for a follower). kafkajs's own record encoding runs here (the producer's sender thread replaces
 * it with prebuilt requests), so CPU on the client side weighs more than in `bench cdc`: this is the
 * transport's cost as a first figure, not a substitute for `bench cdc --profile secure`.
 *
 * Args: [records per profile (default 100000)]
 */
const RECORD_BYTES = 600;
const PER_REQUEST = 2000;

async function rate(label: string, config: Config, kafka: Kafka, records: number): Promise<number> {
  const topic = `thahs.cand.BENCH-${randomUUID().slice(0, 8)}.transport`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const value = randomBytes(RECORD_BYTES);
  const batch = Array.from({ length: PER_REQUEST }, (_, i) => ({ key: `k${i}`, value }));
  try {
    // Warm-up: connections, metadata, producer id, the first leader answers.
    await producer.send({ topic, acks: -1, messages: batch.slice(0, 100) });
    const t0 = process.hrtime.bigint();
    for (let sent = 0; sent < records; sent += PER_REQUEST) await producer.send({ topic, acks: -1, messages: batch });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const r = records / seconds;
    process.stdout.write(`  ${label.padEnd(7)} ${records} records in ${seconds.toFixed(2)} s = ${Math.round(r)} records/s (${config.kafkaBrokers.length} broker(s))\n`);
    return r;
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

export const benchmark: Benchmark = {
  description: 'produce rate on the plain and the secure stack (TLS, SCRAM, RF 3) in one run, and their ratio',
  async run(args) {
    const records = Number(args[0] ?? 100_000);
    if (!Number.isSafeInteger(records) || records <= 0) throw new RangeError(`records must be a positive integer, got ${args[0]}`);
    const log = createLogger('bench-kafka-transport', 'warn');
    const plain = loadConfig({ ...process.env, THAHS_STACK_PROFILE: 'plain' });
    const secure = loadConfig({ ...process.env, THAHS_STACK_PROFILE: 'secure' });
    for (const c of [plain, secure]) await new StackManager(c, () => undefined).up();
    const plainRate = await rate('plain', plain, createKafka('bench-transport', plain.kafkaBrokers, log, { security: {} }), records);
    // The secure topics are written as admin: a benchmark topic prefix is nobody's agreement.
    const secureKafka = createKafka('bench-transport', secure.kafkaBrokers, log, { security: kafkaSecurity(kafkaSecuritySettings(secure), 'bench-transport', 'admin') });
    const secureRate = await rate('secure', secure, secureKafka, records);
    process.stdout.write(
      `kafka transport: secure ${Math.round(secureRate)} records/s = ${((100 * secureRate) / plainRate).toFixed(1)} % of plain ${Math.round(plainRate)} records/s (${RECORD_BYTES}-byte records, ${PER_REQUEST} a request, acks=all, idempotent)\n`,
    );
  },
};
