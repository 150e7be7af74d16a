import type { ClientBase } from 'pg';
import { quoteIdent, STATE_SCHEMA } from '../partner-store/sqlNames';
import type { Queryable } from '../partner-store/stateSchema';
import { ensureOperatorLog, recordOperatorAction } from './operatorLog';
import { OpsError } from './opsError';

const S = quoteIdent(STATE_SCHEMA);

/** Which dead letters a command means; every field narrows. */
export interface DeadLetterFilter {
  agreementId?: string;
  entity?: string;
  /** The dead-letter reason code (bad-signature, undecodable, …). */
  reason?: string;
  /** Dead-lettered at or after / before these instants. */
  from?: Date;
  to?: Date;
  ids?: readonly string[];
  limit?: number;
}

/**
 * A dead letter as lists show it: where it came from, why, and what its meta header said (the meta
 * holds no personal data), never its key, value or detail (the detail may quote the event).
 */
export interface DeadLetterSummary {
  id: string;
  at: Date;
  receiver: string;
  provider: string;
  agreementId: string;
  consumerGroup: string;
  reason: string;
  topic: string;
  partition: number;
  offset: string;
  entity: string | null;
  /** From the decoded meta header, when it decoded. */
  eventId: string | null;
  op: string | null;
  commitTs: string | null;
  keyBytes: number | null;
  valueBytes: number | null;
}

/** A dead letter with what `show` needs: the detail, the stored headers and the raw bytes (for decoding, never printed raw). */
export interface DeadLetterRecordFull extends DeadLetterSummary {
  detail: string;
  headers: Record<string, unknown>;
  key: Buffer | null;
  value: Buffer | null;
}

interface Row {
  id: string;
  at: Date;
  receiver: string;
  provider: string;
  agreement_id: string;
  consumer_group: string;
  reason: string;
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  entity: string | null;
  event_id: string | null;
  op: string | null;
  commit_ts: string | null;
  key_bytes: number | null;
  value_bytes: number | null;
}

/** The decoded meta, also for a header repeated (stored as an array). */
const META = `COALESCE(d.headers->'thahs.event'->'decoded', d.headers->'thahs.event'->0->'decoded')`;
const COLUMNS = `d.id::text AS id, d.at, d.receiver, d.provider, d.agreement_id, d.consumer_group, d.reason, d.topic, d.kafka_partition,
  d.kafka_offset::text AS kafka_offset, d.entity, ${META}->>'eventId' AS event_id, ${META}->>'op' AS op, ${META}->>'commitTs' AS commit_ts,
  octet_length(d.raw_key) AS key_bytes, octet_length(d.raw_value) AS value_bytes`;

