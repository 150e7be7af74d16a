import { randomBytes } from 'crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../libs/logger';
import type { WatermarkWatch } from './watermarkWatch';

export interface WatermarkReaderOptions {
  kafka: Kafka;
  /** The apply consumer's group: the reader's own group is named after it. */
  group: string;
  watch: WatermarkWatch;
  log: Logger;
  /** How often the watch looks at its expectations and the silence (default 1 s). */
  checkEveryMs?: number;
  /** Wait before trying to subscribe again when the watermark topic does not exist yet (default 5 s). */
  retryMs?: number;
}

/**
 * Reads the provider's watermark topic for one apply consumer process. Every member of an apply group
 * must see every watermark (each checks the partitions it holds), so the reader is not a member of the
 * apply group: it joins a group of its own, `<group>.watermarks.<random>`, from the latest offset, and
 * commits nothing — a watermark made before this process started says nothing it can check. The
 * topic is made by the provider's producer with its first watermark; until then the reader tries again,
 * and the watch's silence alarm runs meanwhile.
 */
export class WatermarkReader {
  private consumer?: Consumer;
  private checkTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private attempts = 0;

  constructor(private readonly o: WatermarkReaderOptions) {}

  start(): void {
    this.stopped = false;
    this.o.watch.restartSilence();
    this.checkTimer = setInterval(() => this.o.watch.check(), this.o.checkEveryMs ?? 1000);
    void this.subscribe();
  }

  private async subscribe(): Promise<void> {
    if (this.stopped) return;
    const { kafka, group, watch, log } = this.o;
    const consumer = kafka.consumer({ groupId: `${group}.watermarks.${randomBytes(4).toString('hex')}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [watch.watermarkTopic], fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, message }) => {
          watch.receive({ topic, value: message.value, headers: message.headers ?? {} });
        },
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      if (this.consumer === consumer) this.consumer = undefined;
      if (this.attempts++ % 12 === 0) log.warn('the watermark topic cannot be read yet; trying again', { group, topic: watch.watermarkTopic, error: (err as Error).message });
      if (!this.stopped) this.retryTimer = setTimeout(() => void this.subscribe(), this.o.retryMs ?? 5000);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.retryTimer);
    const c = this.consumer;
    this.consumer = undefined;
    await c?.disconnect().catch(() => undefined);
  }
}
