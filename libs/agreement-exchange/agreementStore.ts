import { Pool } from 'pg';
import {
  applyEvent,
  publicKeyRing,
  versionRecordInForce,
  type AgreementDocument,
  type AgreementEvent,
  type AgreementState,
  type AgreementVersionRecord,
  type PublicKeyLookup,
} from '../agreements';
import { AgreementNotFoundError, ExchangeSchemaMissingError, HistoryCorruptError } from './exchangeErrors';
import { databaseLabel, EXCHANGE_SCHEMA } from './exchangeSchema';
import type { RequestEvent } from './requestEvent';
import type { RequestState, RequestStatus, RequestType } from './requestState';
import type { SqlClient } from './sqlClient';

export interface SourcePosition {
  topic: string;
  partition: number;
  /** Kafka offset (int64 as text). */
  offset: string;
}

export interface StoredAgreementEvent {
  /** 1-based position in the agreement's history. */
  seq: number;
  eventHash: string;
  event: AgreementEvent;
  source: SourcePosition;
  storedAt: Date;
}

export interface AgreementSummary {
  agreementId: string;
  provider: string;
  titleVi: string | null;
  /** Parties of the latest version. */
  parties: string[];
  latestVersion: number;
  latestVersionStatus: string;
  confirmedVersion: number | null;
  terminatedAt: Date | null;
  eventCount: number;
  lastEventHash: string;
  lastEventAt: Date;
}

export interface RejectedEventRow {
  source: SourcePosition;
  stream: 'agreement' | 'request';
  /** Agreement id or request id, when the message was readable enough to tell. */
  subjectId: string | null;
  agreementId: string | null;
  kind: string | null;
  actor: string | null;
  keyId: string | null;
  eventHash: string | null;
  code: string;
  reason: string;
  rejectedAt: Date;
}

export interface RequestSummary {
  requestId: string;
  type: RequestType;
  agreementId: string;
  requester: string;
  recipient: string;
  status: RequestStatus;
  openedAt: Date;
  lastEventAt: Date;
  eventCount: number;
  lastEventHash: string;
}

export interface StoredRequestEvent {
  seq: number;
  eventHash: string;
  basisHash: string;
  event: RequestEvent;
  source: SourcePosition;
  storedAt: Date;
}

export interface RequestFilter {
  agreementId?: string;
  type?: RequestType;
  /** Requests this body opened or must answer. */
  party?: string;
  status?: RequestStatus;
}

export type StepOutcome = { outcome: 'stored'; seq: number; source: SourcePosition } | { outcome: 'rejected'; rejection: RejectedEventRow } | { outcome: 'unknown' };

/** Commit times of CDC events are microseconds since the epoch; agreement instants are milliseconds. */
export function microsToMillis(us: number | bigint): number {
  if (typeof us === 'bigint') {
    const q = us / 1000n;
    return Number(us < 0n && q * 1000n !== us ? q - 1n : q);
  }
  return Math.floor(us / 1000);
}

/** Which version governs an event committed at `commitTimeUs` (null: none, the row must not flow). */
export function versionInForceAtMicros(state: AgreementState | null, commitTimeUs: number | bigint): AgreementVersionRecord | null {
  return state === null ? null : versionRecordInForce(state, microsToMillis(commitTimeUs));
}

const S = EXCHANGE_SCHEMA;

/**
 * Read access to the agreement history a ministry's database holds (written only by the
 * agreement-sync service): the signed events, the state they fold to, which version governs an event
 * committed at a given time, the requests, and what was rejected. States are replayed from the stored
 * events with the keys recorded beside them and cached until a new event arrives, so calling
 * `versionInForce` per batch costs one indexed lookup.
 */
export class AgreementStore {
  readonly database: string;
  private readonly cache = new Map<string, AgreementState>();
  private storedKeys: PublicKeyLookup | undefined;
  private ownedPool?: Pool;

  constructor(
    private readonly db: SqlClient,
    database: string,
    /** Verifies the stored events on replay; default: the keys recorded in agreement.party_key. */
    private readonly keys?: PublicKeyLookup,
  ) {
    this.database = database;
  }

