import type { PoolClient } from 'pg';
import { AGREEMENT_CHANGED_CHANNEL, EXCHANGE_SCHEMA, type AgreementStore } from '../../libs/agreement-exchange';
import {
  agreementEventHash,
  allParties,
  applyEvent,
  canonicalJson,
  latestConfirmedVersion,
  parseAgreementEvent,
  type AgreementEvent,
  type AgreementState,
  type ContractLookup,
  type PublicKeyLookup,
} from '../../libs/agreements';
import type { ExchangeMessage } from './consumerPosition';
import { recordKeys } from './recordKeys';
import { readableFields, recordRejection } from './rejectionRecorder';

export type Handled =
  | { outcome: 'stored'; subjectId: string; kind: string; actor: string; seq: number; after: () => void }
  | { outcome: 'rejected'; subjectId: string | null; kind: string | null; actor: string | null; code: string; reason: string };

/**
 * One message of the agreements topic, inside the caller's transaction: verified and folded by
 * applyEvent against the history this database holds; stored when accepted, recorded as rejected
 * (with the reason) otherwise. A forged or out-of-chain step never enters agreement_event.
 */
export class AgreementEventHandler {
  constructor(
    private readonly store: AgreementStore,
    private readonly keys: PublicKeyLookup,
    private readonly contracts: ContractLookup | undefined,
  ) {}

  async handle(c: PoolClient, m: ExchangeMessage): Promise<Handled> {
    let raw: unknown;
    try {
      if (m.value === null) throw new Error('empty message (tombstone)');
      raw = JSON.parse(m.value.toString('utf8'));
    } catch (err) {
      return this.reject(c, m, raw, 'malformed', `not JSON: ${(err as Error).message}`, null);
    }
    const parsed = parseAgreementEvent(raw);
    if (!parsed.ok) {
      return this.reject(
        c,
        m,
        raw,
        'malformed',
        parsed.issues
          .slice(0, 5)
          .map((i) => `${i.segments.join('.') || '(event)'}: ${i.message}`)
          .join('; '),
        null,
      );
    }
    const event = parsed.event;
    const hash = safeHash(event);
    const state = await this.store.state(event.agreementId);
    const r = applyEvent(state, event, this.keys, { contracts: this.contracts });
    if (!r.ok) return this.reject(c, m, raw, r.refusal.code, r.refusal.reason, hash);

    const next = r.state;
    const seq = next.events.length;
    await c.query(
      `INSERT INTO ${EXCHANGE_SCHEMA}.agreement_event
         (agreement_id, seq, event_hash, kind, version, actor, key_id, at, prev_hash, event_json, source_topic, source_partition, source_offset)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [event.agreementId, seq, next.lastEventHash, event.kind, event.version, event.actor, event.keyId, event.at, event.prev, canonicalJson(event), m.topic, m.partition, m.offset],
    );
    await upsertSummary(c, next);
    const signature = 'signature' in event.payload ? event.payload.signature : undefined;
    await recordKeys(c, this.keys, [event.keyId, ...(signature ? [signature.keyId] : [])]);
    await c.query('SELECT pg_notify($1, $2)', [AGREEMENT_CHANGED_CHANNEL, event.agreementId]);
    return { outcome: 'stored', subjectId: event.agreementId, kind: event.kind, actor: event.actor, seq, after: () => this.store.rememberState(next) };
  }

  private async reject(c: PoolClient, m: ExchangeMessage, raw: unknown, code: string, reason: string, hash: string | null): Promise<Handled> {
    const f = readableFields(raw);
    const rejection = {
      stream: 'agreement' as const,
      subjectId: f.text('agreementId'),
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

function safeHash(e: AgreementEvent): string | null {
  try {
    return agreementEventHash(e);
  } catch {
    return null;
  }
}

async function upsertSummary(c: PoolClient, s: AgreementState): Promise<void> {
  const latest = s.versions[s.versions.length - 1];
  await c.query(
    `INSERT INTO ${EXCHANGE_SCHEMA}.agreement_state
       (agreement_id, provider, title_vi, parties, latest_version, latest_version_status, confirmed_version, terminated_at,
        event_count, last_event_hash, last_event_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
     ON CONFLICT (agreement_id) DO UPDATE SET
       provider = EXCLUDED.provider, title_vi = EXCLUDED.title_vi, parties = EXCLUDED.parties, latest_version = EXCLUDED.latest_version,
       latest_version_status = EXCLUDED.latest_version_status, confirmed_version = EXCLUDED.confirmed_version,
       terminated_at = EXCLUDED.terminated_at, event_count = EXCLUDED.event_count, last_event_hash = EXCLUDED.last_event_hash,
       last_event_at = EXCLUDED.last_event_at, updated_at = now()`,
    [
      s.agreementId,
      s.provider,
      latest.document.titleVi ?? null,
      allParties(latest.document).map((p) => p.id),
      latest.version,
      latest.status,
      latestConfirmedVersion(s)?.version ?? null,
      s.termination?.at ?? null,
      s.events.length,
      s.lastEventHash,
      s.lastEventAt,
    ],
  );
}
