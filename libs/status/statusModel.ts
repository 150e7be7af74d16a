import type { AgreementStatus } from '../agreements';
import type { Ministry } from '../contracts/contractTypes';

/**
 * What `thahs status` and the status page show: one document, gathered by StatusGatherer, printed as
 * text, JSON or HTML. It holds names, counts, offsets, positions and times only — never a row value
 * or a dead letter's detail — so it can be shown on a screen in an operations room.
 */
export interface ServerState {
  name: string;
  up: boolean;
  /** Where it was asked (URLs without credentials). */
  endpoint: string;
  error?: string;
  /** Round trip of the probe, ms. */
  latencyMs?: number;
}

export interface MainJobState extends ServerState {
  /** /health said healthy (null: not reachable). */
  healthy: boolean | null;
  /** /health detail: every service and apply consumer by name, up | down | starting | stopped. */
  services: Record<string, string>;
  startedAt: string | null;
}

export interface SlotView {
  name: string;
  exists: boolean;
  active: boolean;
  /** pg_replication_slots.wal_status: reserved, extended, unreserved, lost. */
  walStatus: string | null;
  /** WAL bytes between the server's insert position and the slot's confirmed flush position. */
  lagBytes: number | null;
  /** Seconds behind, where it can be known: the producer's metric, else the walsender's flush lag. */
  lagSeconds: number | null;
  lagSecondsSource: 'metrics' | 'pg_stat_replication' | null;
}

export interface PartitionLagView {
  topic: string;
  entity: string;
  partition: number;
  low: string;
  high: string;
  /** The group's committed offset, null when it has committed nothing (it will start at `low`). */
  committed: string | null;
  lag: number;
}

export interface ConsumerView {
  group: string;
  /** Kafka group state (Stable, Empty, Dead, …) and live members. */
  state: string;
  members: number;
  partitions: PartitionLagView[];
  totalLag: number;
  /** Agreement topics that do not exist yet (the provider has published nothing there). */
  missingTopics: string[];
  /** The newest applied change of the update log: its source commit time and when it was applied. */
  lastAppliedCommitTs: string | null;
  lastAppliedAt: string | null;
  /** Changes applied in the last minute (update log). */
  appliedLastMinute: number | null;
  /** Consumed events per second since the previous sample (committed offsets), when there is one. */
  consumedPerSecond: number | null;
  deadLetters: { total: number; byReason: Record<string, number> };
  /** Events withheld since the main job started (its metric), null when the job is not reachable. */
  withheld: number | null;
}

export interface PublicationView {
  topics: string[];
  missingTopics: string[];
  /** Events published in the last minute on the agreement's topics (end offsets now and a minute ago). */
  eventsLastMinute: number | null;
}

export interface ReconcileView {
  /** No thahs_reconcile schema, or no run of this agreement yet. */
  present: boolean;
  runId?: string;
  status?: string;
  mode?: string;
  startedAt?: string;
  finishedAt?: string | null;
  checked?: number;
  matched?: number;
  missing?: number;
  extra?: number;
  different?: number;
  note?: string;
}

export interface AgreementView {
  agreementId: string;
  titleVi: string | null;
  role: 'provider' | 'receiver';
  provider: Ministry;
  receiver: Ministry | null;
  status: AgreementStatus;
  versionInForce: number | null;
  entities: string[];
  consumer?: ConsumerView;
  publication?: PublicationView;
  reconciliation?: ReconcileView;
}

export interface ProducerView {
  /** Events the producer had Kafka acknowledge per second. */
  eventsPerSecond: number | null;
  source: 'metrics' | 'topic offsets' | null;
}

export interface MinistryView {
  ministry: Ministry;
  database: ServerState;
  slot: SlotView | null;
  producer: ProducerView;
  agreements: AgreementView[];
  /** What could not be read of this ministry (its database down, no agreement history yet). */
  notes: string[];
}

export type AlarmSeverity = 'critical' | 'warning';

export interface Alarm {
  severity: AlarmSeverity;
  /** Stable code scripts can match, e.g. kafka-down, dead-letters, consumer-absent. */
  code: string;
  ministry?: Ministry;
  agreementId?: string;
  message: string;
  /** What to run about it (docs/operations.md has the longer story). */
  hint?: string;
}

export interface ExchangeStatus {
  generatedAt: string;
  topicPrefix: string;
  servers: { kafka: ServerState; registry: ServerState; mainJob: MainJobState };
  ministries: MinistryView[];
  alarms: Alarm[];
  /** No critical alarm. */
  healthy: boolean;
  /** 0 healthy, 3 something needs a person (a critical alarm). */
  exitCode: 0 | 3;
}

/** Exit code of `thahs status` for a script: 0 healthy, 3 a critical alarm (1 is left for "the tool itself failed"). */
export const STATUS_EXIT = { healthy: 0, needsPerson: 3 } as const;
