import type { Admin } from 'kafkajs';
import type { AgreementStore } from '../agreement-exchange/agreementStore';
import { ministryOfParty } from '../agreement-exchange/partyKeys';
import { compileEntityShare, type AgreementState } from '../agreements';
import type { ContractRegistry } from '../contracts/contractRegistry';
import type { Ministry } from '../contracts/contractTypes';
import { recordAccess } from '../partner-store/accessLog';
import { checkPartnerSchema, quoteIdent, STATE_SCHEMA } from '../partner-store/sqlNames';
import type { Queryable } from '../partner-store/stateSchema';
import { agreementScope, roleOf, scopeTopics, type AgreementScope } from './agreementScope';
import { offsetsAtTime } from './kafkaAdmin';
import type { MainJobView } from './mainJob';
import { operatorLogExists } from './operatorLog';
import { sumSamples } from './prometheusText';

export type StatsGrouping = 'entity' | 'agreement' | 'unit';

/** Where a figure comes from, so a reader of the statistics knows what it rests on. */
export const STATS_SOURCES = {
  applied: 'partner_state.update_log of the receiver (actions upsert and delete), by applied_at',
  purged: 'partner_state.update_log (actions purge and clear: rows the receiver removed or cleared as the agreement required)',
  latency: 'partner_state.update_log: applied_at − commit_ts of each applied change (source commit to partner-store commit)',
  deadLettered: 'partner_state.dead_letter (outstanding) plus partner_state.operator_action (dlq.discard: discarded since), by the time each was dead-lettered',
  discarded: 'partner_state.operator_action, action dlq.discard, by the time of the discard',
  withheld: 'thahs_apply_withheld_total on the main job /metrics: counted since the job started, lost when it stops; only given when the period reaches now',
  published: "Kafka: difference of the agreement topics' offsets at the start and end of the period (events published; log compaction does not change offsets)",
  errorReports: 'data-error reports (Art. 15.2(c)) in the agreement history of this database, by the time they were opened',
  units:
    'provider: its own rows the agreement shares (the compiled filter), changed in the period (updated_at), by reporting_unit_id; receiver: changes applied in the period joined to the partner table (rows since deleted have no unit), a read recorded in the access log',
} as const;

/** One row of the statistics; the key fields present depend on the grouping. */
export interface StatsRow {
  agreementId?: string;
  entity?: string;
  /** Reporting unit (Art. 18) and its name where this database knows it. */
  unitId?: string | null;
  unitName?: string | null;
  /** Received here (this ministry is the receiver). */
  applied: number;
  upserts: number;
  deletes: number;
  purged: number;
  deadLettered: number;
  discarded: number;
  /** Source commit to partner-store commit, seconds. */
  latencyP50: number | null;
  latencyP95: number | null;
  latencyMax: number | null;
  /** Published by this ministry (it is the provider), events. */
  published: number | null;
  /** Provider, by unit: shared rows changed in the period. */
  changedRows?: number;
  errorReportsFiled: number;
  errorReportsReceived: number;
}

export interface ExchangeStats {
  ministry: Ministry;
  from: string;
  to: string;
  by: StatsGrouping;
  rows: StatsRow[];
  withheld: { available: boolean; note: string; rows: { agreementId: string; entity: string; count: number }[] };
  sources: typeof STATS_SOURCES;
  notes: string[];
}

export interface StatsOptions {
  ministry: Ministry;
  db: Queryable;
  store: AgreementStore;
  contracts: ContractRegistry;
  topicPrefix: string;
  from: Date;
  to: Date;
  by: StatsGrouping;
  agreementId?: string;
  /** Kafka, for the published counts; without it they are null. */
  admin?: Admin;
  /** The main job's metrics, for withheld counts. */
  mainJob?: MainJobView;
  /** Recorded in the access log for the partner-table read that `--by unit` makes. */
  who: string;
  purpose?: string;
  now?: Date;
}

interface Scoped {
  state: AgreementState;
  scope: AgreementScope;
}

const S = quoteIdent(STATE_SCHEMA);

function emptyRow(key: Partial<StatsRow>): StatsRow {
  return {
    ...key,
    applied: 0,
    upserts: 0,
    deletes: 0,
    purged: 0,
    deadLettered: 0,
    discarded: 0,
    latencyP50: null,
    latencyP95: null,
    latencyMax: null,
    published: null,
    errorReportsFiled: 0,
    errorReportsReceived: 0,
  };
}

async function tableExists(db: Queryable, name: string): Promise<boolean> {
  const r = await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  return (r.rows[0] as { present: boolean }).present;
}

