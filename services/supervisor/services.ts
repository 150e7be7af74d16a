import * as fs from 'fs';
import * as path from 'path';
import { AgreementStore } from '../../libs/agreement-exchange';
import { Config } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { Ministry } from '../../libs/contracts/contractTypes';
import { Logger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { generateKeyPair, loadSigningKey } from '../../libs/signing';
import { AccessAuditService } from '../access-audit-collector/accessAuditService';
import { createAgreementSyncService } from '../agreement-sync/main';
import { CdcProducer } from '../cdc-producer/cdcProducer';
import { ReconcilerService } from '../reconciler/reconcilerService';
import { ReconcileScheduler } from '../reconciler/reconcileScheduler';
import { ApplyConsumerManager } from './applyConsumerManager';
import { DemoData } from './demoData';
import { ensurePartyKeys, loadDemoTemplates, partiesOf } from './demoAgreements';
import { keysFolderProviderKeys } from '../cdc-producer/providerKeys';
import { StoreBackedProducer } from './storeBackedProducer';
import { KeysFolderRing } from './keysFolderRing';
import { LocalDemoAgreements } from './localDemo';
import { pipelineNames, type PipelineNames } from './pipelineNames';
import { PipelineService } from './pipelineService';
import type { ServiceStage } from './supervisor';

const MINISTRIES: readonly Ministry[] = ['cand', 'qdnd'];

/** What the local demo adds to the pipeline (THAHS_DEMO, THAHS_DEMO_RATE). */
export interface DemoSettings {
  /** Put the example agreements of deploy/agreements in force. */
  agreements: boolean;
  /** Persons seeded into a ministry database whose own tables are empty (0: none). */
  seedPersons: Readonly<Record<Ministry, number>>;
  /** Row changes per second of the workload in each database (0: none). */
  workloadRate: number;
}

export interface PipelineOptions {
  /** Topics, groups, slots and publications; default the `thahs` names every service documents. */
  names?: PipelineNames;
  /** Databases; default THAHS_CAND_PG_URL and THAHS_QDND_PG_URL. */
  urls?: Readonly<Record<Ministry, string>>;
  /** Default THAHS_KEYS_DIR. */
  keysDir?: string;
  /** Default from THAHS_DEMO / THAHS_DEMO_RATE; false: the pipeline only. */
  demo?: DemoSettings | false;
  /** How often consumers and producers read the agreement stores for lifecycle changes (default 5 s / 15 s). */
  agreementPollMs?: number;
  /** Producer heartbeat (default 10 s); tests shorten it. */
  heartbeatMs?: number;
  /** Time between two access-audit collections (default THAHS_ACCESS_AUDIT_INTERVAL_SEC). */
  accessAuditIntervalMs?: number;
}

/** Military courts try few cases, so qdnd holds far less data than cand (DOMAIN.md). */
const DEMO_PERSONS: Readonly<Record<Ministry, number>> = { cand: 300, qdnd: 100 };

export function demoSettings(config: Config): DemoSettings | false {
  return config.demo === 'on' ? { agreements: true, seedPersons: DEMO_PERSONS, workloadRate: config.demoRate } : false;
}

/**
 * The local stack has no key ceremony: each ministry gets a key pair in THAHS_KEYS_DIR on first start,
 * and each trusts the other's public key from the same folder. Deployments install keys by hand
 * (`thahs keys generate` on each side, public files exchanged under the agreement). The ministry key
 * signs the receiver's deletion records; Kafka events are signed with the provider body's party key
 * each agreement lists (services/cdc-producer/providerKeys.ts).
 */
function ensureLocalKeys(dir: string, log: Logger): void {
  for (const m of MINISTRIES) {
    const has = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith(`${m}-`) && f.endsWith('.key.pem'));
    if (!has) {
      const k = generateKeyPair(dir, m);
      log.info('generated a local signing key', { ministry: m, keyId: k.keyId, dir: path.dirname(k.privateFile) });
    }
  }
}

/** Never draft example agreements into, or seed, a database that is not on this machine. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * The pipeline services `npm start` runs, in start order, after the databases are migrated:
 * both ministries' agreement-sync services (the agreement history in each database); with the demo,
 * the example agreements brought into force; a CDC producer per ministry publishing to the topics of
 * the agreements in force in which it provides, following the history in its own database; per ministry, the apply consumers of the agreements under which it receives
 * (started, updated and stopped as the history in its database changes); per ministry, the access
 * audit collecting direct reads of its partner store; with the demo, seed data and a gentle workload in
 * each database.
 */
