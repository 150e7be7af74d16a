import { randomUUID } from 'crypto';
import type { Kafka } from 'kafkajs';
import { type Config } from '../../libs/config';
import { agreementTopic, applyGroupId } from '../../libs/contracts/agreementTopics';
import { deriveAcls, syncAcls, type AgreementGrant } from '../../libs/kafka-access';
import { syncStackAcls } from '../../libs/stack/secureStack';
import type { StackManager } from '../../libs/stack';
import { SecureKafkaCluster } from '../../libs/stack/secureKafkaCluster';
import { kafkaAs, upSecureStack } from './secureStackSupport';

/**
 * The ACLs derived from two agreements, on the secure stack's brokers: cand shares with qdnd under
 * A1, qdnd with cand under A2. Each principal does what its agreements allow and nothing else.
 */
const run = randomUUID().slice(0, 8);
const A1 = `TEST-ACL-${run}-CQ`;
const A2 = `TEST-ACL-${run}-QC`;
const grants: AgreementGrant[] = [
  { agreementId: A1, provider: 'cand', receivers: ['qdnd'], entities: ['person'] },
  { agreementId: A2, provider: 'qdnd', receivers: ['cand'], entities: ['person'] },
];
const topicA1 = agreementTopic('thahs', 'cand', A1, 'person');
const topicA2 = agreementTopic('thahs', 'qdnd', A2, 'person');

let config: Config;
let stack: StackManager;
let kafka: SecureKafkaCluster;

beforeAll(async () => {
  ({ config, stack } = await upSecureStack());
  kafka = stack.secureKafka();
  await syncAcls(kafkaAs(config, 'admin'), deriveAcls(grants));
  const admin = kafkaAs(config, 'admin').admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: topicA1, numPartitions: 1 },
      { topic: topicA2, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
}, 600_000);

afterAll(async () => {
  const admin = kafkaAs(config, 'admin').admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topicA1, topicA2] }).catch(() => undefined);
  await admin.disconnect();
  // Back to what the agreements in force in the stack's databases open.
  await syncStackAcls(config, kafka);
});

async function send(k: Kafka, topic: string, idempotent = true): Promise<void> {
  const p = k.producer({ idempotent, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 1 } });
  await p.connect();
  try {
    await p.send({ topic, acks: -1, messages: [{ key: 'k', value: `v-${Date.now()}` }] });
  } finally {
    await p.disconnect();
  }
}

/** Joins `groupId`, reads `topic` from the start and resolves with the first value, or rejects with the consumer's crash. */
async function readOne(k: Kafka, topic: string, groupId: string): Promise<string> {
  const c = k.consumer({ groupId, retry: { retries: 0 }, allowAutoTopicCreation: false });
  try {
    await c.connect();
    await c.subscribe({ topics: [topic], fromBeginning: true });
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing read from ${topic} in 30 s`)), 30_000);
      c.on(c.events.CRASH, (e) => {
        clearTimeout(timer);
        reject(e.payload.error);
      });
      void c
        .run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(String(message.value));
          },
        })
        .catch(reject);
    });
  } finally {
    await c.disconnect().catch(() => undefined);
  }
}

const refusal = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
  throw new Error('expected a refusal, the call succeeded');
};

describe('Kafka ACLs of the exchange', () => {
  it("a producer writes its own ministry's agreement topic", async () => {
    await expect(send(kafkaAs(config, 'producer-cand', 'cdc-producer-cand'), topicA1)).resolves.toBeUndefined();
  });

  it("a producer is refused writing another ministry's topic", async () => {
    expect(await refusal(send(kafkaAs(config, 'producer-cand', 'cdc-producer-cand'), topicA2))).toMatch(/not authorized/i);
  });

  it("a receiver reads its agreement's topic in its agreement's group", async () => {
    await expect(readOne(kafkaAs(config, 'apply-qdnd', `apply-consumer-${A1}-qdnd`), topicA1, applyGroupId('thahs', A1, 'qdnd'))).resolves.toMatch(/^v-/);
  });

  it('a receiver is refused reading a topic outside its agreements', async () => {
    // qdnd receives under A1 only; A2 is qdnd's own data going to cand.
    await send(kafkaAs(config, 'producer-qdnd', 'cdc-producer-qdnd'), topicA2);
    expect(await refusal(readOne(kafkaAs(config, 'apply-qdnd'), topicA2, applyGroupId('thahs', A1, 'qdnd')))).toMatch(/Not authorized to access topics/);
  });

  it("a receiver is refused joining another agreement's group", async () => {
    const answers: string[] = [];
    expect(await refusal(readOne(kafkaAs(config, 'apply-qdnd', 'test-apply-qdnd', undefined, answers), topicA1, applyGroupId('thahs', A2, 'cand')))).toMatch(/group coordinator/);
    expect(answers).toContain('Not authorized to access group: Group authorization failed');
  });

  it('the other receiver reads its own agreement only', async () => {
    await expect(readOne(kafkaAs(config, 'apply-cand'), topicA2, applyGroupId('thahs', A2, 'cand'))).resolves.toMatch(/^v-/);
    expect(await refusal(readOne(kafkaAs(config, 'apply-cand'), topicA1, applyGroupId('thahs', A2, 'cand')))).toMatch(/not authorized/i);
  });

  it('an operator reads with an inspection group but writes nothing', async () => {
    await expect(readOne(kafkaAs(config, 'operator'), topicA1, `thahs-inspect-${run}`)).resolves.toMatch(/^v-/);
    // Idempotent writes need a cluster right operators lack; a plain write is refused on the topic itself.
    expect(await refusal(send(kafkaAs(config, 'operator'), topicA1))).toMatch(/Cluster authorization failed/);
    expect(await refusal(send(kafkaAs(config, 'operator'), topicA1, false))).toMatch(/Not authorized to access topics/);
  });

  it('the synchronisation removes what an agreement that ended opened', async () => {
    const r = await syncAcls(kafkaAs(config, 'admin'), deriveAcls(grants.slice(1)), { dryRun: true });
    expect(r.created).toEqual([]);
    expect(r.deleted.map((x) => x.principal)).toEqual(expect.arrayContaining(['apply-qdnd']));
    expect(r.deleted.every((x) => x.name.includes(A1) || x.resource === 'cluster')).toBe(true);
  });
});
