import type { AgreementStore } from '../../libs/agreement-exchange';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import type { SigningKey } from '../../libs/signing';
import type { CdcProducer } from '../cdc-producer/cdcProducer';
import type { PipelineService } from './pipelineService';
import { chooseProducerKey, type ProducerKeyChoice } from './producerKey';

export interface GovernedProducerOptions {
  ministry: Ministry;
  keysDir: string;
  /** This ministry's copy of the agreement history (closed on stop). */
  store: AgreementStore;
  /** A producer signing with `key`; called again when the key must change. */
  create(key: SigningKey): CdcProducer;
  log: Logger;
  /** How often the agreements are read again for a change of key; default 15 s. */
  recheckMs?: number;
}

/**
 * A ministry's CDC producer, signing with the key its agreements list for it as provider
 * (chooseProducerKey). When the agreements come to list another key (an agreement confirmed while
 * running, an amendment naming a new key) the producer is restarted with it: the slot keeps the last
 * acknowledged position, so nothing is lost, at most repeated.
 */
export class GovernedProducer implements PipelineService {
  readonly name: string;
  private producer?: CdcProducer;
  private choice?: ProducerKeyChoice;
  private timer?: NodeJS.Timeout;
  private checking: Promise<void> = Promise.resolve();
  private busy = false;
  private stopped = false;

  constructor(private readonly o: GovernedProducerOptions) {
    this.name = `cdc-producer-${o.ministry}`;
  }

  /** The key id events are signed with now. */
  get keyId(): string | undefined {
    return this.choice?.key.keyId;
  }

  healthy(): boolean {
    return this.producer?.healthy() ?? false;
  }

  async start(): Promise<void> {
    await this.run(await this.choose());
    this.timer = setInterval(() => this.recheck(), this.o.recheckMs ?? 15_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
    await this.producer?.stop();
    this.producer = undefined;
    await this.o.store.close();
  }

  private async choose(): Promise<ProducerKeyChoice> {
    return chooseProducerKey(await this.o.store.allStates(), this.o.ministry, this.o.keysDir);
  }

  private async run(choice: ProducerKeyChoice): Promise<void> {
    const { ministry, log } = this.o;
    const producer = this.o.create(choice.key);
    this.choice = choice;
    try {
      await producer.start();
    } catch (err) {
      await producer.stop().catch(() => undefined);
      throw err;
    }
    this.producer = producer;
    if (choice.source === 'ministry-key') {
      log.warn('no agreement lists a key held here for this provider; events are signed with the ministry key and receivers will not apply them', { ministry, keyId: choice.key.keyId });
    } else {
      log.info('cdc producer signs with the provider key the agreements list', { ministry, keyId: choice.key.keyId, basis: choice.source, agreements: choice.agreements });
    }
    if (choice.uncovered.length > 0) {
      log.warn('agreements in force list no provider key held here; their receivers will dead-letter these events', { ministry, keyId: choice.key.keyId, agreements: choice.uncovered });
    }
  }

  private recheck(): void {
    if (this.busy || this.stopped) return;
    this.busy = true;
    this.checking = (async () => {
      const next = await this.choose();
      if (this.stopped) return;
      if (this.producer && next.key.keyId === this.choice?.key.keyId) return;
      this.o.log.info('agreements name another provider key; restarting the cdc producer with it', { ministry: this.o.ministry, from: this.choice?.key.keyId, to: next.key.keyId });
      const old = this.producer;
      this.producer = undefined;
      await old?.stop();
      await this.run(next);
    })()
      .catch((err: unknown) => {
        this.o.log.error('cdc producer restart failed; retried at the next check', { ministry: this.o.ministry, error: (err as Error).message });
      })
      .finally(() => {
        this.busy = false;
      });
  }
}
