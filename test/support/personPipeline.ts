import { Client } from 'pg';
import { compileEntityShare, type AgreementDocument, type CompiledEntityShare } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import type { Logger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { PublicKeyRing } from '../../libs/signing';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { CdcProducer, CdcProducerOptions } from '../../services/cdc-producer/cdcProducer';
import { confirmedHistory, keyOf } from './agreementHistory';
import { heldRows, sharedRows } from './partnerView';
import { ProducerFixture } from './producerFixture';
import { ScratchDatabase } from './scratchDatabase';
import { exampleAgreement } from './testAgreements';

/**
 * The whole pipeline on the shared stack for one entity share of cand's person table: a scratch cand
 * database with its producer, a scratch qdnd partner store with its apply consumer, under an agreement
 * built from the cand → qdnd example; `converged` says whether the partner store equals the share.
 */
export class PersonPipeline {
  consumer?: ApplyConsumer;
  producer?: CdcProducer;

  private constructor(
    readonly fx: ProducerFixture,
    readonly receiver: ScratchDatabase,
    readonly dst: Client,
    readonly share: CompiledEntityShare,
    private readonly policy: AgreementPolicy,
    private readonly ring: PublicKeyRing,
    private readonly log: Logger,
  ) {}

  static async create(label: string, id: string, fields: readonly string[], log: Logger): Promise<PersonPipeline> {
    const config = loadConfig();
    const contracts = loadContracts();
    const doc: AgreementDocument = { ...exampleAgreement('cand-to-qdnd'), id, data: { entities: [{ entity: 'person', fields: [...fields] }] } };
    const [fx, receiver] = await Promise.all([ProducerFixture.create(label, doc), ScratchDatabase.create(config.qdndPgUrl, `${label}dst`)]);
    await migrate(receiver.url, 'qdnd');
    const dst = new Client({ connectionString: receiver.url });
    await dst.connect();
    for (const c of [fx.sql, dst]) await c.query("SET TimeZone = 'UTC'");
    const ring = new PublicKeyRing();
    const providerKey = keyOf(doc, doc.parties.provider.id, fx.keys);
    ring.add(providerKey.keyId, providerKey.publicKeyPem);
    const policy = new AgreementPolicy(confirmedHistory(doc, fx.keys).state, 'qdnd', contracts);
    return new PersonPipeline(fx, receiver, dst, compileEntityShare(doc.data.entities[0], contracts.get('person')), policy, ring, log);
  }

  async start(producer: Partial<CdcProducerOptions> = {}): Promise<void> {
    const config = loadConfig();
    this.producer = this.fx.producer({ partitions: 1, heartbeatMs: 300, log: this.log, ...producer });
    await this.producer.start();
    this.consumer = new ApplyConsumer({
      receiver: 'qdnd',
      provider: 'cand',
      agreementId: this.fx.agreement.id,
      entities: ['person'],
      policy: this.policy,
      contracts: loadContracts(),
      providerKeys: this.ring,
      pgUrl: this.receiver.url,
      kafkaBrokers: config.kafkaBrokers,
      registryUrl: config.registryUrl,
      log: this.log,
      topicPrefix: this.fx.prefix,
      applyBatchSize: 200,
    });
    await this.consumer.start();
  }

  async converged(): Promise<boolean> {
    return JSON.stringify(await sharedRows(this.fx.sql, this.share)) === JSON.stringify(await heldRows(this.dst, 'partner_cand', 'person', this.share.fields));
  }

  async close(): Promise<void> {
    await this.consumer?.stop().catch(() => undefined);
    await this.fx.close();
    await this.dst.end().catch(() => undefined);
    await this.receiver.drop();
  }
}
