/**
 * Data-sharing agreements (Art. 10-14 of the circular): the machine-readable, signed, versioned
 * document with its ten Art. 12 elements; its validation against the Avro contracts; row filters
 * compiled to a predicate and to equivalent SQL; and the lifecycle as a pure state machine over
 * signed events. See docs/agreements.md.
 */
export { AGREEMENT_FORMAT, DISPATCH_CHANNELS, allParties, partyKeyIds } from './agreementDocument';
export type {
  AgreementDocument,
  AgreementParties,
  ClientAuthentication,
  ConditionsElement,
  ContractLookup,
  DataElement,
  DeletionElement,
  DeletionMethod,
  DigestAlgorithm,
  Dispatch,
  DispatchChannel,
  EntityShare,
  ExchangeScope,
  FieldEncryptionAlgorithm,
  FieldEncryptionElement,
  MethodElement,
  Party,
  PartyKeys,
  PeriodElement,
  PlaceElement,
  ProcessingElement,
  Purpose,
  Retention,
  SecurityElement,
  SignatureAlgorithm,
  StorageElement,
  StorageEncryption,
  TransportProtection,
} from './agreementDocument';

export { parseAgreementDocument, validateAgreementDocument } from './parseAgreementDocument';
export { sealedFields, filterFieldNames, protectionChanges, FIELD_ENCRYPTION_ALGORITHM } from './protectedFields';
export type { ParseAgreementOptions, ParseAgreementResult } from './parseAgreementDocument';
export { parseAgreementText, loadAgreementFile, loadAgreementDirectory } from './loadAgreementFile';
export { AgreementValidationError, AgreementFileError } from './agreementValidationError';
export { formatIssue, formatPath } from './validationIssue';
export type { ValidationIssue, PathSegment } from './validationIssue';

export { FILTER_OPS, OPS_BY_KIND, MAX_FILTER_DEPTH, MAX_FILTER_NODES, MAX_IN_VALUES } from './rowFilter';
export type { RowFilter, FilterLiteral, FilterOp, CompareOp, MemberOp, NullOp } from './rowFilter';
export { checkFilter } from './checkFilter';
export type { CheckedFilter } from './checkFilter';
export { compileFilterPredicate } from './compileFilterPredicate';
export type { CanonicalRecord, CanonicalValue, RecordPredicate } from './compileFilterPredicate';
export { compileFilterSql, quoteIdent } from './compileFilterSql';
export type { CompiledSql, SqlParam, FilterSqlOptions } from './compileFilterSql';
export { compileEntityShare } from './compileEntityShare';
export type { CompiledEntityShare } from './compileEntityShare';
export { FilterInputError } from './filterInputError';
export { KeyBindingError, publicKeySha256, boundKeyHash, requireBoundKey, requireBoundKeys } from './keyBinding';
export { describeFilter } from './describeFilter';
export type { FilterLanguage } from './describeFilter';
export { catalogAgreementSource, loadCatalogAgreementSources, DEFAULT_AGREEMENT_DIR } from './catalogAgreementSource';
export { SQL_TYPE_BY_KIND } from './filterLiterals';

export { daysFromCivil, civilFromDays, parseIsoDate, formatIsoDate, parseIsoTimestampMicros, formatTimestampMicros, parseInstantMs } from './calendar';
export { parseIsoDuration, addIsoDuration } from './isoDuration';
export type { IsoDuration } from './isoDuration';
export { canonicalJson, sha256Hex } from './canonicalJson';

export { AgreementKeyError, publicKeyRing, signingKeyFromPem, generateSigningKey } from './agreementKeys';
export type { PartyPublicKey, PublicKeyLookup, SigningKey } from './agreementKeys';
export { agreementDocumentHash, signAgreementDocument, verifyAgreementDocumentSignature, signAgreementEvent, agreementEventHash } from './agreementSigning';
export { AGREEMENT_EVENT_KINDS, parseAgreementEvent } from './agreementEvent';
export type { AgreementEvent, AgreementEventKind, AgreementEventPayloads, DocumentSignature, UnsignedAgreementEvent, ParseEventResult } from './agreementEvent';
export { createAgreementEvent } from './createAgreementEvent';
export { applyEvent, replayAgreementEvents } from './applyEvent';
export type { ApplyResult, ApplyOptions } from './applyEvent';
export { EventRefusal } from './eventRefusal';
export type { RefusalCode } from './eventRefusal';
export type { AgreementState, AgreementStatus, AgreementVersionRecord, Refusal, Suspension, Termination, VersionStatus } from './agreementState';
export {
  governingRecord,
  versionInForce,
  versionRecordInForce,
  isInForce,
  statusAt,
  pendingVersion,
  latestConfirmedVersion,
  openSuspension,
  findVersion,
  refusalNotices,
  versionHistory,
} from './agreementQueries';
export type { Instant, RefusalNotice, VersionHistoryRow } from './agreementQueries';
export { scopeVersionAt, agreementEndAt, deletionDueAt, receivedRetention } from './agreementTimeline';
export type { AgreementEnd } from './agreementTimeline';
