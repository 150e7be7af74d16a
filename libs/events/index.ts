export { comparePositions, formatLsn, parseLsn } from './sourcePosition';
export type { SourcePosition } from './sourcePosition';
export { H, eventId, encodeMeta, decodeMeta, parseMeta, encodeEnvelope, decodeEnvelope, parseEnvelope, headerText, headerBytes, HeaderError, META_PREFIX, META_SCHEMA_FILE, SIGNATURE_BYTES } from './eventHeaders';
export type { EventMeta, ReceivedMeta, Operation, Envelope } from './eventHeaders';
export { crc64Avro } from './avroFingerprint';