  /** A store over its own small pool; close() releases it. */
  static open(url: string, keys?: PublicKeyLookup): AgreementStore {
    const pool = new Pool({ connectionString: url, max: 2, application_name: 'thahs-agreement-store' });
    const store = new AgreementStore(pool, databaseLabel(url), keys);
    store.ownedPool = pool;
    return store;
  }

  async close(): Promise<void> {
    await this.ownedPool?.end();
    this.ownedPool = undefined;
  }

  async assertSchema(): Promise<void> {
    const r = await this.db.query<{ present: boolean }>(`SELECT to_regclass('${S}.agreement_event') IS NOT NULL AS present`);
    if (!r.rows[0]?.present) throw new ExchangeSchemaMissingError(this.database);
  }

  async history(agreementId: string): Promise<StoredAgreementEvent[]> {
    const r = await this.db.query<EventRow>(
      `SELECT seq, event_hash, event_json, source_topic, source_partition, source_offset::text AS source_offset, stored_at
         FROM ${S}.agreement_event WHERE agreement_id = $1 ORDER BY seq`,
      [agreementId],
    );
    return r.rows.map((row) => ({
      seq: row.seq,
      eventHash: row.event_hash,
      event: JSON.parse(row.event_json) as AgreementEvent,
      source: { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset },
      storedAt: row.stored_at,
    }));
  }

  /** The current state, or null when the agreement is unknown here. */
  async state(agreementId: string): Promise<AgreementState | null> {
    const head = await this.db.query<{ last_event_hash: string }>(`SELECT last_event_hash FROM ${S}.agreement_state WHERE agreement_id = $1`, [agreementId]);
    const last = head.rows[0]?.last_event_hash;
    if (last === undefined) return null;
    const cached = this.cache.get(agreementId);
    if (cached && cached.lastEventHash === last) return cached;
    const state = await this.replay(agreementId, await this.history(agreementId));
    if (state) this.cache.set(agreementId, state);
    return state;
  }

  /** Hands over a state the caller has just stored (the sync service), sparing the next replay. */
  rememberState(state: AgreementState): void {
    this.cache.set(state.agreementId, state);
  }

  async requireState(agreementId: string): Promise<AgreementState> {
    const s = await this.state(agreementId);
    if (!s) throw new AgreementNotFoundError(agreementId, this.database);
    return s;
  }

  /** Every agreement's current state (for a consumer that filters each batch against all of them). */
  async allStates(): Promise<AgreementState[]> {
    const r = await this.db.query<{ agreement_id: string }>(`SELECT agreement_id FROM ${S}.agreement_state ORDER BY agreement_id`);
    const out: AgreementState[] = [];
    for (const row of r.rows) {
      const s = await this.state(row.agreement_id);
      if (s) out.push(s);
    }
    return out;
  }

  /** The state as it stood right after the event `eventHash`; null when that event is not stored. */
  async stateAfter(eventHash: string): Promise<AgreementState | null> {
    const at = await this.db.query<{ agreement_id: string; seq: number }>(`SELECT agreement_id, seq FROM ${S}.agreement_event WHERE event_hash = $1`, [eventHash]);
    const row = at.rows[0];
    if (!row) return null;
    const current = await this.state(row.agreement_id);
    if (current && current.lastEventHash === eventHash) return current;
    const events = (await this.history(row.agreement_id)).filter((e) => e.seq <= row.seq);
    return this.replay(row.agreement_id, events);
  }

  /** The version that governs an event committed at `commitTimeUs` (µs since the epoch), or null. */
  async versionInForce(agreementId: string, commitTimeUs: number | bigint): Promise<AgreementDocument | null> {
    return (await this.versionRecordInForce(agreementId, commitTimeUs))?.document ?? null;
  }

  async versionRecordInForce(agreementId: string, commitTimeUs: number | bigint): Promise<AgreementVersionRecord | null> {
    return versionInForceAtMicros(await this.state(agreementId), commitTimeUs);
  }

