/**
 * Distribution of agreements between the ministries (issue 5): signed lifecycle steps on the
 * agreements topic, requests (data-error reports, usage-report requests, refusals) on the requests
 * topic, the history both ministries' databases hold (schema `agreement`), and the client that takes
 * a step on one ministry's behalf. The lifecycle rules themselves are libs/agreements.
 *
 * For the apply consumer: `AgreementStore.versionInForce(agreementId, commitTimeUs)` (or
 * `allStates()` once per batch with `versionInForceAtMicros`), refreshed on NOTIFY
 * AGREEMENT_CHANGED_CHANNEL.
 */
export { DEFAULT_EXCHANGE_TOPICS, exchangeTopicsWithPrefix, exchangeTopicSpecs, ensureExchangeTopics } from './exchangeTopics';
export type { ExchangeTopics } from './exchangeTopics';

export { generatePartyKey, loadPartySigningKey, listPartySigningKeys, partyOfKeyId, ministryOfParty, PartyKeyRing } from './partyKeys';
export type { PartyKeyFile } from './partyKeys';

export { REQUEST_KINDS, parseRequestEvent } from './requestEvent';
export type { RequestEvent, RequestEventOf, RequestKind, RequestPayloads, UnsignedRequestEvent, ParseRequestResult } from './requestEvent';
export { signRequestEvent, requestSignatureProblem, requestEventHash } from './requestSigning';
export { OPEN_REQUEST_STATUSES } from './requestState';
export type { RequestState, RequestStatus, RequestType, RequestStep } from './requestState';
export { RequestRefusal } from './requestRefusal';
export type { RequestRefusalCode } from './requestRefusal';
export { applyRequestEvent } from './applyRequestEvent';
export type { RequestApplyResult } from './applyRequestEvent';
export { createRequestEvent } from './createRequestEvent';
export type { UsageReport, UsageCount, AccessLogFigures, PartnerStoreFigures } from './usageReport';
export { buildUsageReport, ACCESS_LOG_TABLE } from './buildUsageReport';

export { EXCHANGE_SCHEMA, EXCHANGE_MIGRATIONS, AGREEMENT_CHANGED_CHANNEL, REQUEST_CHANGED_CHANNEL, migrateExchangeSchema, databaseLabel } from './exchangeSchema';
export type { SqlClient } from './sqlClient';
export { AgreementStore, microsToMillis, versionInForceAtMicros } from './agreementStore';
export type { AgreementSummary, RejectedEventRow, RequestFilter, RequestSummary, SourcePosition, StepOutcome, StoredAgreementEvent, StoredRequestEvent } from './agreementStore';

export { ExchangePublisher, STREAM_HEADER } from './exchangePublisher';
export { AgreementExchangeClient } from './agreementExchangeClient';
export type { ExchangeClientOptions, StepResult, ErrorReportInput, UsageRequestInput, JoinInput } from './agreementExchangeClient';

export {
  PartyKeyError,
  ExchangeSchemaMissingError,
  ExchangeMigrationError,
  AgreementNotFoundError,
  RequestNotFoundError,
  StepRefusedError,
  PublishFailedError,
  StepRejectedError,
  StepNotAppliedError,
  CatchUpTimeoutError,
  HistoryCorruptError,
} from './exchangeErrors';

export { openMinistryExchange, resolveParty } from './openMinistryExchange';
export type { OpenExchangeOptions, MinistryExchange } from './openMinistryExchange';
export { publishedContracts } from './publishedContracts';
