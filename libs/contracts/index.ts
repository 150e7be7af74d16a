export * from './contractTypes';
export { ContractError, UnknownEntityError, CatalogStaleError } from './contractError';
export { loadContracts, DEFAULT_SCHEMA_DIR } from './contractLoader';
export { ContractRegistry } from './contractRegistry';
export { contractFromSchemas, splitDoc } from './contractConventions';
export { createAvroType, AVRO_LOGICAL_TYPES, AVRO_FOR_SCHEMA_OPTIONS } from './avroType';
export { DecimalType } from './decimalLogicalType';
export { UuidType } from './uuidLogicalType';
export { fieldKindOf, describeFieldType, FieldTypeError } from './fieldKind';
export type { FieldTypeInfo, NamedEnums } from './fieldKind';
export { checkBackwardCompatible } from './compatibility';
export type { CompatibilityIssue } from './compatibility';
export { runCompatibilityGate, formatGateIssues } from './compatibilityGate';
export type { GateResult } from './compatibilityGate';
export { SchemaHistory, GitHistoryError } from './schemaHistory';
export { buildCatalog, servicesByAgreement, PROVIDER_NAMES_VI, SENSITIVITY_TIERS } from './catalogModel';
export type { CatalogDocument, CatalogEntity, CatalogField, CatalogService, CatalogMinistry, CatalogCode, CatalogJsonKey, CatalogTier } from './catalogModel';
export { catalogAgreements, agreementAnchor, CatalogAgreementError } from './catalogAgreement';
export type {
  CatalogAgreement,
  CatalogAgreementEntity,
  CatalogAgreementParty,
  CatalogAgreementPartyView,
  CatalogAgreementShareSource,
  CatalogAgreementSource,
  CatalogDeletion,
  CatalogPurpose,
  CatalogRetention,
  CatalogSharedField,
} from './catalogAgreement';
export { schemaFingerprint } from './catalogFingerprint';
export { renderCatalogMarkdown } from './catalogMarkdown';
export { renderCatalogHtml } from './catalogHtml';
export { renderCatalogFiles, writeCatalogFiles, staleCatalogFiles, assertCatalogCurrent, CATALOG_FILE_NAMES, DEFAULT_CATALOG_DIR } from './catalogFiles';
export type { CatalogFileName, CatalogFiles } from './catalogFiles';
export { projectContract, projectValueSchema, projectionFields, checkProjectedSchema } from './projectedContract';
export type { ProjectedContract } from './projectedContract';
export { protectFields, protectedFieldNames, unprotectableReason, PROTECTED_ATTRIBUTE } from './protectedFields';
export { canonicalSchemaText } from './canonicalSchema';
export { agreementTopic, parseAgreementTopic, agreementSubject, dlqTopic, applyGroupId, DEFAULT_TOPIC_PREFIX } from './agreementTopics';
export type { AgreementTopicName } from './agreementTopics';
