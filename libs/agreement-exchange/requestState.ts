import type { RequestEvent, RequestPayloads } from './requestEvent';
import type { UsageReport } from './usageReport';

export type RequestType = 'data_error' | 'usage_report';

/**
 * data_error:   reported → acknowledged → resolved, or refused (from reported or acknowledged)
 * usage_report: requested → answered, or refused
 */
export type RequestStatus = 'reported' | 'acknowledged' | 'resolved' | 'requested' | 'answered' | 'refused';

export const OPEN_REQUEST_STATUSES: readonly RequestStatus[] = ['reported', 'acknowledged', 'requested'];

export interface RequestStep {
  by: string;
  at: string;
}

/** What the signed events of one request add up to; built only by applyRequestEvent. */
export interface RequestState {
  requestId: string;
  type: RequestType;
  agreementId: string;
  /** The body that opened the request. */
  requester: string;
  /** The body that must answer it: the provider for an error report, the consumer asked for a usage report. */
  recipient: string;
  status: RequestStatus;
  openedAt: string;
  /** The opening payload: what is reported or asked. */
  subject: RequestPayloads['error_report'] | RequestPayloads['usage_request'];
  acknowledgement?: RequestStep & { note: string };
  resolution?: RequestStep & { resolution: string };
  answer?: RequestStep & { report: UsageReport };
  /** Art. 14.1(a): the reason reaches the requester through both databases. */
  refusal?: RequestStep & { reason: string };
  events: readonly RequestEvent[];
  lastEventHash: string;
  lastEventAt: string;
}
