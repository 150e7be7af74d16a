import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { CaseStatus, CaseType, ClosureReason } from '../codes';

/** Enforcement dossiers (hồ sơ thi hành án). */
@Entity({ name: 'enforcement_case', schema: 'thahs' })
export class EnforcementCase extends ThahsRow {
  @Column({ type: 'text' })
  case_no: string;

  @Column({ type: 'uuid', nullable: true })
  subject_person_id: string | null;

  @Column({ type: 'uuid', nullable: true })
  subject_legal_person_id: string | null;

  @Column({ type: 'uuid' })
  execution_decision_id: string;

  @Column({ type: 'uuid' })
  managing_unit_id: string;

  @Column({ type: 'text' })
  case_type: CaseType;

  @Column({ type: 'text' })
  status: CaseStatus;

  @Column({ type: 'timestamptz' })
  opened_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  closed_at: Date | null;

  @Column({ type: 'text', nullable: true })
  closure_reason: ClosureReason | null;

  @Column({ type: 'text', nullable: true })
  completion_certificate_no: string | null;
}