export async function buildServices(config: Config, log: Logger, options: PipelineOptions = {}): Promise<ServiceStage[]> {
  const names = options.names ?? pipelineNames();
  const urls: Readonly<Record<Ministry, string>> = options.urls ?? { cand: config.candPgUrl, qdnd: config.qdndPgUrl };
  const keysDir = options.keysDir ?? config.keysDir;
  let demo = options.demo ?? demoSettings(config);
  if (demo && !MINISTRIES.every((m) => isLoopback(urls[m]))) {
    log.warn('the local demo runs only against databases on this machine; running the pipeline without it', { demo: 'off' });
    demo = false;
  }

  for (const m of MINISTRIES) {
    const r = await migrate(urls[m], m);
    log.info('database migrated', { ministry: m, applied: r.applied });
  }
  ensureLocalKeys(keysDir, log);
  const contracts = loadContracts();
  const lookup = (e: string) => (contracts.has(e) ? contracts.get(e) : undefined);

  const stages: PipelineService[][] = [];
  let demoAgreements: LocalDemoAgreements | undefined;
  if (demo && demo.agreements) {
    const templates = await loadDemoTemplates(lookup);
    // Before the sync services read the keys folder: they must know every key a demo step is signed with.
    const keyIds = ensurePartyKeys(keysDir, partiesOf(templates), log.child({ component: 'demo-agreements' }));
    demoAgreements = new LocalDemoAgreements({
      urls,
      kafkaBrokers: config.kafkaBrokers,
      topics: names.exchangeTopics,
      keysDir,
      contracts: lookup,
      templates,
      keyIds,
      slot: names.slot,
      log: log.child({ component: 'demo-agreements' }),
    });
  }

  stages.push(
    MINISTRIES.map((m) =>
      createAgreementSyncService(config, m, log.child({ component: `agreement-sync-${m}` }), {
        pgUrl: urls[m],
        topics: names.exchangeTopics,
        groupId: names.syncGroup(m),
        keysDir,
      }),
    ),
  );
  if (demoAgreements) stages.push([demoAgreements]);
  stages.push(
    MINISTRIES.map((m) => {
      const store = AgreementStore.open(urls[m]);
      return new StoreBackedProducer(
        store,
        new CdcProducer({
          ministry: m,
          pgUrl: urls[m],
          kafkaBrokers: config.kafkaBrokers,
          registryUrl: config.registryUrl,
          contracts,
          agreements: () => store.allStates(),
          keys: keysFolderProviderKeys(keysDir),
          log: log.child({ component: `cdc-producer-${m}` }),
          slotName: names.slot(m),
          publicationName: names.publication(m),
          topicPrefix: names.topicPrefix,
          heartbeatMs: options.heartbeatMs,
          agreementPollMs: options.agreementPollMs,
        }),
      );
    }),
  );
  const providerKeys = new KeysFolderRing(keysDir);
  stages.push(
    MINISTRIES.map(
      (m) =>
        new ApplyConsumerManager({
          receiver: m,
          pgUrl: urls[m],
          store: AgreementStore.open(urls[m]),
          contracts,
          providerKeys,
          receiverKey: loadSigningKey(keysDir, m),
          kafkaBrokers: config.kafkaBrokers,
          registryUrl: config.registryUrl,
          topicPrefix: names.topicPrefix,
          log: log.child({ component: `apply-consumers-${m}` }),
          pollMs: options.agreementPollMs,
          fetchWaitMs: config.applyFetchWaitMs,
          stallMs: config.applyStallSec * 1000,
          watermarkAllowanceMs: config.applyWatermarkAllowanceSec * 1000,
        }),
    ),
  );
  // Reads of the partner stores by any database client, from pgaudit into each access log (Art. 5.4).
  stages.push(
    MINISTRIES.map(
      (m) =>
        new AccessAuditService({
          ministry: m,
          pgUrl: urls[m],
          ownSessions: config.accessAuditOwnSessions,
          intervalMs: options.accessAuditIntervalMs ?? config.accessAuditIntervalSec * 1000,
          log: log.child({ component: `access-audit-${m}` }),
        }),
    ),
  );
  // The integrity reconciliation of Art. 5 on THAHS_RECONCILE_SCHEDULE, for the agreements each database receives under.
  if (config.reconcileSchedule.length > 0) {
    stages.push([
      new ReconcileScheduler({
        service: new ReconcilerService({
          databases: urls,
          contracts,
          log: log.child({ component: 'reconciler' }),
          pipeline: { kafkaBrokers: config.kafkaBrokers, topicPrefix: names.topicPrefix, slotName: names.slot },
        }),
        receivers: MINISTRIES.map((m) => ({ ministry: m, store: AgreementStore.open(urls[m]) })),
        entries: config.reconcileSchedule,
        log: log.child({ component: 'reconcile-schedule' }),
      }),
    ]);
  }
  if (demo && (demo.workloadRate > 0 || MINISTRIES.some((m) => demo && demo.seedPersons[m] > 0))) {
    const d = demo;
    stages.push(
      MINISTRIES.map(
        (m) => new DemoData({ ministry: m, pgUrl: urls[m], persons: d.seedPersons[m], workloadRate: d.workloadRate, log: log.child({ component: `demo-data-${m}` }) }),
      ),
    );
  }
  return stages;
}
