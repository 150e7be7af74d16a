import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { AgreementStore } from '../agreement-exchange/agreementStore';
import { statusAt, versionRecordInForce, type AgreementState } from '../agreements';
import type { Ministry } from '../contracts/contractTypes';
import { agreementScope, roleOf, scopeGroup, scopeTopics, type AgreementScope } from '../ops/agreementScope';
import { countDeadLetters } from '../ops/deadLetters';
import { groupPositions } from '../ops/groupPositions';
import { offsetsAtTime, partitionKey, topicRanges } from '../ops/kafkaAdmin';
import type { MainJobView } from '../ops/mainJob';
import { sumSamples } from '../ops/prometheusText';
import { parseAgreementTopic } from '../contracts/agreementTopics';
import { STATE_SCHEMA } from '../partner-store/sqlNames';
import { readReconciliation } from './reconcileSummary';
import type { AgreementView, ConsumerView, MinistryView, ProducerView, PublicationView, ServerState, SlotView } from './statusModel';

/** Counters remembered from the previous gathering, to turn totals into rates. */
export class RateMemory {
  private readonly last = new Map<string, { value: number; atMs: number }>();

  /** Per second since the previous call with the same key, or null on the first call or a reset. */
  rate(key: string, value: number, atMs: number): number | null {
    const prev = this.last.get(key);
    this.last.set(key, { value, atMs });
    if (!prev || atMs <= prev.atMs || value < prev.value) return null;
    return ((value - prev.value) * 1000) / (atMs - prev.atMs);
  }
}

export interface MinistryContext {
  ministry: Ministry;
  pool: Pool;
  database: ServerState;
  store: AgreementStore;
  slotName: string;
  topicPrefix: string;
  /** Null when Kafka is down: lags and rates from offsets are then unknown. */
  admin: Admin | null;
  mainJob: MainJobView;
  rates: RateMemory;
  nowMs: number;
}

