import type { ClosureReason, CoerciveMeasure, ConductRating, DeathCause, EventType, RatingPeriod } from './codes';

/**
 * Type-specific fields of an enforcement event (DOMAIN.md §2, event table), stored in
 * enforcement_event.details and published as the JSON string the contract documents under
 * `x-json-keys`. Timestamps are ISO-8601 strings with offset, dates `YYYY-MM-DD`, amounts digit
 * strings (VND); every key is optional because paper dossiers are often incomplete.
 */
interface CustodyMovement {
  reason?: string;
}
interface Wanted {
  detected_at?: string;
  wanted_decision_no?: string;
}
interface Interruption {
  from_date?: string;
  to_date?: string;
  reason?: string;
  supervising_unit_id?: string;
}
interface ParoleDecision {
  court_decision_no?: string;
  probation_until?: string;
  supervising_unit_id?: string;
}

export interface EventDetailsByType {
  ADMISSION: { received_from_unit_id?: string; documents_complete?: boolean };
  TRANSFER: CustodyMovement;
  EXTRACTION_OUT: CustodyMovement & { expected_return_at?: string };
  EXTRACTION_RETURN: CustodyMovement;
  ESCAPE: Wanted;
  RECAPTURE: Wanted;
  SURRENDER: Wanted;
  DEATH: {
    death_at?: string;
    place?: string;
    cause?: DeathCause;
    investigating_body_notified?: boolean;
    death_registered_commune?: string;
  };
  CONDUCT_RATING: { period?: RatingPeriod; rating?: ConductRating };
  SENTENCE_REDUCTION: { reduced_months?: number; life_to_term_years?: number };
  POSTPONEMENT: Interruption;
  SUSPENSION: Interruption;
  PAROLE: ParoleDecision;
  PROBATION_SHORTENED: ParoleDecision;
  PAROLE_REVOKED: Omit<ParoleDecision, 'probation_until'>;
  AMNESTY: { president_decision_no?: string; round_date?: string; certificate_no?: string };
  RELEASE: { reason?: ClosureReason; destination_residence?: string; notice_sent_at?: string };
  DEATH_SENTENCE_COUNCIL: { council_formed_at?: string };
  DEATH_SENTENCE_POSTPONED: { reason?: string };
  DEATH_SENTENCE_COMMUTED: { commutation_decision_no?: string };
  DEATH_SENTENCE_EXECUTED: { executed_at?: string };
  COERCIVE_MEASURE: { measure?: CoerciveMeasure; amount_vnd?: string };
  RESIDENCE_CHANGE: { from_commune?: string; to_commune?: string };
}

/** Event types whose details are always `{}`. */
export type EventTypeWithoutDetails = Exclude<EventType, keyof EventDetailsByType>;

export type EventDetails = EventDetailsByType[keyof EventDetailsByType] | Record<string, never>;
