import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';

/** Enforcement against a commercial legal person. */
@Entity({ name: 'legal_person_enforcement', schema: 'thahs' })
export class LegalPersonEnforcement extends ThahsRow {
  @Column({ type: 'uuid' })
  case_id: string;

  @Column({ type: 'numeric', precision: 18, scale: 0, nullable: true })
  fine_vnd: string | null;

  @Column({ type: 'numeric', precision: 18, scale: 0, nullable: true })
  paid_vnd: string | null;

  @Column({ type: 'date', nullable: true })
  suspension_from: string | null;

  @Column({ type: 'date', nullable: true })
  suspension_to: string | null;

  @Column({ type: 'boolean', default: false })
  permanent_shutdown: boolean;

  @Column({ type: 'text', nullable: true })
  banned_fields: string | null;

  @Column({ type: 'date', nullable: true })
  capital_raising_ban_until: string | null;
}
