import { generateKeyPairSync } from 'crypto';
import { Partitioners, type Kafka, type Producer, type ProducerConfig } from 'kafkajs';
import { watermarkTopic } from '../../libs/events';
import { leaderMovingCluster, messageProducerOver, type ProducedRequest } from '../../libs/kafka/__fixtures__/leaderMovingCluster';
import type { Logger } from '../../libs/logger';
import type { AckedSequence } from './ackedSequence';
import type { PublicationPlan } from './agreementPlan';
import type { ProviderKeys } from './providerKeys';
import { WatermarkEmitter } from './watermarkEmitter';

const PREFIX = 'p';
const AGREEMENTS = ['TTDL-CAND-QDND-2026-01', 'TTDL-CAND-QDND-2026-02', 'TTDL-CAND-QDND-2026-03'];

/** Three agreements in force, each with its one-partition watermark topic, the second led by the broker that dies. */
function emitter(produced: ProducedRequest[], warnings: [string, { error?: string }][]): WatermarkEmitter {
  const cluster = leaderMovingCluster(produced, { partitions: 1, leaderOf: (topic) => (topic.includes(AGREEMENTS[1]) ? 2 : 1) });
  const kafka = {
    producer: (config: ProducerConfig = {}) => {
      const partitioner = (config.createPartitioner ?? Partitioners.DefaultPartitioner)();
      return { ...messageProducerOver(cluster, partitioner), connect: async () => undefined, disconnect: async () => undefined } as unknown as Producer;
    },
    // The watermark topics exist: nothing to create.
    admin: () => ({ connect: async () => undefined, disconnect: async () => undefined, listTopics: async () => AGREEMENTS.map((id) => watermarkTopic(PREFIX, 'cand', id)) }),
  } as unknown as Kafka;
  const record = { document: { parties: { provider: { id: 'cand' } }, security: { keys: [] } } };
  const plan = {
    agreements: AGREEMENTS.map((agreementId) => ({
      agreementId,
      entities: new Set(['person']),
      topic: (e: string) => `${PREFIX}.cand.${agreementId}.${e}`,
      segmentAt: () => ({ fromMs: 0, toMs: Infinity, kind: 'publish', record }),
      ended: () => false,
    })),
  } as unknown as PublicationPlan;
  const key = { keyId: 'cand-20261204-0a1b2c3d', ...generateKeyPairSync('ed25519') };
  const log = { warn: (message: string, meta: { error?: string }) => warnings.push([message, meta]) } as unknown as Logger;
  return new WatermarkEmitter({
    ministry: 'cand',
    kafka,
    prefix: PREFIX,
    keys: { find: () => key } as unknown as ProviderKeys,
    log,
    intervalMs: 1000,
    plan: () => plan,
    run: () => ({ run: 'r1', acked: { partitions: () => [] } as unknown as AckedSequence, lastCommitUs: 0 }),
    sourceEpoch: () => '1',
  });
}

describe('WatermarkEmitter', () => {
  it('reports a watermark kafkajs left out (its topic’s leader moved) as not sent, to be sent anew at the next interval', async () => {
    const produced: ProducedRequest[] = [];
    const warnings: [string, { error?: string }][] = [];
    await emitter(produced, warnings).emit();
    // kafkajs sent the first and third agreements' watermarks; the second's went nowhere.
    expect(produced).toEqual([{ nodeId: 1, partitions: [0, 0] }]);
    expect(warnings).toEqual([['signed watermark not sent; tried again at the next interval', expect.objectContaining({ ministry: 'cand' })]]);
    expect(warnings[0][1].error).toContain(`${watermarkTopic(PREFIX, 'cand', AGREEMENTS[1])}/0`);
  });
});
