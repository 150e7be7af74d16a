/**
 * The access audit (Art. 5.4): reads of partner data by any database client, found in pgaudit's
 * entries of the server's csvlog and appended to the partner store's access log beside the reads the
 * project's own tools record.
 */
export { AccessAuditCollector, ACCESS_AUDIT_LOCK } from './accessAuditCollector';
export type { AccessAuditCollectorOptions, CollectionSummary, CollectorConnection, CollectorDatabase } from './accessAuditCollector';
export { checkAuditReadiness } from './auditReadiness';
export type { AuditReadiness } from './auditReadiness';
export { completeCsvRecords, parseCsvLine } from './csvRecords';
export type { CsvChunk } from './csvRecords';
export { parseAuditMessage, splitQualifiedName } from './auditMessage';
export type { AuditMessage } from './auditMessage';
export { serverLogRecord, CSVLOG_COLUMNS } from './serverLogRecord';
export type { ServerLogRecord } from './serverLogRecord';
export { classifyLogRecord, clientAddress, UNDECLARED_READ_PURPOSE } from './partnerRead';
export type { LogRecordClass, PartnerRead, ReadFilter } from './partnerRead';
export { parseOwnSessions, isOwnSession, formatOwnSessions } from './ownSessions';
export type { OwnSession } from './ownSessions';
export { isPartnerSchema } from './partnerRelation';
