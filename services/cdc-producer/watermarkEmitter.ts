import type { Kafka, Producer } from 'kafkajs';
import { partyKeyIds } from '../../libs/agreements';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { encodeWatermark, encodeWatermarkProof, WATERMARK_HEADER, watermarkDigest, watermarkTopic, type Watermark, type WatermarkPartition } from '../../libs/events';
import { checkedProducer, ensureTopics } from '../../libs/kafka';
import type { Logger } from '../../libs/logger';
import { signBatch, type SigningKey } from '../../libs/signing';
import type { AckedSequence } from './ackedSequence';
import type { PublicationPlan } from './agreementPlan';
import type { ProviderKeys } from './providerKeys';

/** A watermark topic keeps a day: receivers read only the ones made after they start. */
const RETENTION_MS = 24 * 3600 * 1000;

export interface WatermarkEmitterOptions {
  ministry: Ministry;
  /** The producer's main-thread client (admin and this small producer; events go through the sender thread). */
  kafka: Kafka;
  prefix: string;
  keys: ProviderKeys;
  log: Logger;
  intervalMs: number;
  plan(): PublicationPlan;
  /** The current run and what Kafka acknowledged of it; undefined while the producer is not streaming. */
  run(): { run: string; acked: AckedSequence; lastCommitUs: number } | undefined;
  sourceEpoch(): string;
  now?: () => number;
}

/**
 * Every `intervalMs` (the producer's heartbeat interval), one signed watermark per agreement the
 * producer publishes under now: for each partition of the agreement's topics that this run has
 * numbered, the last number Kafka acknowledged and the keys of the last events sent there. It is
 * signed with the provider body's key the agreement lists, through the events' signing code (a
 * one-leaf Merkle tree), so the platform cannot make one up. A watermark that cannot be sent is
 * logged and tried again at the next interval: receivers alarm on a silence, so a lost one costs
 * nothing but a later one.
 */
export class WatermarkEmitter {
  private timer?: NodeJS.Timeout;
  private producer?: Producer;
  private readonly provisioned = new Set<string>();
  private busy = false;
  private lastAtUs = 0;
  private failures = 0;

  constructor(private readonly o: WatermarkEmitterOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.emit(), this.o.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }

  /** Builds the signed watermarks of now (one per agreement publishing now); exposed for tests. */
  watermarks(): { topic: string; value: Buffer; headers: Record<string, Buffer> }[] {
    const current = this.o.run();
    if (!current) return [];
    const nowMs = (this.o.now ?? Date.now)();
    // Strictly increasing, so a receiver can refuse a replayed one.
    const atUs = Math.max(nowMs * 1000, this.lastAtUs + 1);
    this.lastAtUs = atUs;
    const out = [];
    for (const a of this.o.plan().agreements) {
      const seg = a.segmentAt(nowMs);
      if (seg.kind === 'none' || a.ended(nowMs)) continue;
      const doc = seg.record.document;
      const key: SigningKey | undefined = this.o.keys.find(partyKeyIds(doc, doc.parties.provider.id));
      if (!key) continue;
      const partitions: WatermarkPartition[] = [];
      for (const e of [...a.entities].sort()) partitions.push(...current.acked.partitions(a.topic(e)));
      const w: Watermark = {
        ministry: this.o.ministry,
        agreementId: a.agreementId,
        keyId: key.keyId,
        run: current.run,
        atUs,
        intervalMs: this.o.intervalMs,
        sourceEpoch: this.o.sourceEpoch() || 'unknown',
        lastCommitUs: current.lastCommitUs,
        partitions,
      };
      const topic = watermarkTopic(this.o.prefix, this.o.ministry, a.agreementId);
      const value = encodeWatermark(w);
      const [proof] = signBatch([watermarkDigest(topic, value)], key);
      out.push({ topic, value, headers: { [WATERMARK_HEADER]: encodeWatermarkProof(proof.signature, proof.path) } });
    }
    return out;
  }

  async emit(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const records = this.watermarks();
      if (records.length === 0) return;
      const fresh = records.map((r) => r.topic).filter((t) => !this.provisioned.has(t));
      if (fresh.length > 0) {
        await ensureTopics(
          this.o.kafka,
          fresh.map((topic) => ({ topic, partitions: 1, cleanup: 'delete' as const, retentionMs: RETENTION_MS })),
        );
        for (const t of fresh) this.provisioned.add(t);
      }
      if (!this.producer) {
        // One request carries every agreement's watermark: kafkajs could drop one of them unnoticed (checkedProducer).
        const p = checkedProducer(this.o.kafka, { allowAutoTopicCreation: false });
        await p.connect();
        this.producer = p;
      }
      await this.producer.sendBatch({ acks: -1, topicMessages: records.map((r) => ({ topic: r.topic, messages: [{ key: null, value: r.value, headers: r.headers }] })) });
      this.failures = 0;
    } catch (err) {
      // One line at the first failure and every tenth: receivers see the silence anyway.
      if (this.failures++ % 10 === 0) this.o.log.warn('signed watermark not sent; tried again at the next interval', { ministry: this.o.ministry, error: (err as Error).message });
    } finally {
      this.busy = false;
    }
  }
}
