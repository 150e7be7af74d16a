/**
 * The partner store (Art. 3.2): received data in its own `partner_<provider>` schema of the receiver's
 * database, never in the receiver's own `thahs` schema; the append-only update and access logs
 * (Art. 5.4) and the dead letters in `partner_state`. Writes are set-based and position-checked so a
 * replayed or redelivered event never moves a row backwards.
 */
export { PartnerStore } from './partnerStore';
export { APPLY_SESSION_OPTIONS, withApplySessionOptions } from './applySession';
export type { PartnerStoreOptions } from './partnerStore';
export type { DeadLetterRecord, StoreBatch, StoreChange, StoreIdentity, StoreResult, StoreValue, StoredHeaderValue } from './storeTypes';
export { PartnerStoreError } from './partnerStoreError';
export { checkPartnerSchema, quoteIdent, STATE_SCHEMA, TOMBSTONE_TABLE } from './sqlNames';
export { upsertStatement, deleteStatement, changeParams } from './applySql';
export type { PreparedStatement } from './applySql';
export { DEAD_LETTER_INSERT, deadLetterParams } from './deadLetterSql';
export { ensureStateSchema, STATE_SCHEMA_DDL } from './stateSchema';
export { SourceEpochs, SOURCE_EPOCH_DDL } from './sourceEpochs';
export type { EpochAdmission } from './sourceEpochs';
export { forgetPartitionSequences, loadPartitionSequences, PARTITION_SEQUENCE_DDL, PARTITION_SEQUENCE_UPSERT, partitionSequenceParams } from './partitionSequence';
export type { PartitionSequenceState } from './partitionSequence';
export type { Queryable } from './stateSchema';
export { partnerSchemaDdl, entityTableDdl, tableFields, METADATA_COLUMNS } from './partnerTables';
export { columnType } from './columnKinds';
export { recordAccess } from './accessLog';
export { PartnerPurger } from './purgeExecutor';
export type { PurgeContext, DeletionRecordRow, DeletionReasonCode } from './purgeExecutor';
export { FIRST_CONDITION_PARAM, retentionOverCondition, purgeRowsSql, clearFieldsSql, dropColumnsSql } from './purgeSql';
export type { RowCondition, PurgeCount } from './purgeSql';
export { PURGE_SCHEMA_DDL, PURGE_ACTIONS, UPDATE_LOG_ACTIONS, DELETION_REASONS } from './purgeSchema';
export type { PurgeAction } from './purgeSchema';
