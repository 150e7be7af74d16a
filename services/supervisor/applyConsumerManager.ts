import type { AgreementStore } from '../../libs/agreement-exchange';
import type { AgreementState } from '../../libs/agreements';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import type { PublicKeyRing, SigningKey } from '../../libs/signing';
import { AgreementPolicy } from '../apply-consumer/agreementPolicy';
import { agreementEndAt, deletionDueAt, scopeVersionAt } from '../../libs/agreements';
import { ApplyConsumer } from '../apply-consumer/applyConsumer';
import type { PipelineService } from './pipelineService';

export interface ApplyConsumerManagerOptions {
  /** The ministry whose database receives. */
  receiver: Ministry;
  pgUrl: string;
  /** The receiver's copy of the agreement history, which its agreement-sync service keeps (closed on stop). */
  store: AgreementStore;
  contracts: ContractRegistry;
  /** Public keys the providers' events are verified with. */
  providerKeys: PublicKeyRing;
  /** The receiver's key: signs the deletion records its ScopeEnforcers send. */
  receiverKey: SigningKey;
  kafkaBrokers: string[];
  registryUrl: string;
  topicPrefix?: string;
  log: Logger;
  /** How often the store is read for lifecycle changes; default 5 s. */
  pollMs?: number;
  /** Fetch wait and stall time of the consumers (THAHS_APPLY_FETCH_WAIT_MS, THAHS_APPLY_STALL_SEC). */
  fetchWaitMs?: number;
  stallMs?: number;
  /** THAHS_APPLY_WATERMARK_ALLOWANCE_SEC, in ms. */
  watermarkAllowanceMs?: number;
}

/** What an agreement asks of the receiver now. */
export type ConsumerDemand = 'run' | 'finish' | 'none';

/**
 * run: the agreement binds the receiver now (in force, or suspended: events are then withheld), or it
 * has ended and its deletion (element 10) is not due yet, so the ScopeEnforcer must be there when it is.
 * finish: it has ended and the deletion is due: enforce once more, then the consumer may go.
 * none: nothing confirmed has started yet (or only a gap between versions).
 */
export function consumerDemand(state: AgreementState, nowMs: number): ConsumerDemand {
  const end = agreementEndAt(state, nowMs);
  if (end) return nowMs >= deletionDueAt(end) ? 'finish' : 'run';
  return scopeVersionAt(state, nowMs) ? 'run' : 'none';
}

interface Running {
  consumer: ApplyConsumer;
  policy: AgreementPolicy;
  entities: string;
}

/**
 * The apply consumers of one receiving ministry, one per agreement under which it receives, following
 * the agreement history in its database rather than files: polls the AgreementStore, hands each
 * running consumer's AgreementPolicy the newest state (amendment, suspension, termination take effect
 * on the next event and the next enforcement), starts a consumer when an agreement comes into force,
 * and stops it once the agreement has ended and its ScopeEnforcer has executed the deletion.
 */
export class ApplyConsumerManager implements PipelineService {
  readonly name: string;
  private readonly running = new Map<string, Running>();
  /** Agreements ended and enforced in this run, by agreement id and last event. */
  private readonly finished = new Set<string>();
  private readonly failing = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();
  private busy = false;
  private pollOk = false;
  private stopped = false;

  constructor(private readonly o: ApplyConsumerManagerOptions) {
    this.name = `apply-consumers-${o.receiver}`;
  }

  children(): readonly PipelineService[] {
    return [...this.running.values()].map((r) => r.consumer);
  }

  /** Agreement ids with a consumer running now. */
  agreements(): string[] {
    return [...this.running.keys()].sort();
  }

  healthy(): boolean {
    return !this.stopped && this.pollOk && this.failing.size === 0 && [...this.running.values()].every((r) => r.consumer.healthy());
  }

