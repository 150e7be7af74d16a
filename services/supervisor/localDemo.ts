import { Client } from 'pg';
import { ministryOfParty, openMinistryExchange, type ExchangeTopics, type MinistryExchange } from '../../libs/agreement-exchange';
import { allParties, partyKeyIds, quoteIdent, versionRecordInForce, type AgreementDocument, type ContractLookup } from '../../libs/agreements';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import { ProducerState } from '../cdc-producer/producerState';
import { planBootstrap, type BootstrapStep } from './bootstrapPlan';
import { demoDocument, partyKeyHashes } from './demoAgreements';
import { DemoBootstrapError } from './demoBootstrapError';
import type { PipelineService } from './pipelineService';

export interface LocalDemoAgreementsOptions {
  urls: Readonly<Record<Ministry, string>>;
  kafkaBrokers: string[];
  topics: ExchangeTopics;
  keysDir: string;
  contracts: ContractLookup;
  /** The example documents (deploy/agreements), with their placeholder key ids. */
  templates: readonly AgreementDocument[];
  /** The key id each body signs with (ensurePartyKeys, run before the sync services read the keys folder). */
  keyIds: ReadonlyMap<string, string>;
  /** The CDC slot of a ministry: when it exists already, rows it published before the agreement are published again. */
  slot(ministry: Ministry): string;
  log: Logger;
  /** How long a step may wait for the sync services; default 60 s. */
  waitMs?: number;
}

export interface DemoAgreementOutcome {
  agreementId: string;
  result: 'in-force' | 'brought-into-force' | 'blocked';
  detail: string;
}

/**
 * Local stack only: brings the example agreements (one per direction) into force the way two
 * ministries would — every party holds its own key, the provider drafts and proposes, each consumer
 * confirms, every step signed and published through AgreementExchangeClient and stored by both
 * ministries' agreement-sync services — so the rest of the pipeline finds them in the databases like
 * any other agreement. Idempotent: an agreement already in force is left alone, one left half-way by an
 * interrupted start is finished (bootstrapPlan). Runs after the sync services and before the producers.
 *
 * Rows are governed by the version in force at their commit time, so rows published before the
 * agreement came into force are withheld by the receiver. When this start brought an agreement into
 * force and the provider's slot already exists (a stack used before), the shared tables are published
 * again through the producer's re-snapshot (method.initialSnapshot).
 */
export class LocalDemoAgreements implements PipelineService {
  readonly name = 'demo-agreements';
  readonly outcomes: DemoAgreementOutcome[] = [];
  private readonly exchanges = new Map<string, MinistryExchange>();
  private done = false;

  constructor(private readonly o: LocalDemoAgreementsOptions) {}

  healthy(): boolean {
    return this.done;
  }

  async start(): Promise<void> {
    try {
      for (const template of this.o.templates) this.outcomes.push(await this.bring(template));
    } finally {
      await this.close();
    }
    this.done = true;
  }

  async stop(): Promise<void> {
    await this.close();
  }

  private async close(): Promise<void> {
    const open = [...this.exchanges.values()];
    this.exchanges.clear();
    for (const e of open) await e.close().catch(() => undefined);
  }

  private keyId(party: string): string {
    const k = this.o.keyIds.get(party);
    if (!k) throw new DemoBootstrapError(undefined, undefined, `no key for party ${party}`);
    return k;
  }

  private exchange(party: string): MinistryExchange {
    let e = this.exchanges.get(party);
    if (!e) {
      const ministry = ministryOfParty(party);
      e = openMinistryExchange({
        ministry,
        party,
        pgUrl: this.o.urls[ministry],
        kafkaBrokers: this.o.kafkaBrokers,
        topics: this.o.topics,
        keysDir: this.o.keysDir,
        contracts: this.o.contracts,
        waitMs: this.o.waitMs ?? 60_000,
        log: this.o.log,
      });
      this.exchanges.set(party, e);
    }
    return e;
  }

