export { comparePositions, formatLsn, parseLsn } from './sourcePosition';
export type { SourcePosition } from './sourcePosition';
export { H, metaHeaders, eventId, parseMeta, signedHeaders, headerText, headerBytes, HeaderError } from './eventHeaders';
export type { EventMeta, Operation } from './eventHeaders';
