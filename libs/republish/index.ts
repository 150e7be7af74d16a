export { ensureRepublishSchema, MAX_REPUBLISH_KEYS, REPUBLISH_DDL, republishStatus, requestRepublish } from './republishRequests';
export type { RepublishRequest, RepublishStatus } from './republishRequests';