  private async bring(template: AgreementDocument): Promise<DemoAgreementOutcome> {
    const { log } = this.o;
    const id = template.id;
    const provider = this.exchange(template.parties.provider.id);
    let acted = false;
    for (let round = 0; round < 3; round++) {
      await provider.client().catchUp();
      const plan = planBootstrap(await provider.store.state(id), template, (p) => this.keyId(p), Date.now());
      if (plan.action === 'blocked') {
        log.warn('example agreement cannot be brought into force; its direction carries no data', { agreement: id, reason: plan.reason });
        return { agreementId: id, result: 'blocked', detail: plan.reason };
      }
      if (plan.action === 'skip') {
        await this.waitInForce(template);
        if (!acted) {
          log.info('example agreement already in force', { agreement: id, detail: plan.reason });
          return { agreementId: id, result: 'in-force', detail: plan.reason };
        }
        if (template.method.initialSnapshot) await this.republishShared(template);
        log.info('example agreement brought into force', {
          agreement: id,
          detail: plan.reason,
          provider: template.parties.provider.id,
          consumers: template.parties.consumers.map((c) => c.id),
        });
        return { agreementId: id, result: 'brought-into-force', detail: plan.reason };
      }
      for (const step of plan.steps) await this.take(template, step);
      acted = true;
    }
    throw new DemoBootstrapError(id, undefined, 'still not in force after three rounds of lifecycle steps');
  }

  private async take(template: AgreementDocument, step: BootstrapStep): Promise<void> {
    const client = this.exchange(step.party).client();
    const id = template.id;
    switch (step.kind) {
      case 'draft':
        await client.draft(demoDocument(template, step.version, this.o.keyIds, Date.now(), this.o.contracts, partyKeyHashes(this.o.keysDir, this.o.keyIds)));
        break;
      case 'propose':
        await client.propose(id);
        break;
      case 'confirm':
        await client.confirm(id);
        break;
      case 'resume':
        await client.resume(id, 'local demo: the example exchange runs again');
        break;
    }
    this.o.log.info('example agreement step stored', { agreement: id, step: step.kind, party: step.party, ...(step.kind === 'draft' ? { version: step.version } : {}) });
  }

  /** Both ministries' databases must hold the version in force before the producers and consumers read them. */
  private async waitInForce(template: AgreementDocument): Promise<void> {
    const providerParty = template.parties.provider.id;
    const wanted = this.keyId(providerParty);
    const byMinistry = new Map<Ministry, MinistryExchange>();
    for (const p of allParties(template)) if (!byMinistry.has(p.ministry)) byMinistry.set(p.ministry, this.exchange(p.id));
    const until = Date.now() + (this.o.waitMs ?? 60_000);
    for (const [ministry, e] of byMinistry) {
      for (;;) {
        const state = await e.store.state(template.id);
        const doc = state ? versionRecordInForce(state, Date.now())?.document : undefined;
        if (doc && partyKeyIds(doc, providerParty).includes(wanted)) break;
        if (Date.now() > until)
          throw new DemoBootstrapError(template.id, ministry, `the ${ministry} database does not show the agreement in force; is its agreement-sync service running?`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async republishShared(template: AgreementDocument): Promise<void> {
    const ministry = template.parties.provider.ministry;
    const db = new Client({ connectionString: this.o.urls[ministry], application_name: 'thahs-demo-agreements' });
    await db.connect();
    try {
      const slot = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()', [this.o.slot(ministry)]);
      // No slot yet: the producer's first start snapshots every table, after the agreement came into force.
      if (slot.rowCount === 0) return;
      const state = new ProducerState(db);
      await state.ensure();
      const requested: string[] = [];
      for (const { entity } of template.data.entities) {
        // Entity names were checked against the contracts when the document was validated.
        const any = await db.query<{ present: boolean }>(`SELECT EXISTS (SELECT 1 FROM thahs.${quoteIdent(entity)}) AS present`);
        if (!any.rows[0]?.present) continue;
        await state.requestSnapshot(entity);
        requested.push(entity);
      }
      if (requested.length > 0)
        this.o.log.info('rows published before the agreement came into force will be published again', { agreement: template.id, ministry, entities: requested });
    } finally {
      await db.end();
    }
  }
}
