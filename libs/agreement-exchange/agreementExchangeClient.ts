import { fetchTopicOffsetsSettled } from '../kafka';
import type { Admin, Kafka } from 'kafkajs';
import {
  agreementEventHash,
  applyEvent,
  createAgreementEvent,
  latestConfirmedVersion,
  parseInstantMs,
  pendingVersion,
  signAgreementDocument,
  versionRecordInForce,
  type AgreementDocument,
  type AgreementEvent,
  type AgreementEventKind,
  type AgreementEventPayloads,
  type AgreementState,
  type AgreementVersionRecord,
  type ContractLookup,
  type Dispatch,
  type PublicKeyLookup,
  type SigningKey,
} from '../agreements';
import type { Ministry } from '../contracts/contractTypes';
import type { AgreementStore, SourcePosition } from './agreementStore';
import { applyRequestEvent } from './applyRequestEvent';
import { buildUsageReport } from './buildUsageReport';
import { createRequestEvent } from './createRequestEvent';
import { AgreementNotFoundError, CatchUpTimeoutError, PartyKeyError, RequestNotFoundError, StepNotAppliedError, StepRefusedError, StepRejectedError } from './exchangeErrors';
import { ExchangePublisher } from './exchangePublisher';
import type { ExchangeTopics } from './exchangeTopics';
import type { RequestEvent, RequestKind, RequestPayloads } from './requestEvent';
import { requestEventHash } from './requestSigning';
import type { RequestState } from './requestState';
import type { SqlClient } from './sqlClient';

export interface ExchangeClientOptions {
  /** The ministry whose database this client reads and whose bodies it acts for. */
  ministry: Ministry;
  store: AgreementStore;
  /** The same database, for the figures of a usage report. */
  db: SqlClient;
  kafka: Kafka;
  topics: ExchangeTopics;
  /** Public keys the step is checked against before publishing (the ministry's trusted ring). */
  keys: PublicKeyLookup;
  /** The acting body's key; its party must belong to `ministry`. */
  signingKey: SigningKey;
  contracts?: ContractLookup;
  /** How long to wait for the database to catch up and then to record the step (default 30 s). */
  waitMs?: number;
  /** false: return once Kafka acknowledged, without waiting for the sync service. */
  waitForSync?: boolean;
  clock?: () => Date;
  publisher?: ExchangePublisher;
}

export interface StepResult<E> {
  event: E;
  eventHash: string;
  source: SourcePosition;
  /** stored: this ministry's database holds the step; published: on Kafka, not waited for. */
  outcome: 'stored' | 'published';
}

export interface ErrorReportInput {
  agreementId: string;
  entity: string;
  recordKey: string;
  field: string;
  description: string;
}

export interface UsageRequestInput {
  agreementId: string;
  consumer: string;
  reason: string;
  periodFrom: string;
  periodTo: string;
}

export interface JoinInput {
  nameVi: string;
  nameEn?: string;
  dispatch: Dispatch;
}

/**
 * Takes agreement steps and request steps for one body of one ministry. Every step follows one path:
 * wait until this ministry's database has read both topics to their end (so the step builds on the
 * whole history), build and sign the event, check it with the same state machine the receivers run,
 * publish it, then wait until this ministry's agreement-sync service has stored it — or rejected it,
 * which raises StepRejectedError. The database is never written here.
 */
export class AgreementExchangeClient {
  private readonly publisher: ExchangePublisher;
  private readonly ownsPublisher: boolean;
  private admin?: Admin;
  private readonly waitMs: number;
  private readonly clock: () => Date;

  constructor(private readonly o: ExchangeClientOptions) {
    if (!o.signingKey.party.startsWith(`${o.ministry}.`)) {
      throw new PartyKeyError(o.signingKey.party, `is not a body of ${o.ministry}; it cannot act through the ${o.ministry} database`, o.signingKey.keyId);
    }
    this.publisher = o.publisher ?? new ExchangePublisher(o.kafka, o.topics);
    this.ownsPublisher = o.publisher === undefined;
    this.waitMs = o.waitMs ?? 30_000;
    this.clock = o.clock ?? (() => new Date());
  }