/** Keeps a slow or failing query from holding up a status screen. */
async function bounded<T>(pool: Pool, ms: number, work: (q: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }>) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN READ ONLY');
    await c.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(ms))}`);
    const out = await work((sql, params) => c.query(sql, params));
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

async function readSlot(x: MinistryContext): Promise<SlotView> {
  const r = await x.pool.query<{ active: boolean; wal_status: string | null; lag_bytes: number | null; active_pid: number | null }>(
    `SELECT active, wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::float8 AS lag_bytes, active_pid
       FROM pg_replication_slots WHERE slot_name = $1`,
    [x.slotName],
  );
  const s = r.rows[0];
  if (!s) return { name: x.slotName, exists: false, active: false, walStatus: null, lagBytes: null, lagSeconds: null, lagSecondsSource: null };
  let lagSeconds = sumSamples(x.mainJob.metrics, 'thahs_cdc_slot_lag_seconds', { ministry: x.ministry });
  let source: SlotView['lagSecondsSource'] = lagSeconds === null ? null : 'metrics';
  if (lagSeconds === null && s.active_pid !== null) {
    // The walsender measures how long the producer took to confirm WAL it was sent (PostgreSQL 10+);
    // null while it is caught up and idle, which then means no lag.
    const w = await x.pool.query<{ lag: number | null }>('SELECT extract(epoch FROM flush_lag)::float8 AS lag FROM pg_stat_replication WHERE pid = $1', [s.active_pid]);
    if (w.rows[0]) {
      lagSeconds = w.rows[0].lag ?? 0;
      source = 'pg_stat_replication';
    }
  }
  return {
    name: x.slotName,
    exists: true,
    active: s.active,
    walStatus: s.wal_status,
    lagBytes: s.lag_bytes === null ? null : Number(s.lag_bytes),
    lagSeconds,
    lagSecondsSource: source,
  };
}

/** The newest applied change of the agreement and how many were applied in the last minute, from the update log. */
async function applied(x: MinistryContext, agreementId: string): Promise<Pick<ConsumerView, 'lastAppliedCommitTs' | 'lastAppliedAt' | 'appliedLastMinute'>> {
  const present = await x.pool.query<{ ok: boolean }>(`SELECT to_regclass('${STATE_SCHEMA}.update_log') IS NOT NULL AS ok`);
  if (!present.rows[0]?.ok) return { lastAppliedCommitTs: null, lastAppliedAt: null, appliedLastMinute: 0 };
  try {
    return await bounded(x.pool, 2000, async (q) => {
      // The log is append-only in id order: the newest rows are at the end of the primary key.
      const last = await q(`SELECT commit_ts, applied_at FROM ${STATE_SCHEMA}.update_log WHERE agreement_id = $1 AND action IN ('upsert', 'delete') ORDER BY id DESC LIMIT 1`, [
        agreementId,
      ]);
      const minute = await q(`SELECT count(*)::int AS n FROM ${STATE_SCHEMA}.update_log WHERE applied_at > now() - interval '1 minute' AND agreement_id = $1`, [agreementId]);
      const l = last.rows[0] as { commit_ts: Date; applied_at: Date } | undefined;
      return {
        lastAppliedCommitTs: l ? l.commit_ts.toISOString() : null,
        lastAppliedAt: l ? l.applied_at.toISOString() : null,
        appliedLastMinute: (minute.rows[0] as { n: number }).n,
      };
    });
  } catch {
    return { lastAppliedCommitTs: null, lastAppliedAt: null, appliedLastMinute: null };
  }
}

async function consumerView(x: MinistryContext, scope: AgreementScope): Promise<ConsumerView | undefined> {
  const group = scopeGroup(x.topicPrefix, scope);
  if (!group) return undefined;
  const dead = await countDeadLetters(x.pool, { agreementId: scope.agreementId }).catch(() => []);
  const byReason: Record<string, number> = {};
  for (const d of dead) byReason[d.reason] = (byReason[d.reason] ?? 0) + d.count;
  const withheld = x.mainJob.reachable ? (sumSamples(x.mainJob.metrics, 'thahs_apply_withheld_total', { receiver: x.ministry, agreement: scope.agreementId }) ?? 0) : null;
  const base = {
    group,
    ...(await applied(x, scope.agreementId)),
    deadLetters: { total: dead.reduce((s, d) => s + d.count, 0), byReason },
    withheld,
  };
  if (!x.admin) return { ...base, state: 'unknown', members: 0, partitions: [], totalLag: 0, missingTopics: [], consumedPerSecond: null };
  const g = await groupPositions(x.admin, group, scopeTopics(x.topicPrefix, scope));
  const committed = g.partitions.reduce((s, p) => s + Number(p.committed ?? p.low), 0);
  return {
    ...base,
    state: g.group.state,
    members: g.group.members.length,
    partitions: g.partitions.map((p) => ({
      topic: p.topic,
      entity: parseAgreementTopic(x.topicPrefix, p.topic)?.entity ?? p.topic,
      partition: p.partition,
      low: p.low.toString(),
      high: p.high.toString(),
      committed: p.committed === null ? null : p.committed.toString(),
      lag: Number(p.lag),
    })),
    totalLag: Number(g.totalLag),
    missingTopics: g.missingTopics,
    consumedPerSecond: x.rates.rate(`consumed\u0000${group}`, committed, x.nowMs),
  };
}

async function publicationView(x: MinistryContext, scope: AgreementScope): Promise<PublicationView> {
  const topics = scopeTopics(x.topicPrefix, scope);
  if (!x.admin) return { topics, missingTopics: [], eventsLastMinute: null };
  const { ranges, missing } = await topicRanges(x.admin, topics);
  const present = topics.filter((t) => !missing.includes(t));
  const before = await offsetsAtTime(x.admin, present, x.nowMs - 60_000);
  let n = 0n;
  for (const r of ranges) n += r.high - (before.get(partitionKey(r.topic, r.partition)) ?? r.high);
  return { topics, missingTopics: missing, eventsLastMinute: Number(n) };
}

function agreementBase(state: AgreementState, scope: AgreementScope, ministry: Ministry, nowMs: number): AgreementView {
  return {
    agreementId: scope.agreementId,
    titleVi: scope.titleVi,
    role: roleOf(scope, ministry) as 'provider' | 'receiver',
    provider: scope.provider,
    receiver: scope.receiver,
    status: statusAt(state, nowMs),
    versionInForce: versionRecordInForce(state, nowMs)?.version ?? null,
    entities: scope.entities,
  };
}

function producerView(x: MinistryContext, agreements: readonly AgreementView[]): ProducerView {
  const total = x.mainJob.reachable ? sumSamples(x.mainJob.metrics, 'thahs_cdc_events_total', { ministry: x.ministry }) : null;
  if (total !== null) {
    const rate = x.rates.rate(`produced\u0000${x.ministry}`, total, x.nowMs);
    if (rate !== null) return { eventsPerSecond: rate, source: 'metrics' };
  }
  const published = agreements.filter((a) => a.publication?.eventsLastMinute !== null && a.publication?.eventsLastMinute !== undefined);
  if (published.length === 0) return { eventsPerSecond: null, source: null };
  return { eventsPerSecond: published.reduce((s, a) => s + (a.publication!.eventsLastMinute ?? 0), 0) / 60, source: 'topic offsets' };
}

/** Everything one ministry's screen shows, read from its database, Kafka and the main job. */
export async function ministryStatus(x: MinistryContext): Promise<MinistryView> {
  const view: MinistryView = { ministry: x.ministry, database: x.database, slot: null, producer: { eventsPerSecond: null, source: null }, agreements: [], notes: [] };
  if (!x.database.up) {
    view.notes.push(`the ${x.ministry} database does not answer: its slot, agreements, dead letters and update log are unknown`);
    return view;
  }
  view.slot = await readSlot(x).catch((err: Error) => {
    view.notes.push(`replication slot unreadable: ${err.message}`);
    return null;
  });
  let states: AgreementState[] = [];
  try {
    await x.store.assertSchema();
    states = await x.store.allStates();
  } catch (err) {
    view.notes.push(`no agreement history readable in this database: ${(err as Error).message}`);
  }
  for (const state of states) {
    const scope = agreementScope(state);
    if (!scope || roleOf(scope, x.ministry) === 'none') continue;
    const a = agreementBase(state, scope, x.ministry, x.nowMs);
    try {
      if (a.role === 'receiver') {
        a.consumer = await consumerView(x, scope);
        a.reconciliation = await readReconciliation(x.pool, scope.agreementId);
      } else {
        a.publication = await publicationView(x, scope);
      }
    } catch (err) {
      view.notes.push(`agreement ${scope.agreementId}: ${(err as Error).message}`);
    }
    view.agreements.push(a);
  }
  if (!x.admin) view.notes.push('Kafka does not answer: consumer lag and publication figures are unknown');
  view.producer = producerView(x, view.agreements);
  return view;
}
