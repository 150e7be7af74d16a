import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { DobPrecision, Sex } from '../codes';

/** Persons serving sentences (người chấp hành án). */
@Entity({ name: 'person', schema: 'thahs' })
export class Person extends ThahsRow {
  @Column({ type: 'char', length: 12, nullable: true })
  national_id: string | null;

  @Column({ type: 'text', nullable: true })
  passport_no: string | null;

  @Column({ type: 'text' })
  full_name: string;

  @Column({ type: 'text', nullable: true })
  other_names: string | null;

  @Column({ type: 'date' })
  date_of_birth: string;

  @Column({ type: 'text', default: 'DAY' })
  dob_precision: DobPrecision;

  @Column({ type: 'text' })
  sex: Sex;

  @Column({ type: 'text', nullable: true })
  place_of_birth: string | null;

  @Column({ type: 'text', nullable: true })
  hometown: string | null;

  @Column({ type: 'text', nullable: true })
  permanent_address: string | null;

  @Column({ type: 'text', nullable: true })
  temporary_address: string | null;

  @Column({ type: 'text', nullable: true })
  current_address: string | null;

  @Column({ type: 'text', nullable: true })
  residence_province_code: string | null;

  @Column({ type: 'text', nullable: true })
  residence_commune: string | null;

  @Column({ type: 'char', length: 2, default: 'VN' })
  nationality: string;

  @Column({ type: 'text', nullable: true })
  ethnicity: string | null;

  @Column({ type: 'text', nullable: true })
  religion: string | null;

  @Column({ type: 'text', nullable: true })
  occupation: string | null;

  @Column({ type: 'text', nullable: true })
  education_level: string | null;

  @Column({ type: 'text', nullable: true })
  father_name: string | null;

  @Column({ type: 'text', nullable: true })
  mother_name: string | null;

  @Column({ type: 'text', nullable: true })
  spouse_name: string | null;

  @Column({ type: 'boolean', default: false })
  is_military: boolean;

  @Column({ type: 'text', nullable: true })
  military_rank: string | null;

  @Column({ type: 'uuid', nullable: true })
  military_unit_id: string | null;

  @Column({ type: 'text', nullable: true })
  photo_ref: string | null;

  @Column({ type: 'text', nullable: true })
  fingerprint_card_ref: string | null;

  @Column({ type: 'jsonb', nullable: true })
  biometric_refs: Record<string, string> | null;

  @Column({ type: 'integer', nullable: true })
  prior_convictions: number | null;
}
