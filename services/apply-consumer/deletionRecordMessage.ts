import type { Message } from 'kafkajs';
import { canonicalJson } from '../../libs/agreements';
import type { DeletionRecord } from './deletionRecord';

/** Headers of a deletion record on its topic, for routing without parsing the value. */
export const DELETION_RECORD_HEADERS = {
  type: 'thahs.record-type',
  agreement: 'thahs.agreement',
  receiver: 'thahs.receiver',
  provider: 'thahs.provider',
} as const;

/**
 * A deletion record as the provider receives it: the canonical JSON of the signed record (what the
 * signature covers, so it verifies as received), keyed by the record id so that on a compacted topic
 * every record stays.
 */
export function deletionRecordMessage(record: DeletionRecord): Message {
  return {
    key: record.recordId,
    value: canonicalJson(record),
    headers: {
      [DELETION_RECORD_HEADERS.type]: 'deletion-record',
      [DELETION_RECORD_HEADERS.agreement]: record.agreementId,
      [DELETION_RECORD_HEADERS.receiver]: record.receiver,
      [DELETION_RECORD_HEADERS.provider]: record.provider,
    },
  };
}
