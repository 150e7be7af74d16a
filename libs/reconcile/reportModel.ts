import type { OperationStatistics } from './reportStatistics';
import type { StoredRun } from './runStore';

/** What the report says about the agreement and its parties, from the version the run compared. */
export interface ReportAgreement {
  titleVi: string;
  providerNameVi: string;
  receiverNamesVi: readonly string[];
}

export interface ReportInput {
  run: StoredRun;
  statistics: OperationStatistics;
  agreement: ReportAgreement;
  /** Vietnamese name of each entity and of each of its fields (the contract's docVi). */
  entityLabels: Readonly<Record<string, string>>;
  fieldLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Reporting units by id: code and name (reference data, Tier 1). */
  unitLabels: Readonly<Record<string, string>>;
  generatedAt: string;
}

export interface EntityRow {
  entity: string;
  label: string;
  mode: string;
  checked: number;
  matched: number;
  missing: number;
  extra: number;
  different: number;
  /** matched / checked (1 when nothing was checked). */
  matchRate: number;
  seconds: number;
  fallbackReason: string | null;
  keysTruncated: boolean;
}

export interface FieldRow {
  entity: string;
  entityLabel: string;
  field: string;
  label: string;
  rows: number;
}

export interface UnitRow {
  unit: string | null;
  label: string;
  sourceRows: number;
  partnerRows: number;
  differences: number;
}

export interface UnitTable {
  entity: string;
  entityLabel: string;
  /** null: the entity does not share reporting_unit_id, or the run did not count units (see note). */
  rows: UnitRow[] | null;
  note: 'not-shared' | 'incremental' | null;
}

export interface ReportModel {
  generatedAt: string;
  run: StoredRun;
  agreement: ReportAgreement;
  durationSeconds: number | null;
  entities: EntityRow[];
  totals: Omit<EntityRow, 'entity' | 'label' | 'mode' | 'fallbackReason' | 'keysTruncated'>;
  fields: FieldRow[];
  units: UnitTable[];
  statistics: OperationStatistics;
}

function rate(matched: number, checked: number): number {
  return checked === 0 ? 1 : matched / checked;
}

/**
 * The report's content, computed once from the stored run and the receiver's statistics: per entity the
 * figures and match rate, the differing fields with their Vietnamese names, the reporting units with
 * their names and differences. Pure, so the HTML renderer only lays it out.
 */
export function buildReportModel(i: ReportInput): ReportModel {
  const { run } = i;
  const entities: EntityRow[] = run.results.map((r) => ({
    entity: r.entity,
    label: i.entityLabels[r.entity] ?? r.entity,
    mode: r.mode,
    checked: r.checked,
    matched: r.matched,
    missing: r.missing,
    extra: r.extra,
    different: r.different,
    matchRate: rate(r.matched, r.checked),
    seconds: r.timings.totalMs / 1000,
    fallbackReason: r.fallbackReason,
    keysTruncated: r.keysTruncated,
  }));
  const sum = (k: 'checked' | 'matched' | 'missing' | 'extra' | 'different' | 'seconds'): number => entities.reduce((n, e) => n + e[k], 0);
  const totals = {
    checked: sum('checked'),
    matched: sum('matched'),
    missing: sum('missing'),
    extra: sum('extra'),
    different: sum('different'),
    seconds: sum('seconds'),
    matchRate: 0,
  };
  totals.matchRate = rate(totals.matched, totals.checked);
  const fields: FieldRow[] = run.results.flatMap((r) =>
    Object.entries(r.fieldCounts)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .map(([field, rows]) => ({ entity: r.entity, entityLabel: i.entityLabels[r.entity] ?? r.entity, field, label: i.fieldLabels[r.entity]?.[field] ?? field, rows })),
  );
  const units: UnitTable[] = run.results.map((r) => {
    const base = { entity: r.entity, entityLabel: i.entityLabels[r.entity] ?? r.entity };
    if (!r.fields.includes('reporting_unit_id')) return { ...base, rows: null, note: 'not-shared' as const };
    if (r.byReportingUnit === null) return { ...base, rows: null, note: r.mode === 'incremental' ? ('incremental' as const) : ('not-shared' as const) };
    const diffs = new Map(i.statistics.unitDifferences.filter((d) => d.entity === r.entity).map((d) => [d.unit ?? '', d.missing + d.extra + d.different]));
    const rows = r.byReportingUnit.map((u) => ({
      unit: u.unit,
      label: u.unit === null ? '' : (i.unitLabels[u.unit] ?? u.unit),
      sourceRows: u.sourceRows,
      partnerRows: u.partnerRows,
      differences: diffs.get(u.unit ?? '') ?? 0,
    }));
    rows.sort((a, b) => b.partnerRows - a.partnerRows || b.sourceRows - a.sourceRows || (a.label < b.label ? -1 : 1));
    return { ...base, rows, note: null };
  });
  return {
    generatedAt: i.generatedAt,
    run,
    agreement: i.agreement,
    durationSeconds: run.finishedAt === null ? null : (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000,
    entities,
    totals,
    fields,
    units,
    statistics: i.statistics,
  };
}