  async start(): Promise<void> {
    // The first reading must succeed: a receiver that cannot read its agreements applies nothing.
    await this.o.store.assertSchema();
    await this.pollOnce();
    this.timer = setInterval(() => {
      if (this.busy || this.stopped) return;
      this.polling = this.pollOnce();
    }, this.o.pollMs ?? 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.polling;
    for (const [id, r] of this.running) {
      await r.consumer.stop().catch((err: Error) => this.o.log.error('apply consumer failed to stop cleanly', { receiver: this.o.receiver, agreement: id, error: err.message }));
    }
    this.running.clear();
    await this.o.store.close();
  }

  private async pollOnce(): Promise<void> {
    this.busy = true;
    try {
      const states = await this.o.store.allStates();
      this.pollOk = true;
      for (const state of states) {
        if (this.stopped) return;
        await this.follow(state).catch((err: Error) => {
          this.failing.set(state.agreementId, err.message);
          this.o.log.error('apply consumer could not follow its agreement; retried at the next poll', {
            receiver: this.o.receiver,
            agreement: state.agreementId,
            error: err.message,
          });
        });
      }
    } catch (err) {
      this.pollOk = false;
      this.o.log.error('reading the agreement store failed; retried at the next poll', {
        receiver: this.o.receiver,
        database: this.o.store.database,
        error: (err as Error).message,
      });
    } finally {
      this.busy = false;
    }
  }

  private async follow(state: AgreementState): Promise<void> {
    const id = state.agreementId;
    const probe = new AgreementPolicy(state, this.o.receiver, this.o.contracts);
    const provider = probe.provider();
    const entities = probe.sharedEntities();
    // Only agreements under which this ministry receives: a confirmed version names its partner store here.
    if (!provider || provider === this.o.receiver || entities.length === 0) return;
    const doneKey = `${id}\u0000${state.lastEventHash}`;
    const demand = this.finished.has(doneKey) ? 'none' : consumerDemand(state, Date.now());
    let entry = this.running.get(id);
    if (entry && entry.policy.current.lastEventHash !== state.lastEventHash) {
      entry.policy.update(state);
      this.o.log.info('agreement history changed; consumer follows it', { receiver: this.o.receiver, agreement: id, events: state.events.length });
      if (entry.entities !== entities.join(',')) {
        // An amendment shares another set of entities: subscribe anew (the group keeps its offsets).
        this.o.log.info('shared entities changed; restarting the consumer', { receiver: this.o.receiver, agreement: id, entities });
        await this.retire(id, entry);
        entry = undefined;
      }
    }
    if (!entry && demand !== 'none') entry = await this.launch(state, provider, entities);
    this.failing.delete(id);
    if (entry && demand === 'finish') {
      const records = await entry.consumer.enforceNow();
      this.o.log.info('agreement ended and its deletion is done; stopping its consumer', { receiver: this.o.receiver, agreement: id, deletionRecords: records.length });
      await this.retire(id, entry);
      this.finished.add(doneKey);
    }
  }

  private async launch(state: AgreementState, provider: Ministry, entities: string[]): Promise<Running> {
    const { receiver, log } = this.o;
    const policy = new AgreementPolicy(state, receiver, this.o.contracts);
    const consumer = new ApplyConsumer({
      receiver,
      provider,
      agreementId: state.agreementId,
      entities,
      policy,
      contracts: this.o.contracts,
      providerKeys: this.o.providerKeys,
      pgUrl: this.o.pgUrl,
      kafkaBrokers: this.o.kafkaBrokers,
      registryUrl: this.o.registryUrl,
      log: log.child({ component: `apply-consumer-${state.agreementId}-${receiver}` }),
      partnerSchema: policy.partnerSchema(),
      topicPrefix: this.o.topicPrefix,
      fetchWaitMs: this.o.fetchWaitMs,
      stallMs: this.o.stallMs,
      watermarkAllowanceMs: this.o.watermarkAllowanceMs,
      enforcement: { state: () => policy.current, signingKey: this.o.receiverKey },
    });
    await consumer.start();
    const entry: Running = { consumer, policy, entities: entities.join(',') };
    this.running.set(state.agreementId, entry);
    log.info('apply consumer started for an agreement', { receiver, provider, agreement: state.agreementId, group: consumer.groupId, entities });
    return entry;
  }

  private async retire(id: string, entry: Running): Promise<void> {
    this.running.delete(id);
    await entry.consumer.stop();
  }
}