  async list(): Promise<AgreementSummary[]> {
    const r = await this.db.query<SummaryRow>(
      `SELECT agreement_id, provider, title_vi, parties, latest_version, latest_version_status, confirmed_version, terminated_at,
              event_count, last_event_hash, last_event_at
         FROM ${S}.agreement_state ORDER BY agreement_id`,
    );
    return r.rows.map((row) => ({
      agreementId: row.agreement_id,
      provider: row.provider,
      titleVi: row.title_vi,
      parties: row.parties,
      latestVersion: row.latest_version,
      latestVersionStatus: row.latest_version_status,
      confirmedVersion: row.confirmed_version,
      terminatedAt: row.terminated_at,
      eventCount: row.event_count,
      lastEventHash: row.last_event_hash,
      lastEventAt: row.last_event_at,
    }));
  }

  async rejected(filter: { stream?: 'agreement' | 'request'; subjectId?: string } = {}): Promise<RejectedEventRow[]> {
    const r = await this.db.query<RejectedRow>(
      `SELECT source_topic, source_partition, source_offset::text AS source_offset, stream, subject_id, agreement_id, kind, actor, key_id,
              event_hash, code, reason, rejected_at
         FROM ${S}.rejected_event
        WHERE ($1::text IS NULL OR stream = $1) AND ($2::text IS NULL OR subject_id = $2)
        ORDER BY rejected_at, source_topic, source_partition, source_offset`,
      [filter.stream ?? null, filter.subjectId ?? null],
    );
    return r.rows.map(rejectedFromRow);
  }

  /** Whether a published step was stored or rejected by this ministry's sync service (or not yet seen). */
  async outcome(stream: 'agreement' | 'request', eventHash: string): Promise<StepOutcome> {
    const table = stream === 'agreement' ? 'agreement_event' : 'request_event';
    const stored = await this.db.query<{ seq: number; source_topic: string; source_partition: number; source_offset: string }>(
      `SELECT seq, source_topic, source_partition, source_offset::text AS source_offset FROM ${S}.${table} WHERE event_hash = $1`,
      [eventHash],
    );
    const s = stored.rows[0];
    if (s) return { outcome: 'stored', seq: s.seq, source: { topic: s.source_topic, partition: s.source_partition, offset: s.source_offset } };
    const rej = await this.db.query<RejectedRow>(
      `SELECT source_topic, source_partition, source_offset::text AS source_offset, stream, subject_id, agreement_id, kind, actor, key_id,
              event_hash, code, reason, rejected_at
         FROM ${S}.rejected_event WHERE event_hash = $1 AND stream = $2 ORDER BY rejected_at DESC LIMIT 1`,
      [eventHash, stream],
    );
    return rej.rows[0] ? { outcome: 'rejected', rejection: rejectedFromRow(rej.rows[0]) } : { outcome: 'unknown' };
  }

  async requests(filter: RequestFilter = {}): Promise<RequestSummary[]> {
    const r = await this.db.query<RequestRow>(
      `SELECT request_id, type, agreement_id, requester, recipient, status, opened_at, last_event_at, event_count, last_event_hash
         FROM ${S}.request
        WHERE ($1::text IS NULL OR agreement_id = $1) AND ($2::text IS NULL OR type = $2)
          AND ($3::text IS NULL OR requester = $3 OR recipient = $3) AND ($4::text IS NULL OR status = $4)
        ORDER BY opened_at, request_id`,
      [filter.agreementId ?? null, filter.type ?? null, filter.party ?? null, filter.status ?? null],
    );
    return r.rows.map((row) => ({
      requestId: row.request_id,
      type: row.type,
      agreementId: row.agreement_id,
      requester: row.requester,
      recipient: row.recipient,
      status: row.status,
      openedAt: row.opened_at,
      lastEventAt: row.last_event_at,
      eventCount: row.event_count,
      lastEventHash: row.last_event_hash,
    }));
  }

  async requestEvents(requestId: string): Promise<StoredRequestEvent[]> {
    const r = await this.db.query<EventRow & { basis_hash: string }>(
      `SELECT seq, event_hash, basis_hash, event_json, source_topic, source_partition, source_offset::text AS source_offset, stored_at
         FROM ${S}.request_event WHERE request_id = $1 ORDER BY seq`,
      [requestId],
    );
    return r.rows.map((row) => ({
      seq: row.seq,
      eventHash: row.event_hash,
      basisHash: row.basis_hash,
      event: JSON.parse(row.event_json) as RequestEvent,
      source: { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset },
      storedAt: row.stored_at,
    }));
  }

