export { ThahsRow } from './thahsRow';
export { OrgUnit } from './orgUnit';
export { Court } from './court';
export { Person } from './person';
export { LegalPerson } from './legalPerson';
export { Judgment } from './judgment';
export { Conviction } from './conviction';
export { ConvictionOffence } from './convictionOffence';
export { ExecutionDecision } from './executionDecision';
export { Penalty } from './penalty';
export { JudicialMeasure } from './judicialMeasure';
export { MonetaryObligation } from './monetaryObligation';
export { EnforcementCase } from './enforcementCase';
export { CustodyPlacement } from './custodyPlacement';
export { EnforcementEvent } from './enforcementEvent';
export { CommunitySupervision } from './communitySupervision';
export { LegalPersonEnforcement } from './legalPersonEnforcement';

import { OrgUnit } from './orgUnit';
import { Court } from './court';
import { Person } from './person';
import { LegalPerson } from './legalPerson';
import { Judgment } from './judgment';
import { Conviction } from './conviction';
import { ConvictionOffence } from './convictionOffence';
import { ExecutionDecision } from './executionDecision';
import { Penalty } from './penalty';
import { JudicialMeasure } from './judicialMeasure';
import { MonetaryObligation } from './monetaryObligation';
import { EnforcementCase } from './enforcementCase';
import { CustodyPlacement } from './custodyPlacement';
import { EnforcementEvent } from './enforcementEvent';
import { CommunitySupervision } from './communitySupervision';
import { LegalPersonEnforcement } from './legalPersonEnforcement';

/** Every entity of the own model, parents before children. */
export const ALL_ENTITIES = [
  OrgUnit,
  Court,
  Person,
  LegalPerson,
  Judgment,
  Conviction,
  ConvictionOffence,
  ExecutionDecision,
  Penalty,
  JudicialMeasure,
  MonetaryObligation,
  EnforcementCase,
  CustodyPlacement,
  EnforcementEvent,
  CommunitySupervision,
  LegalPersonEnforcement,
] as const;

/** The entity class stored in each exchanged table. */
export interface EntityByTable {
  org_unit: OrgUnit;
  court: Court;
  person: Person;
  legal_person: LegalPerson;
  judgment: Judgment;
  conviction: Conviction;
  conviction_offence: ConvictionOffence;
  execution_decision: ExecutionDecision;
  penalty: Penalty;
  judicial_measure: JudicialMeasure;
  monetary_obligation: MonetaryObligation;
  enforcement_case: EnforcementCase;
  custody_placement: CustodyPlacement;
  enforcement_event: EnforcementEvent;
  community_supervision: CommunitySupervision;
  legal_person_enforcement: LegalPersonEnforcement;
}
