/**
 * The exchange's status (issue 16): one gatherer (StatusGatherer) and one model (ExchangeStatus) for
 * `thahs status` on the terminal (text, --json, --watch) and the main job's read-only page (/status,
 * /status.json): servers, slot lag, producer rate, each agreement's state and version in force, its
 * consumer lag per partition and last applied commit, dead-letter and withheld counts, the last
 * reconciliation, and the alarms derived from them (exit code 3: something needs a person).
 */
export { StatusGatherer } from './statusGatherer';
export type { StatusOptions } from './statusGatherer';
export type {
  ExchangeStatus,
  MinistryView,
  AgreementView,
  ConsumerView,
  PublicationView,
  PartitionLagView,
  SlotView,
  ServerState,
  MainJobState,
  ReconcileView,
  ProducerView,
  Alarm,
  AlarmSeverity,
} from './statusModel';
export { STATUS_EXIT } from './statusModel';
export { deriveAlarms, metricAlarms, DEFAULT_THRESHOLDS } from './statusAlarms';
export type { AlarmThresholds } from './statusAlarms';
export { renderStatusText, watchFrame } from './statusText';
export type { TextOptions } from './statusText';
export { renderStatusPage, statusPageCsp } from './statusPage';
export type { StatusDocument } from './statusPage';
export { StatusHistory } from './statusHistory';
export type { HistoryPoint } from './statusHistory';
export { StatusService } from './statusService';
export type { StatusResponse } from './statusService';
export { LABELS, STATUS_VI, MINISTRY_NAMES } from './statusLabels';
export { statusOptionsFromConfig, slotNameFor } from './configuredOptions';
