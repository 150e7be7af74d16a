/**
 * The consumer's answer to a usage-report request (Art. 14.1(b)): how the received data was used in a
 * period, built from the consumer's access log, plus what its partner store holds. Every figure says
 * where it came from; when a source does not exist the answer says so instead of reporting zero.
 */
export interface UsageCount {
  /** Purpose code of the agreement (conditions.purposes[].code), or the entity name. */
  name: string;
  count: number;
}

export interface AccessLogFigures {
  /** Qualified table the figures were read from, e.g. partner_state.access_log. */
  source: string;
  available: boolean;
  /** Why figures are missing or partial; empty when complete. */
  note: string;
  /** Accesses in the period under this agreement; null when the log is unavailable. */
  total: number | null;
  byPurpose: UsageCount[];
  byEntity: UsageCount[];
}

export interface PartnerStoreFigures {
  /** database.schema named by the agreement (Art. 12(2)). */
  store: string;
  entities: { entity: string; rows: number | null; note: string }[];
}

export interface UsageReport {
  periodFrom: string;
  periodTo: string;
  generatedAt: string;
  accessLog: AccessLogFigures;
  partnerStore: PartnerStoreFigures;
}