  /** The request's state with all its events; null when unknown here. */
  async request(requestId: string): Promise<RequestState | null> {
    const r = await this.db.query<{ state_json: Omit<RequestState, 'events'> }>(`SELECT state_json FROM ${S}.request WHERE request_id = $1`, [requestId]);
    const row = r.rows[0];
    if (!row) return null;
    const events = await this.requestEvents(requestId);
    return { ...row.state_json, events: events.map((e) => e.event) };
  }

  /** Next offset this database has consumed, per topic partition. */
  async positions(): Promise<(Omit<SourcePosition, 'offset'> & { nextOffset: string })[]> {
    const r = await this.db.query<{ topic: string; partition: number; next_offset: string }>(
      `SELECT topic, partition, next_offset::text AS next_offset FROM ${S}.consumer_position ORDER BY topic, partition`,
    );
    return r.rows.map((row) => ({ topic: row.topic, partition: row.partition, nextOffset: row.next_offset }));
  }

  /** The public keys recorded with accepted events: enough to verify the stored history again. */
  async recordedKeys(): Promise<{ keyId: string; party: string; publicKeyPem: string }[]> {
    const r = await this.db.query<{ key_id: string; party: string; public_key_pem: string }>(`SELECT key_id, party, public_key_pem FROM ${S}.party_key ORDER BY key_id`);
    return r.rows.map((row) => ({ keyId: row.key_id, party: row.party, publicKeyPem: row.public_key_pem }));
  }

  private async replay(agreementId: string, events: readonly StoredAgreementEvent[]): Promise<AgreementState | null> {
    let keys = this.keys ?? (await this.storedKeyRing(false));
    let state: AgreementState | null = null;
    for (const e of events) {
      let r = applyEvent(state, e.event, keys);
      if (!r.ok && r.refusal.code === 'bad_signature' && this.keys === undefined) {
        // A key recorded after the ring was read: read it again once.
        keys = await this.storedKeyRing(true);
        r = applyEvent(state, e.event, keys);
      }
      if (!r.ok) throw new HistoryCorruptError(this.database, agreementId, e.seq, r.refusal.message);
      state = r.state;
    }
    return state;
  }

  private async storedKeyRing(refresh: boolean): Promise<PublicKeyLookup> {
    if (!this.storedKeys || refresh) {
      this.storedKeys = publicKeyRing((await this.recordedKeys()).map((k) => ({ keyId: k.keyId, party: k.party, publicKey: k.publicKeyPem })));
    }
    return this.storedKeys;
  }
}

interface EventRow {
  seq: number;
  event_hash: string;
  event_json: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  stored_at: Date;
}

interface SummaryRow {
  agreement_id: string;
  provider: string;
  title_vi: string | null;
  parties: string[];
  latest_version: number;
  latest_version_status: string;
  confirmed_version: number | null;
  terminated_at: Date | null;
  event_count: number;
  last_event_hash: string;
  last_event_at: Date;
}

interface RejectedRow {
  source_topic: string;
  source_partition: number;
  source_offset: string;
  stream: 'agreement' | 'request';
  subject_id: string | null;
  agreement_id: string | null;
  kind: string | null;
  actor: string | null;
  key_id: string | null;
  event_hash: string | null;
  code: string;
  reason: string;
  rejected_at: Date;
}

interface RequestRow {
  request_id: string;
  type: RequestType;
  agreement_id: string;
  requester: string;
  recipient: string;
  status: RequestStatus;
  opened_at: Date;
  last_event_at: Date;
  event_count: number;
  last_event_hash: string;
}

function rejectedFromRow(row: RejectedRow): RejectedEventRow {
  return {
    source: { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset },
    stream: row.stream,
    subjectId: row.subject_id,
    agreementId: row.agreement_id,
    kind: row.kind,
    actor: row.actor,
    keyId: row.key_id,
    eventHash: row.event_hash,
    code: row.code,
    reason: row.reason,
    rejectedAt: row.rejected_at,
  };
}
