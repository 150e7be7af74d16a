import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import type { AgreementState } from '../../libs/agreements';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import type { SigningKey } from '../../libs/signing';
import type { ApplyGate } from './applyGate';
import type { DeletionRecord } from './deletionRecord';
import { deletionRecordMessage } from './deletionRecordMessage';
import { ScopeEnforcer } from './scopeEnforcer';

export interface EnforcementLoopOptions {
  receiver: Ministry;
  provider: Ministry;
  agreementId: string;
  group: string;
  schema: string;
  contracts: ContractRegistry;
  state(): AgreementState | null;
  signingKey: SigningKey;
  pool: Pool;
  producer(): Producer;
  kafka: Kafka;
  /** Where deletion records go to the provider. */
  deletionTopic: string;
  /** The agreement's event topics and this receiver's dead-letter topic of it: deleted from the platform at the end. */
  platformTopics(): string[];
  /** Stops fetching from the agreement's topics before they are deleted. */
  pauseFetching(): void;
  gate: ApplyGate;
  log: Logger;
  everyMs?: number;
  retentionEveryMs?: number;
  onColumnsDropped(entity: string): void;
}

/**
 * The agreement-enforcement loop: the ScopeEnforcer (purges a narrowed scope, sweeps retention, executes
 * element 10 at the end) run on start and then every `everyMs`, always alone (the gate keeps chunks out:
 * a purge must not fall between an event's assessment and its write). At the end it also deletes the
 * agreement's topics from the platform, and the deletion record says so.
 */
export class EnforcementLoop {
  private readonly enforcer: ScopeEnforcer;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly o: EnforcementLoopOptions) {
    this.enforcer = new ScopeEnforcer(o.pool, {
      receiver: o.receiver,
      provider: o.provider,
      agreementId: o.agreementId,
      schema: o.schema,
      state: o.state,
      contracts: o.contracts,
      signingKey: o.signingKey,
      publish: (r) => this.publish(r),
      log: o.log,
      onColumnsDropped: o.onColumnsDropped,
      retentionEveryMs: o.retentionEveryMs,
      deleteTopics: () => this.deletePlatformTopics(),
    });
  }

  /** Performs what the agreement makes due at `now`; returns the deletion records written. */
  runNow(now: Date = new Date()): Promise<DeletionRecord[]> {
    return this.o.gate.exclusive(() => this.enforcer.runDue(now));
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.o.everyMs ?? 60_000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.running) return;
    this.running = true;
    this.runNow()
      .catch((err: Error) => this.o.log.error('scope enforcement failed; retried at the next interval', { group: this.o.group, agreement: this.o.agreementId, error: err.message }))
      .finally(() => {
        this.running = false;
      });
  }

  private async publish(record: DeletionRecord): Promise<void> {
    await this.o.producer().send({ topic: this.o.deletionTopic, acks: -1, messages: [deletionRecordMessage(record)] });
  }

  /**
   * Element (10) on the platform: the agreement's event topics and this receiver's dead-letter topic of
   * it are deleted, after fetching from them stops. The provider never creates them again for an
   * agreement that has ended. A topic already gone counts as deleted.
   */
  private async deletePlatformTopics(): Promise<string[]> {
    const topics = this.o.platformTopics();
    this.o.pauseFetching();
    const admin = this.o.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const present = topics.filter((t) => existing.has(t));
      if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 });
      this.o.log.info('agreement topics deleted from the platform', { group: this.o.group, agreement: this.o.agreementId, topics: present.length });
      return topics;
    } finally {
      await admin.disconnect();
    }
  }
}