/**
 * The periodic exchange statistics of Art. 16–17 for one ministry, as provider and as receiver,
 * grouped by entity, by agreement, or by reporting unit (Art. 18). Every figure comes from a record
 * that outlives the processes (update log, dead letters, operator log, Kafka offsets, the agreement
 * history) except the withheld counts, which only the running main job keeps (STATS_SOURCES).
 */
export async function exchangeStats(o: StatsOptions): Promise<ExchangeStats> {
  const scoped: Scoped[] = [];
  for (const state of await o.store.allStates()) {
    const scope = agreementScope(state);
    if (!scope || roleOf(scope, o.ministry) === 'none') continue;
    if (o.agreementId !== undefined && scope.agreementId !== o.agreementId) continue;
    scoped.push({ state, scope });
  }
  const notes: string[] = [];
  const rows = new Map<string, StatsRow>();
  const keyOf = (agreementId: string, entity: string, unit?: string | null): { k: string; key: Partial<StatsRow> } => {
    if (o.by === 'agreement') return { k: agreementId, key: { agreementId } };
    if (o.by === 'entity') return { k: entity, key: { entity } };
    return { k: `${agreementId}\u0000${entity}\u0000${unit ?? ''}`, key: { agreementId, entity, unitId: unit ?? null } };
  };
  const row = (agreementId: string, entity: string, unit?: string | null): StatsRow => {
    const { k, key } = keyOf(agreementId, entity, unit);
    let r = rows.get(k);
    if (!r) {
      r = emptyRow(key);
      rows.set(k, r);
    }
    return r;
  };

  const receiving = scoped.filter((x) => x.scope.receiver === o.ministry);
  const receivedIds = receiving.map((x) => x.scope.agreementId);
  if (receiving.length > 0 && (await tableExists(o.db, `${STATE_SCHEMA}.update_log`))) {
    if (o.by === 'unit') await unitReceived(o, receiving, row);
    else await received(o, receivedIds, row);
  }
  if (receiving.length > 0) await deadLettered(o, receivedIds, row);

  const providing = scoped.filter((x) => x.scope.provider === o.ministry);
  if (providing.length > 0) {
    if (o.by === 'unit') await unitChanged(o, providing, row, notes);
    else if (o.admin) await published(o, providing, row);
    else notes.push('Kafka was not reachable: published counts are missing');
  }
  await errorReports(o, scoped, row);

  const withheld = withheldCounts(o, receivedIds);
  return {
    ministry: o.ministry,
    from: o.from.toISOString(),
    to: o.to.toISOString(),
    by: o.by,
    rows: [...rows.values()].sort((a, b) => JSON.stringify([a.agreementId, a.entity, a.unitId]).localeCompare(JSON.stringify([b.agreementId, b.entity, b.unitId]))),
    withheld,
    sources: STATS_SOURCES,
    notes,
  };
}

