import type { Admin } from 'kafkajs';
import { Pool } from 'pg';
import { AgreementStore } from '../agreement-exchange/agreementStore';
import { databaseLabel } from '../agreement-exchange/exchangeSchema';
import type { Ministry } from '../contracts/contractTypes';
import { openAdmin } from '../ops/kafkaAdmin';
import type { MainJobSource, MainJobView } from '../ops/mainJob';
import type { FetchLike } from '../registry-client';
import { ministryStatus, RateMemory } from './ministryStatus';
import { probeDatabase, probeKafka, probeRegistry } from './serverProbes';
import { DEFAULT_THRESHOLDS, deriveAlarms, type AlarmThresholds } from './statusAlarms';
import type { ExchangeStatus, MainJobState } from './statusModel';

export interface StatusOptions {
  /** The ministries to show, in order. */
  ministries: readonly Ministry[];
  urls: Readonly<Record<Ministry, string>>;
  kafkaBrokers: string[];
  registryUrl: string;
  /** How the registry is reached (statusOptionsFromConfig: registryFetch with the configured CA and credentials). */
  registryFetch: FetchLike;
  /** Topics, groups and slots of the pipeline: `thahs` for npm start. */
  topicPrefix: string;
  slotName(ministry: Ministry): string;
  mainJob: MainJobSource;
  /** Shown as the main job's endpoint. */
  mainJobEndpoint: string;
  thresholds?: AlarmThresholds;
  clientId?: string;
}

interface MinistryHandle {
  pool: Pool;
  store: AgreementStore;
}

/**
 * Gathers the exchange's status for the CLI (`thahs status`, once or under --watch) and for the main
 * job's status page: one gatherer, one model. It keeps its connections (a small pool per ministry
 * database, one Kafka admin client) between gatherings, and the previous counters so a second
 * gathering can give rates. Nothing it reads is partner data: the update log, the dead-letter counts,
 * the agreement history, Kafka offsets, the slot and the main job's metrics.
 */
export class StatusGatherer {
  private readonly handles = new Map<Ministry, MinistryHandle>();
  private admin?: { admin: Admin; close(): Promise<void> };
  private readonly rates = new RateMemory();

  constructor(private readonly o: StatusOptions) {}

  private handle(m: Ministry): MinistryHandle {
    let h = this.handles.get(m);
    if (!h) {
      const pool = new Pool({ connectionString: this.o.urls[m], max: 2, application_name: `thahs-status-${m}`, connectionTimeoutMillis: 3000 });
      pool.on('error', () => undefined);
      h = { pool, store: new AgreementStore(pool, databaseLabel(this.o.urls[m])) };
      this.handles.set(m, h);
    }
    return h;
  }

  private async kafkaAdmin(): Promise<Admin> {
    if (!this.admin) this.admin = await openAdmin(this.o.kafkaBrokers, this.o.clientId ?? 'thahs-status', { quick: true });
    return this.admin.admin;
  }

  private async dropAdmin(): Promise<void> {
    const a = this.admin;
    this.admin = undefined;
    await a?.close();
  }

  async gather(): Promise<ExchangeStatus> {
    const nowMs = Date.now();
    const [kafka, registry, job] = await Promise.all([
      probeKafka(this.o.kafkaBrokers, () => this.kafkaAdmin()),
      probeRegistry(this.o.registryUrl, { fetch: this.o.registryFetch }),
      this.o.mainJob.read(),
    ]);
    // A broker that went away leaves a client that would wait on its retries: start afresh next time.
    if (!kafka.up) await this.dropAdmin();
    const admin = kafka.up ? await this.kafkaAdmin() : null;
    const ministries = await Promise.all(
      this.o.ministries.map(async (m) => {
        const h = this.handle(m);
        const database = await probeDatabase(m, this.o.urls[m], h.pool);
        return ministryStatus({
          ministry: m,
          pool: h.pool,
          database,
          store: h.store,
          slotName: this.o.slotName(m),
          topicPrefix: this.o.topicPrefix,
          admin,
          mainJob: job,
          rates: this.rates,
          nowMs,
        });
      }),
    );
    const base = {
      generatedAt: new Date(nowMs).toISOString(),
      topicPrefix: this.o.topicPrefix,
      servers: { kafka, registry, mainJob: mainJobState(this.o.mainJobEndpoint, job) },
      ministries,
    };
    const alarms = deriveAlarms(base, job.metrics, this.o.thresholds ?? DEFAULT_THRESHOLDS);
    const healthy = !alarms.some((a) => a.severity === 'critical');
    return { ...base, alarms, healthy, exitCode: healthy ? 0 : 3 };
  }

  async close(): Promise<void> {
    await this.dropAdmin();
    for (const h of this.handles.values()) await h.pool.end().catch(() => undefined);
    this.handles.clear();
  }
}

function mainJobState(endpoint: string, job: MainJobView): MainJobState {
  return {
    name: 'main job',
    up: job.reachable,
    endpoint,
    ...(job.error ? { error: job.error } : {}),
    healthy: job.health?.healthy ?? null,
    services: job.health?.detail ?? {},
    startedAt: job.startedAt === null ? null : new Date(job.startedAt * 1000).toISOString(),
  };
}