  get party(): string {
    return this.o.signingKey.party;
  }

  /** The same ministry, database and connections, acting as another body. */
  withKey(signingKey: SigningKey): AgreementExchangeClient {
    return new AgreementExchangeClient({ ...this.o, signingKey, publisher: this.publisher });
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
    if (this.ownsPublisher) await this.publisher.disconnect();
  }

  // --- agreement lifecycle ---------------------------------------------------------------------

  /** A new agreement (version 1), or a new text for the draft in progress. */
  draft(document: AgreementDocument): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(document.id, true, () => ({ kind: 'draft', version: document.version, payload: { document } }));
  }

  /** Art. 13: an amendment is the draft of the next version of an agreement that has a confirmed one. */
  amend(document: AgreementDocument): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(document.id, false, (state) => {
      if (!latestConfirmedVersion(state!)) {
        throw new StepRefusedError(
          'agreement',
          document.id,
          'draft',
          this.party,
          'not_allowed',
          'nothing was confirmed yet, so there is nothing to amend; change the draft instead',
        );
      }
      return { kind: 'draft', version: document.version, payload: { document } };
    });
  }

  propose(agreementId: string): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(agreementId, false, (state) => {
      const pending = pendingVersion(state!);
      const version = pending?.version ?? lastVersion(state!);
      return { kind: 'propose', version, payload: { signature: signAgreementDocument((pending ?? lastRecord(state!)).document, this.o.signingKey) } };
    });
  }

  /** Confirms a proposal; for a request to join, the provider's confirmation (join_confirm). */
  confirm(agreementId: string): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(agreementId, false, (state) => {
      const pending = pendingVersion(state!) ?? lastRecord(state!);
      const signature = signAgreementDocument(pending.document, this.o.signingKey);
      return pending.origin === 'join'
        ? { kind: 'join_confirm', version: pending.version, payload: { signature } }
        : { kind: 'confirm', version: pending.version, payload: { signature } };
    });
  }

  /** Art. 14.1(a): refuses a proposal, or (provider) a request to join, with the reason. */
  refuse(agreementId: string, reason: string): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(agreementId, false, (state) => {
      const pending = pendingVersion(state!) ?? lastRecord(state!);
      return { kind: pending.origin === 'join' ? 'join_refuse' : 'refuse', version: pending.version, payload: { reason } };
    });
  }

  withdraw(agreementId: string, reason: string): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(agreementId, false, (state) => ({ kind: 'withdraw', version: (pendingVersion(state!) ?? lastRecord(state!)).version, payload: { reason } }));
  }

  /** Art. 10.4: this body asks to join the agreement in force, as its last consumer. */
  join(agreementId: string, input: JoinInput): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(agreementId, false, (state) => {
      const base = latestConfirmedVersion(state!);
      if (!base) throw new StepRefusedError('agreement', agreementId, 'join_request', this.party, 'not_in_force', 'no version was ever confirmed; there is nothing to join');
      const key = this.o.signingKey;
      const d = base.document;
      const document: AgreementDocument = {
        ...d,
        version: lastVersion(state!) + 1,
        dispatch: input.dispatch,
        parties: {
          ...d.parties,
          consumers: [...d.parties.consumers, { id: key.party, ministry: this.o.ministry, nameVi: input.nameVi, ...(input.nameEn ? { nameEn: input.nameEn } : {}) }],
        },
        security: { ...d.security, keys: [...d.security.keys, { party: key.party, keyIds: [key.keyId] }] },
      };
      return { kind: 'join_request', version: document.version, payload: { document, signature: signAgreementDocument(document, key) } };
    });
  }

  suspend(agreementId: string, reason: string): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(agreementId, false, (state, at) => ({
      kind: 'suspend',
      version: versionRecordInForce(state!, at)?.version ?? lastVersion(state!),
      payload: { reason },
    }));
  }

  resume(agreementId: string, reason: string): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(agreementId, false, (state, at) => ({ kind: 'resume', version: governingVersion(state!, at) ?? lastVersion(state!), payload: { reason } }));
  }

  terminate(agreementId: string, reason: string): Promise<StepResult<AgreementEvent>> {
    return this.agreementStep(agreementId, false, (state) => ({ kind: 'terminate', version: latestConfirmedVersion(state!)?.version ?? lastVersion(state!), payload: { reason } }));
  }

  // --- requests between the ministries ----------------------------------------------------------

  /** Art. 15.2(c): a consumer tells the provider a received record is wrong. */
  reportError(input: ErrorReportInput): Promise<StepResult<RequestEvent>> {
    const { agreementId, ...payload } = input;
    return this.requestStep(null, agreementId, 'error_report', payload);
  }

  async acknowledgeError(requestId: string, note = ''): Promise<StepResult<RequestEvent>> {
    return this.requestStep(await this.requireRequest(requestId), undefined, 'error_acknowledge', { note });
  }

  async resolveError(requestId: string, resolution: string): Promise<StepResult<RequestEvent>> {
    return this.requestStep(await this.requireRequest(requestId), undefined, 'error_resolve', { resolution });
  }

  /** Art. 14.1(a): the body a request is addressed to refuses it; the reason reaches the requester. */
  async refuseRequest(requestId: string, reason: string): Promise<StepResult<RequestEvent>> {
    return this.requestStep(await this.requireRequest(requestId), undefined, 'request_refuse', { reason });
  }

  /** Art. 14.1(b): the provider asks a consumer how it used the data in a period. */
  requestUsageReport(input: UsageRequestInput): Promise<StepResult<RequestEvent>> {
    const { agreementId, ...payload } = input;
    return this.requestStep(null, agreementId, 'usage_request', payload);
  }

  /** The consumer answers with figures from its own access log and partner store. */
  async answerUsageReport(requestId: string): Promise<StepResult<RequestEvent>> {
    const req = await this.requireRequest(requestId);
    const subject = req.subject as RequestPayloads['usage_request'];
    if (req.type !== 'usage_report') {
      throw new StepRefusedError('request', requestId, 'usage_answer', this.party, 'not_allowed', 'only a usage-report request is answered with a report');
    }
    const agreement = await this.o.store.requireState(req.agreementId);
    const doc = latestConfirmedVersion(agreement)!.document;
    const report = await buildUsageReport(this.o.db, doc, { from: subject.periodFrom, to: subject.periodTo }, this.clock());
    return this.requestStep(req, undefined, 'usage_answer', { report });
  }

  // --- the single path --------------------------------------------------------------------------

  /** Waits until this ministry's database has consumed both exchange topics to their current end. */
  async catchUp(): Promise<void> {
    if (!this.admin) {
      const admin = this.o.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const ends: { topic: string; partition: number; high: string; low: string }[] = [];
    for (const topic of [this.o.topics.agreements, this.o.topics.requests]) {
      for (const p of await fetchTopicOffsetsSettled(this.admin, topic)) ends.push({ topic, partition: p.partition, high: p.high, low: p.low });
    }
    const started = Date.now();
    for (;;) {
      const stored = new Map((await this.o.store.positions()).map((p) => [`${p.topic}/${p.partition}`, BigInt(p.nextOffset)]));
      const behind = ends.find((e) => BigInt(e.high) > BigInt(e.low) && (stored.get(`${e.topic}/${e.partition}`) ?? 0n) < BigInt(e.high));
      if (!behind) return;
      const waited = Date.now() - started;
      if (waited >= this.waitMs) {
        throw new CatchUpTimeoutError(this.o.ministry, behind.topic, behind.partition, String(stored.get(`${behind.topic}/${behind.partition}`) ?? 0n), behind.high, waited);
      }
      await sleep(100);
    }
  }

  private at(lastEventAt: string | undefined): string {
    // Never earlier than the last step: a clock behind the other ministry's must not make ours out of order.
    const now = this.clock().getTime();
    const last = lastEventAt ? Date.parse(lastEventAt) : 0;
    return new Date(Math.max(now, last)).toISOString();
  }

  private async agreementStep(
    agreementId: string,
    mayBeNew: boolean,
    build: (state: AgreementState | null, atMs: number) => AgreementStepSpec,
  ): Promise<StepResult<AgreementEvent>> {
    await this.catchUp();
    const state = await this.o.store.state(agreementId);
    if (state === null && !mayBeNew) throw new AgreementNotFoundError(agreementId, this.o.store.database);
    const at = this.at(state?.lastEventAt);
    const spec = build(state, Date.parse(at));
    const event = createAgreementEvent<AgreementEventKind>(state, spec.kind, { agreementId, version: spec.version, at, payload: spec.payload }, this.o.signingKey);
    const check = applyEvent(state, event, this.o.keys, { contracts: this.o.contracts });
    if (!check.ok) throw new StepRefusedError('agreement', agreementId, event.kind, event.actor, check.refusal.code, check.refusal.reason);
    const source = await this.publisher.publishAgreementEvent(event);
    return this.settle('agreement', event, agreementEventHash(event), source);
  }

  private async requestStep<K extends RequestKind>(
    req: RequestState | null,
    agreementId: string | undefined,
    kind: K,
    payload: RequestPayloads[K],
  ): Promise<StepResult<RequestEvent>> {
    await this.catchUp();
    const id = req?.agreementId ?? agreementId!;
    const agreement = await this.o.store.state(id);
    if (!agreement) throw new AgreementNotFoundError(id, this.o.store.database);
    const event = createRequestEvent(req, kind, { agreementId: id, basis: agreement.lastEventHash, at: this.at(req?.lastEventAt), payload }, this.o.signingKey);
    const check = applyRequestEvent(req, event, this.o.keys, agreement);
    if (!check.ok) throw new StepRefusedError('request', event.requestId, event.kind, event.actor, check.refusal.code, check.refusal.reason);
    const source = await this.publisher.publishRequestEvent(event);
    return this.settle('request', event, requestEventHash(event), source);
  }

  private async settle<E>(stream: 'agreement' | 'request', event: E, eventHash: string, source: SourcePosition): Promise<StepResult<E>> {
    if (this.o.waitForSync === false) return { event, eventHash, source, outcome: 'published' };
    const started = Date.now();
    for (;;) {
      const o = await this.o.store.outcome(stream, eventHash);
      if (o.outcome === 'stored') return { event, eventHash, source, outcome: 'stored' };
      if (o.outcome === 'rejected') {
        const r = o.rejection;
        throw new StepRejectedError(this.o.ministry, r.source.topic, r.source.partition, r.source.offset, eventHash, r.code, r.reason);
      }
      if (Date.now() - started >= this.waitMs) throw new StepNotAppliedError(this.o.ministry, this.o.store.database, source.topic, eventHash, Date.now() - started);
      await sleep(100);
    }
  }

  private async requireRequest(requestId: string): Promise<RequestState> {
    await this.catchUp();
    const r = await this.o.store.request(requestId);
    if (!r) throw new RequestNotFoundError(requestId, this.o.store.database);
    return r;
  }
}

type AgreementStepSpec = {
  [K in AgreementEventKind]: { kind: K; version: number; payload: AgreementEventPayloads[K] };
}[AgreementEventKind];

function lastRecord(state: AgreementState): AgreementVersionRecord {
  return state.versions[state.versions.length - 1];
}

function lastVersion(state: AgreementState): number {
  return lastRecord(state).version;
}

/** The confirmed version that governs at `atMs` ignoring suspension (what a resume names). */
function governingVersion(state: AgreementState, atMs: number): number | undefined {
  const started = state.versions
    .filter((v) => v.status === 'confirmed')
    .filter((v) => {
      const from = parseInstantMs(v.document.period.validFrom);
      return from.ok && Math.max(from.value, Date.parse(v.confirmedAt!)) <= atMs;
    });
  return started.length ? Math.max(...started.map((v) => v.version)) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