interface LogRow {
  agreement_id: string;
  entity: string;
  upserts: number;
  deletes: number;
  purged: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

const LOG_FIGURES = `count(*) FILTER (WHERE action = 'upsert')::int AS upserts, count(*) FILTER (WHERE action = 'delete')::int AS deletes,
  count(*) FILTER (WHERE action IN ('purge', 'clear'))::int AS purged,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM applied_at - commit_ts)) FILTER (WHERE action IN ('upsert', 'delete')) AS p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM applied_at - commit_ts)) FILTER (WHERE action IN ('upsert', 'delete')) AS p95,
  max(extract(epoch FROM applied_at - commit_ts)) FILTER (WHERE action IN ('upsert', 'delete'))::float8 AS max`;

function addLog(r: StatsRow, x: LogRow): void {
  r.upserts += x.upserts;
  r.deletes += x.deletes;
  r.applied += x.upserts + x.deletes;
  r.purged += x.purged;
  // Percentiles of several groups cannot be merged: each grouping runs its own query.
  r.latencyP50 = x.p50 === null ? r.latencyP50 : Number(x.p50);
  r.latencyP95 = x.p95 === null ? r.latencyP95 : Number(x.p95);
  r.latencyMax = x.max === null ? r.latencyMax : Math.max(r.latencyMax ?? 0, Number(x.max));
}

async function received(o: StatsOptions, agreementIds: string[], row: (a: string, e: string) => StatsRow): Promise<void> {
  const group = o.by === 'agreement' ? 'agreement_id' : 'entity';
  const r = await o.db.query(
    `SELECT ${o.by === 'agreement' ? "agreement_id, '' AS entity" : "'' AS agreement_id, entity"}, ${LOG_FIGURES}
       FROM ${S}.update_log WHERE applied_at >= $1 AND applied_at < $2 AND agreement_id = ANY($3) GROUP BY ${group}`,
    [o.from, o.to, agreementIds],
  );
  for (const x of r.rows as LogRow[]) addLog(row(x.agreement_id, x.entity), x);
}

/** Receiver, by unit: applied changes joined to the partner table for their reporting unit (the read is recorded). */
async function unitReceived(o: StatsOptions, receiving: Scoped[], row: (a: string, e: string, u?: string | null) => StatsRow): Promise<void> {
  for (const { scope } of receiving) {
    if (!scope.partnerSchema) continue;
    const schema = checkPartnerSchema(scope.partnerSchema, scope.provider);
    for (const entity of scope.entities) {
      const table = `${schema}.${entity}`;
      const hasUnit =
        (await tableExists(o.db, table)) &&
        (await o.db.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = 'reporting_unit_id'`, [schema, entity])).rows
          .length > 0;
      const purpose = o.purpose ?? (scope.purposes.includes('STATISTICS') ? 'STATISTICS' : undefined);
      if (hasUnit && !purpose)
        throw new RangeError(`agreement ${scope.agreementId} declares no STATISTICS purpose: name the purpose of this read with --purpose (one of ${scope.purposes.join(', ')})`);
      const unitExpr = hasUnit ? 'p.reporting_unit_id::text' : 'NULL::text';
      const join = hasUnit ? `LEFT JOIN ${quoteIdent(schema)}.${quoteIdent(entity)} p ON p.id = u.key_id` : '';
      if (hasUnit) await recordAccess(o.db, o.who, `${table} reporting_unit_id (exchange statistics ${o.from.toISOString()}..${o.to.toISOString()})`, purpose!);
      const r = await o.db.query(
        `SELECT $4::text AS agreement_id, $5::text AS entity, ${unitExpr} AS unit, ${LOG_FIGURES.replace(/\b(action|applied_at|commit_ts)\b/g, 'u.$1')}
           FROM ${S}.update_log u ${join}
          WHERE u.applied_at >= $1 AND u.applied_at < $2 AND u.agreement_id = $3 AND u.entity = $5 GROUP BY 3`,
        [o.from, o.to, scope.agreementId, scope.agreementId, entity],
      );
      for (const x of r.rows as (LogRow & { unit: string | null })[]) addLog(row(x.agreement_id, x.entity, x.unit), x);
    }
  }
}

/** Provider, by unit: its own rows the agreement shares, changed in the period, per reporting unit. */
async function unitChanged(o: StatsOptions, providing: Scoped[], row: (a: string, e: string, u?: string | null) => StatsRow, notes: string[]): Promise<void> {
  for (const { state, scope } of providing) {
    const confirmed = state.versions.filter((v) => v.status === 'confirmed');
    const doc = (confirmed[confirmed.length - 1] ?? state.versions[state.versions.length - 1]).document;
    for (const share of doc.data.entities) {
      if (!o.contracts.has(share.entity)) continue;
      const compiled = compileEntityShare(share, o.contracts.get(share.entity));
      const where = compiled.whereSql(3, { tableAlias: 't' });
      const r = await o.db.query(
        `SELECT t.reporting_unit_id::text AS unit, un.name AS unit_name, count(*)::int AS n
           FROM thahs.${quoteIdent(share.entity)} t LEFT JOIN thahs.org_unit un ON un.id = t.reporting_unit_id
          WHERE t.updated_at >= $1 AND t.updated_at < $2 AND (${where.sql}) GROUP BY 1, 2`,
        [o.from, o.to, ...(where.params as unknown[])],
      );
      for (const x of r.rows as { unit: string | null; unit_name: string | null; n: number }[]) {
        const target = row(scope.agreementId, share.entity, x.unit);
        target.unitName = x.unit_name;
        target.changedRows = (target.changedRows ?? 0) + x.n;
      }
    }
  }
  notes.push('by unit, the provider side counts shared rows changed in the period (updated_at of the current row): a row changed twice counts once, a deleted row not at all');
}

async function published(o: StatsOptions, providing: Scoped[], row: (a: string, e: string) => StatsRow): Promise<void> {
  const admin = o.admin!;
  const existing = new Set(await admin.listTopics());
  for (const { scope } of providing) {
    const topics = scopeTopics(o.topicPrefix, scope);
    for (const entity of scope.entities) row(scope.agreementId, entity).published ??= 0;
    const present = topics.filter((t) => existing.has(t));
    if (present.length === 0) continue;
    const start = await offsetsAtTime(admin, present, o.from.getTime());
    const end = await offsetsAtTime(admin, present, o.to.getTime());
    for (const topic of present) {
      let n = 0n;
      for (const [k, endOffset] of end) if (k.startsWith(`${topic}\u0000`)) n += endOffset - (start.get(k) ?? endOffset);
      const r = row(scope.agreementId, scope.entities[topics.indexOf(topic)]);
      r.published = (r.published ?? 0) + Number(n);
    }
  }
}

async function deadLettered(o: StatsOptions, agreementIds: string[], row: (a: string, e: string) => StatsRow): Promise<void> {
  if (await tableExists(o.db, `${STATE_SCHEMA}.dead_letter`)) {
    const r = await o.db.query(
      `SELECT agreement_id, coalesce(entity, '') AS entity, count(*)::int AS n FROM ${S}.dead_letter WHERE at >= $1 AND at < $2 AND agreement_id = ANY($3) GROUP BY 1, 2`,
      [o.from, o.to, agreementIds],
    );
    for (const x of r.rows as { agreement_id: string; entity: string; n: number }[]) row(x.agreement_id, x.entity).deadLettered += x.n;
  }
  if (await operatorLogExists(o.db)) {
    const r = await o.db.query(
      `SELECT agreement_id, coalesce(subject->>'entity', '') AS entity,
              count(*) FILTER (WHERE (subject->>'deadLetteredAt')::timestamptz >= $1 AND (subject->>'deadLetteredAt')::timestamptz < $2)::int AS lettered,
              count(*) FILTER (WHERE at >= $1 AND at < $2)::int AS discarded
         FROM ${S}.operator_action WHERE action = 'dlq.discard' AND result = 'done' AND agreement_id = ANY($3) GROUP BY 1, 2`,
      [o.from, o.to, agreementIds],
    );
    for (const x of r.rows as { agreement_id: string; entity: string; lettered: number; discarded: number }[]) {
      if (x.lettered === 0 && x.discarded === 0) continue;
      const target = row(x.agreement_id, x.entity);
      target.deadLettered += x.lettered;
      target.discarded += x.discarded;
    }
  }
}

async function errorReports(o: StatsOptions, scoped: Scoped[], row: (a: string, e: string) => StatsRow): Promise<void> {
  const ids = new Set(scoped.map((x) => x.scope.agreementId));
  for (const summary of await o.store.requests({ type: 'data_error' })) {
    if (!ids.has(summary.agreementId) || summary.openedAt < o.from || summary.openedAt >= o.to) continue;
    const state = await o.store.request(summary.requestId);
    const entity = state && 'entity' in state.subject ? state.subject.entity : '';
    let filedHere: boolean;
    try {
      filedHere = ministryOfParty(summary.requester) === o.ministry;
    } catch {
      continue;
    }
    const r = row(summary.agreementId, entity);
    if (filedHere) r.errorReportsFiled += 1;
    else r.errorReportsReceived += 1;
  }
}

function withheldCounts(o: StatsOptions, agreementIds: string[]): ExchangeStats['withheld'] {
  const job = o.mainJob;
  const now = (o.now ?? new Date()).getTime();
  if (!job || !job.reachable) return { available: false, note: 'the main job is not running here: withheld events are counted only by the running job', rows: [] };
  if (o.to.getTime() < now - 60_000)
    return { available: false, note: 'withheld events are counted only since the main job started; a period ending in the past has no such figure', rows: [] };
  const since = job.startedAt === null ? 'its start' : new Date(job.startedAt * 1000).toISOString();
  const rows: ExchangeStats['withheld']['rows'] = [];
  const seen = new Set<string>();
  for (const s of job.metrics) {
    if (s.name !== 'thahs_apply_withheld_total' || s.labels.receiver !== o.ministry || !agreementIds.includes(s.labels.agreement ?? '')) continue;
    const k = `${s.labels.agreement}\u0000${s.labels.entity}`;
    if (seen.has(k)) continue;
    seen.add(k);
    rows.push({
      agreementId: s.labels.agreement,
      entity: s.labels.entity ?? '',
      count: sumSamples(job.metrics, s.name, { receiver: o.ministry, agreement: s.labels.agreement, entity: s.labels.entity ?? '' }) ?? 0,
    });
  }
  return { available: true, note: `counted by the running main job since ${since}, not for the period asked`, rows };
}
