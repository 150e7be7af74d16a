/**
 * The integrity reconciliation (Art. 5): the provider's rows, projected and filtered as the agreement
 * version in force says, against the receiver's partner store, inside PostgreSQL on both sides at once
 * — a canonical row hash both sides compute alike, totals over key ranges with the same boundaries on
 * both sides, bisection of the ranges that differ down to the keys, each classified (missing, extra,
 * different with the field names, never a value), incremental runs from a clean baseline, and every run
 * stored in the receiver's database (schema thahs_reconcile). See docs/reconciliation.md.
 */
export { HASH_VERSION, NFC_STABLE_PATTERN, canonicalText, rowHashSql, fieldHashSql } from './canonicalHash';
export type { CanonicalField, ColumnType } from './canonicalHash';
export { ReconcileError, ReconcileBusyError } from './reconcileError';
export type { ReconcileContext } from './reconcileError';
export { RECONCILE_SCHEMA, RECONCILE_SCHEMA_DDL, ensureReconcileSchema } from './reconcileSchema';
export { RunStore } from './runStore';
export type { RunMode, RunStatus, RunAgreement, RunStart, RunPositions, StoredRun, StoredEntityResult, StoredDifference, StoredBaseline } from './runStore';
export { DEFAULT_COMPARE_OPTIONS, EntityComparison } from './entityComparison';
export type { CompareOptions, ComparePhase, CompareProgress, EntityOutcome, UnitFigures, Baseline } from './entityComparison';
export { runReconciliation, entityScope, baselineProblem } from './runReconciliation';
export type { EntityScope, RunScope, RunRequest } from './runReconciliation';
export { SideSession, RECONCILER_APPLICATION, sameIdentity } from './sideSession';
export type { DatabaseIdentity } from './sideSession';
export { SideTable, pageChunks } from './sideTable';
export type { PageChunk } from './sideTable';
export { DIFFERENCE_CLASSES, compareKeyHashes, classifyKey, differingFields, entityFigures } from './rowComparison';
export type { DifferenceClass, KeyHash, KeyDifference, ClassCounts, EntityFigures } from './rowComparison';
export type { RecordedDifference } from './differenceLog';
export { rangesOf, rangeIndex, evenCuts, boundsOfRanges, cutFractions, rangeCount, normaliseBoundaries, WHOLE_KEY_SPACE } from './keyRanges';
export type { KeyRange } from './keyRanges';
export { differingRanges, groupTotals, addTotals, emptyTotals } from './rangeTotals';
export type { RangeTotals } from './rangeTotals';
export { operationStatistics } from './reportStatistics';
export type { OperationStatistics, Period, LagDay, UpdateLogSummary, DeadLetterSummary, AccessSummary, UnitDifferences } from './reportStatistics';
export { buildReportModel } from './reportModel';
export type { ReportModel, ReportInput, ReportAgreement, EntityRow, FieldRow, UnitRow, UnitTable } from './reportModel';
export { renderReportHtml, vnTime } from './htmlReport';
export { horizontalBars, stackedShares, dailyChart, formatNumber, escapeXml } from './svgCharts';
export { DEFAULT_RECONCILE_SCHEDULE, parseReconcileSchedule, nextOccurrence, previousOccurrence, isDue } from './reconcileSchedule';
export type { ScheduleEntry, ScheduleMode, SchedulePeriod } from './reconcileSchedule';
