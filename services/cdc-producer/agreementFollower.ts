import type { AgreementState } from '../../libs/agreements';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import type { Logger } from '../../libs/logger';
import { PublicationPlan } from './agreementPlan';

/** The agreement histories the producer follows (its ministry's copy, e.g. AgreementStore.allStates). */
export type AgreementSource = () => Promise<readonly AgreementState[]>;

/** What readies the platform for a plan (RouteProvisioner): topics and schemas; returns the smallest max.message.bytes of its topics. */
export interface PlanProvisioner {
  provision(plan: PublicationPlan, nowMs: number): Promise<number | undefined>;
}

export interface AgreementFollowerOptions {
  ministry: Ministry;
  agreements: AgreementSource;
  contracts: ContractRegistry;
  /** Topic prefix of the plans built. */
  prefix: string;
  provisioner: PlanProvisioner;
  /** Told the largest Kafka request the provisioned topics accept. */
  limitRequests: (bytes: number) => void;
  log: Logger;
  /** How often the agreements are read again once started. */
  pollMs: number;
}

/**
 * Follows the agreements under which the ministry provides: reads their histories (at start and on a
 * timer), builds the publication plan and readies the platform for it before it is used, then holds it
 * until the stream's next transaction boundary takes it: a plan never changes within a transaction.
 */
export class AgreementFollower {
  private current = PublicationPlan.empty();
  private pending?: PublicationPlan;
  private reading = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: AgreementFollowerOptions) {}

  /** The plan in force on the stream. */
  get plan(): PublicationPlan {
    return this.current;
  }

  /** The newest plan known: the one waiting for the next boundary, else the one in force (snapshot jobs are checked against it). */
  latestPlan(): PublicationPlan {
    return this.pending ?? this.current;
  }

  hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** At a transaction boundary: the waiting plan, if any, comes into force and is returned. */
  takePending(): PublicationPlan | undefined {
    const next = this.pending;
    if (next === undefined) return undefined;
    this.current = next;
    this.pending = undefined;
    return next;
  }

  /**
   * Reads the agreement histories again and readies the platform for them (topics, schemas); the
   * stream takes the new plan at its next transaction boundary. A history that cannot be read leaves the
   * current plan in force: what it allowed stays allowed until its own rules end it. A read while one
   * is under way returns at once.
   */
  async follow(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const plan = PublicationPlan.build(await this.o.agreements(), this.o.ministry, this.o.contracts, this.o.prefix);
      const maxBytes = await this.o.provisioner.provision(plan, Date.now());
      // A tenth below the smallest topic limit leaves room for Kafka's own framing of each batch.
      if (maxBytes !== undefined) this.o.limitRequests(Math.floor(maxBytes * 0.9));
      this.pending = plan;
    } catch (err) {
      this.o.log.error('reading the agreements failed; the publication plan in force stays', { ministry: this.o.ministry, error: (err as Error).message });
    } finally {
      this.reading = false;
    }
  }

  /** Reads again every pollMs until stop(). */
  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.follow(), this.o.pollMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
