import type { AgreementDocument } from './agreementDocument';
import type { AgreementEvent, DocumentSignature } from './agreementEvent';

/**
 * What the signed lifecycle events of one agreement add up to: every version with its status and
 * signatures, suspensions, termination, and the events themselves (the full, queryable history that
 * Art. 13 asks to keep). Built only by applyEvent; never mutated.
 */
export type VersionStatus = 'draft' | 'proposed' | 'confirmed' | 'refused' | 'withdrawn';

/** A refusal (Art. 14.1(a)) with the reason and the body it must reach. */
export interface Refusal {
  by: string;
  reason: string;
  at: string;
  /** The body that proposed the version or asked to join. */
  requester: string;
}

export interface AgreementVersionRecord {
  version: number;
  /** 'join' for a version created by a request to join (Art. 10.4), signed by the joiner and the provider. */
  origin: 'draft' | 'join';
  document: AgreementDocument;
  documentHash: string;
  status: VersionStatus;
  draftedBy: string;
  draftedAt: string;
  proposedBy?: string;
  proposedAt?: string;
  /** Parties whose signature makes the version confirmed. */
  requiredSigners: readonly string[];
  signatures: readonly DocumentSignature[];
  confirmedAt?: string;
  refusal?: Refusal;
  withdrawal?: { by: string; reason: string; at: string };
}

export interface Suspension {
  by: string;
  reason: string;
  from: string;
  /** Absent while the suspension lasts. */
  to?: string;
  resumedBy?: string;
  resumeReason?: string;
}

export interface Termination {
  by: string;
  reason: string;
  at: string;
}

export interface AgreementState {
  agreementId: string;
  /** Party id of the provider; fixed for the life of the agreement. */
  provider: string;
  /** Ascending by version number. */
  versions: readonly AgreementVersionRecord[];
  suspensions: readonly Suspension[];
  termination?: Termination;
  events: readonly AgreementEvent[];
  lastEventHash: string;
  lastEventAt: string;
}

/** Status of the agreement as a whole at a given instant. */
export type AgreementStatus =
  | 'draft'
  | 'proposed'
  | 'refused'
  | 'withdrawn'
  /** Signed by every party, valid-from not reached yet. */
  | 'confirmed'
  | 'active'
  | 'suspended'
  | 'expired'
  | 'terminated';
