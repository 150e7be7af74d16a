export { comparePositions, formatLsn, parseLsn } from './sourcePosition';
export type { SourcePosition } from './sourcePosition';
export {
  H,
  eventId,
  encodeMeta,
  decodeMeta,
  parseMeta,
  encodeEnvelope,
  decodeEnvelope,
  parseEnvelope,
  describeMeta,
  headerText,
  headerBytes,
  HeaderError,
  META_PREFIX,
  META_SCHEMA_FILE,
  META_V1_SCHEMA_FILE,
  SIGNATURE_BYTES,
} from './eventHeaders';
export type { EventMeta, EventSequence, ReceivedMeta, Operation, Envelope, MetaSummary } from './eventHeaders';
export { crc64Avro } from './avroFingerprint';
export {
  WATERMARK_HEADER,
  WATERMARK_TAIL,
  MAX_WATERMARK_BYTES,
  WatermarkError,
  watermarkTopic,
  encodeWatermark,
  decodeWatermark,
  watermarkDigest,
  encodeWatermarkProof,
  decodeWatermarkProof,
} from './watermark';
export type { Watermark, WatermarkPartition } from './watermark';