function where(f: DeadLetterFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown): void => {
    params.push(v);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  if (f.agreementId !== undefined) add('d.agreement_id = ?', f.agreementId);
  if (f.entity !== undefined) add('d.entity = ?', f.entity);
  if (f.reason !== undefined) add('d.reason = ?', f.reason);
  if (f.from !== undefined) add('d.at >= ?', f.from);
  if (f.to !== undefined) add('d.at < ?', f.to);
  if (f.ids !== undefined) add('d.id = ANY(?::bigint[])', f.ids);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function summary(r: Row): DeadLetterSummary {
  return {
    id: r.id,
    at: r.at,
    receiver: r.receiver,
    provider: r.provider,
    agreementId: r.agreement_id,
    consumerGroup: r.consumer_group,
    reason: r.reason,
    topic: r.topic,
    partition: r.kafka_partition,
    offset: r.kafka_offset,
    entity: r.entity,
    eventId: r.event_id,
    op: r.op,
    commitTs: r.commit_ts,
    keyBytes: r.key_bytes,
    valueBytes: r.value_bytes,
  };
}

/** Whether the receiver's database has a dead-letter table (no consumer ever ran there: none). */
export async function deadLetterTableExists(db: Queryable): Promise<boolean> {
  const r = await db.query(`SELECT to_regclass('${STATE_SCHEMA}.dead_letter') IS NOT NULL AS present`);
  return (r.rows[0] as { present: boolean }).present;
}

/** Dead letters matching the filter, oldest first, with the total that matched (the list may be cut at `limit`). */
export async function listDeadLetters(db: Queryable, f: DeadLetterFilter): Promise<{ total: number; rows: DeadLetterSummary[] }> {
  if (!(await deadLetterTableExists(db))) return { total: 0, rows: [] };
  const w = where(f);
  const total = await db.query(`SELECT count(*)::int AS n FROM ${S}.dead_letter d ${w.sql}`, w.params);
  const limit = f.limit ?? 100;
  const r = await db.query(`SELECT ${COLUMNS} FROM ${S}.dead_letter d ${w.sql} ORDER BY d.id LIMIT ${Math.max(0, Math.floor(limit))}`, w.params);
  return { total: (total.rows[0] as { n: number }).n, rows: (r.rows as Row[]).map(summary) };
}

/** Counts per agreement and reason (the status screen and the statistics). */
export async function countDeadLetters(
  db: Queryable,
  f: Omit<DeadLetterFilter, 'ids' | 'limit'> = {},
): Promise<{ agreementId: string; entity: string | null; reason: string; count: number }[]> {
  if (!(await deadLetterTableExists(db))) return [];
  const w = where(f);
  const r = await db.query(`SELECT d.agreement_id, d.entity, d.reason, count(*)::int AS n FROM ${S}.dead_letter d ${w.sql} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, w.params);
  return (r.rows as { agreement_id: string; entity: string | null; reason: string; n: number }[]).map((x) => ({
    agreementId: x.agreement_id,
    entity: x.entity,
    reason: x.reason,
    count: x.n,
  }));
}

/** One dead letter with its detail, headers and raw bytes, or null. */
export async function readDeadLetter(db: Queryable, id: string): Promise<DeadLetterRecordFull | null> {
  if (!/^\d{1,18}$/.test(id)) throw new OpsError(`dead-letter id must be a whole number, got "${id}"`);
  if (!(await deadLetterTableExists(db))) return null;
  const r = await db.query(`SELECT ${COLUMNS}, d.detail, d.headers, d.raw_key, d.raw_value FROM ${S}.dead_letter d WHERE d.id = $1`, [id]);
  const row = r.rows[0] as (Row & { detail: string; headers: Record<string, unknown>; raw_key: Buffer | null; raw_value: Buffer | null }) | undefined;
  if (!row) return null;
  return { ...summary(row), detail: row.detail, headers: row.headers, key: row.raw_key, value: row.raw_value };
}

/** What discard removed and recorded, per dead letter. */
export interface DiscardedDeadLetter {
  deadLetter: DeadLetterSummary;
  /** Id of its record in partner_state.operator_action. */
  actionId: string;
}

/**
 * Discards dead letters: each gets an operator-log record (who, when, why, and the dead letter's
 * coordinates, reason and event id), and its row — with the raw bytes, which may hold personal data
 * the receiver has no use for — is deleted, in one transaction, so no dead letter goes without its
 * record. The copy on the dead-letter topic stays until the topic's retention removes it (Kafka
 * cannot delete one message). A replay of the same offset that fails again records a new dead letter.
 */
export async function discardDeadLetters(db: ClientBase, f: DeadLetterFilter, who: string, reason: string): Promise<DiscardedDeadLetter[]> {
  if (reason.trim() === '') throw new OpsError('a discard needs a reason (--reason)');
  if (f.ids === undefined && f.agreementId === undefined) throw new OpsError('name the dead letters to discard: ids, or --agreement with other filters');
  await ensureOperatorLog(db);
  await db.query('BEGIN');
  try {
    const w = where(f);
    const r = await db.query<Row>(`SELECT ${COLUMNS} FROM ${S}.dead_letter d ${w.sql} ORDER BY d.id FOR UPDATE`, w.params);
    const out: DiscardedDeadLetter[] = [];
    for (const row of r.rows) {
      const d = summary(row);
      const actionId = await recordOperatorAction(db, {
        who,
        action: 'dlq.discard',
        agreementId: d.agreementId,
        reason,
        subject: deadLetterSubject(d),
        result: 'done',
      });
      out.push({ deadLetter: d, actionId });
    }
    if (out.length > 0) await db.query(`DELETE FROM ${S}.dead_letter WHERE id = ANY($1::bigint[])`, [out.map((x) => x.deadLetter.id)]);
    await db.query('COMMIT');
    return out;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** What the operator log records of a dead letter an action resolved: its coordinates, never its value. */
function deadLetterSubject(d: DeadLetterSummary): Record<string, string | number | null> {
  return {
    deadLetterId: d.id,
    deadLetteredAt: d.at.toISOString(),
    deadLetterReason: d.reason,
    receiver: d.receiver,
    provider: d.provider,
    group: d.consumerGroup,
    topic: d.topic,
    partition: d.partition,
    offset: d.offset,
    entity: d.entity,
    eventId: d.eventId,
  };
}

/**
 * Sends a dead letter through verification, policy and the partner store again, exactly as a fetched
 * event (the apply consumer's stages: services/apply-consumer/replayer.ts), and says what became of it.
 */
export interface DeadLetterRetrier {
  retry(letter: DeadLetterRecordFull): Promise<{ outcome: 'applied' | 'stale' | 'withheld' } | { outcome: 'dead-again'; reason: string; detail: string }>;
}

/** What a retry did with one dead letter, and its record. */
export interface RetriedDeadLetter {
  deadLetter: DeadLetterSummary;
  outcome: 'applied' | 'stale' | 'withheld' | 'dead-again';
  /** The reason it failed again (a dead-letter reason code), when it did. */
  reasonAgain?: string;
  actionId: string;
}

/**
 * Retries dead letters (after their cause was fixed: a key added, the registry back): each goes
 * through the retrier, then its outcome is recorded in the operator log (action `dlq.retry`) and, when
 * it was applied, found stale (the store holds a newer state) or withheld by the agreement, the dead
 * letter is deleted in the same transaction as its record. One that fails again stays, with the new
 * reason recorded. A crash between the apply and the record leaves the dead letter: its next retry
 * finds it stale and resolves it.
 */
export async function retryDeadLetters(db: ClientBase, f: DeadLetterFilter, who: string, reason: string | null, retrier: DeadLetterRetrier): Promise<RetriedDeadLetter[]> {
  if (f.ids === undefined && f.agreementId === undefined) throw new OpsError('name the dead letters to retry: ids, or --agreement with other filters');
  await ensureOperatorLog(db);
  const { rows } = await listDeadLetters(db, { ...f, limit: f.limit ?? 100_000 });
  const out: RetriedDeadLetter[] = [];
  for (const d of rows) {
    const letter = await readDeadLetter(db, d.id);
    if (!letter) continue;
    const r = await retrier.retry(letter);
    await db.query('BEGIN');
    try {
      const actionId = await recordOperatorAction(db, {
        who,
        action: 'dlq.retry',
        agreementId: d.agreementId,
        reason,
        subject: deadLetterSubject(d),
        result: r.outcome === 'dead-again' ? 'failed' : 'done',
        detail: r.outcome === 'dead-again' ? { outcome: r.outcome, reasonAgain: r.reason } : { outcome: r.outcome },
      });
      if (r.outcome !== 'dead-again') await db.query(`DELETE FROM ${S}.dead_letter WHERE id = $1`, [d.id]);
      await db.query('COMMIT');
      out.push({ deadLetter: d, outcome: r.outcome, ...(r.outcome === 'dead-again' ? { reasonAgain: r.reason } : {}), actionId });
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
  return out;
}
