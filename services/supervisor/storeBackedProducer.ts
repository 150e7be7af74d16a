import type { AgreementStore } from '../../libs/agreement-exchange';
import type { CdcProducer } from '../cdc-producer/cdcProducer';
import type { PipelineService } from './pipelineService';

/** A ministry's CDC producer following the agreement history in its own database; the store closes with it. */
export class StoreBackedProducer implements PipelineService {
  constructor(
    private readonly store: AgreementStore,
    private readonly producer: CdcProducer,
  ) {}

  get name(): string {
    return this.producer.name;
  }

  healthy(): boolean {
    return this.producer.healthy();
  }

  async start(): Promise<void> {
    await this.store.assertSchema();
    await this.producer.start();
  }

  async stop(): Promise<void> {
    await this.producer.stop();
    await this.store.close();
  }
}
