import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { LegalPersonStatus } from '../codes';

/** Commercial legal persons (pháp nhân thương mại). */
@Entity({ name: 'legal_person', schema: 'thahs' })
export class LegalPerson extends ThahsRow {
  @Column({ type: 'text' })
  enterprise_code: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  head_office_address: string;

  @Column({ type: 'text' })
  province_code: string;

  @Column({ type: 'text' })
  legal_rep_name: string;

  @Column({ type: 'char', length: 12, nullable: true })
  legal_rep_national_id: string | null;

  @Column({ type: 'text', nullable: true })
  legal_rep_title: string | null;

  @Column({ type: 'text', nullable: true })
  state_mgmt_agency: string | null;

  @Column({ type: 'text' })
  status: LegalPersonStatus;

  @Column({ type: 'uuid', nullable: true })
  successor_legal_person_id: string | null;
}
