import type { PoolClient } from 'pg';
import {
  applyRequestEvent,
  EXCHANGE_SCHEMA,
  parseRequestEvent,
  REQUEST_CHANGED_CHANNEL,
  requestEventHash,
  type AgreementStore,
  type RequestEvent,
  type RequestState,
} from '../../libs/agreement-exchange';
import { canonicalJson, type AgreementState, type PublicKeyLookup } from '../../libs/agreements';
import type { ExchangeMessage } from './consumerPosition';
import type { Handled } from './agreementEventHandler';
import { recordKeys } from './recordKeys';
import { readableFields, recordRejection } from './rejectionRecorder';

/** What is known of a request message before its transaction: the parsed event and the agreement at its basis. */
export type PreparedRequest = { ok: true; raw: unknown; event: RequestEvent; agreement: AgreementState | null } | { ok: false; raw: unknown; code: string; reason: string };

/**
 * One message of the requests topic. A request is judged against the agreement as it stood at its
 * basis (an agreement event hash): the handler first waits, outside any transaction, until this
 * database holds that event — the two topics are read independently, so the basis may still be on
 * its way — and gives up after `basisWaitMs`, rejecting the request as unknown_basis.
 */
export class RequestEventHandler {
  constructor(
    private readonly store: AgreementStore,
    private readonly keys: PublicKeyLookup,
    private readonly basisWaitMs: number,
  ) {}

  async prepare(m: ExchangeMessage, keepAlive: () => Promise<void>, stopping: () => boolean): Promise<PreparedRequest> {
    let raw: unknown;
    try {
      if (m.value === null) throw new Error('empty message (tombstone)');
      raw = JSON.parse(m.value.toString('utf8'));
    } catch (err) {
      return { ok: false, raw, code: 'malformed', reason: `not JSON: ${(err as Error).message}` };
    }
    const parsed = parseRequestEvent(raw);
    if (!parsed.ok) return { ok: false, raw, code: 'malformed', reason: parsed.problems.slice(0, 5).join('; ') };
    const started = Date.now();
    for (;;) {
      const agreement = await this.store.stateAfter(parsed.event.basis);
      if (agreement || Date.now() - started >= this.basisWaitMs) return { ok: true, raw, event: parsed.event, agreement };
      if (stopping()) throw new Error('stopping while waiting for the basis of a request');
      await keepAlive();
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async handle(c: PoolClient, m: ExchangeMessage, p: PreparedRequest): Promise<Handled> {
    if (!p.ok) return this.reject(c, m, p.raw, p.code, p.reason, null);
    const event = p.event;
    const current = await this.store.request(event.requestId);
    const r = applyRequestEvent(current, event, this.keys, p.agreement);
    if (!r.ok) return this.reject(c, m, p.raw, r.refusal.code, r.refusal.reason, requestEventHash(event));
    const next = r.state;
    const seq = next.events.length;
    await c.query(
      `INSERT INTO ${EXCHANGE_SCHEMA}.request_event
         (request_id, seq, event_hash, kind, actor, key_id, at, prev_hash, basis_hash, event_json, source_topic, source_partition, source_offset)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [event.requestId, seq, next.lastEventHash, event.kind, event.actor, event.keyId, event.at, event.prev, event.basis, canonicalJson(event), m.topic, m.partition, m.offset],
    );
    await upsertRequest(c, next);
    await recordKeys(c, this.keys, [event.keyId]);
    await c.query('SELECT pg_notify($1, $2)', [REQUEST_CHANGED_CHANNEL, event.requestId]);
    return { outcome: 'stored', subjectId: event.requestId, kind: event.kind, actor: event.actor, seq, after: () => undefined };
  }

  private async reject(c: PoolClient, m: ExchangeMessage, raw: unknown, code: string, reason: string, hash: string | null): Promise<Handled> {
    const f = readableFields(raw);
    const rejection = {
      stream: 'request' as const,
      subjectId: f.text('requestId'),
      agreementId: f.text('agreementId'),
      kind: f.text('kind'),
      actor: f.text('actor'),
      keyId: f.text('keyId'),
      eventHash: hash,
      code,
      reason,
    };
    await recordRejection(c, m, rejection);
    return { outcome: 'rejected', subjectId: rejection.subjectId, kind: rejection.kind, actor: rejection.actor, code, reason };
  }
}

async function upsertRequest(c: PoolClient, s: RequestState): Promise<void> {
  const { events: _events, ...summary } = s;
  await c.query(
    `INSERT INTO ${EXCHANGE_SCHEMA}.request
       (request_id, type, agreement_id, requester, recipient, status, opened_at, last_event_at, event_count, last_event_hash, state_json)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (request_id) DO UPDATE SET
       status = EXCLUDED.status, last_event_at = EXCLUDED.last_event_at, event_count = EXCLUDED.event_count,
       last_event_hash = EXCLUDED.last_event_hash, state_json = EXCLUDED.state_json`,
    [s.requestId, s.type, s.agreementId, s.requester, s.recipient, s.status, s.openedAt, s.lastEventAt, s.events.length, s.lastEventHash, JSON.stringify(summary)],
  );
}
