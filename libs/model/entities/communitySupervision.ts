import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { SupervisingKind } from '../codes';

/** Community enforcement and its supervision (thi hành án tại cộng đồng). */
@Entity({ name: 'community_supervision', schema: 'thahs' })
export class CommunitySupervision extends ThahsRow {
  @Column({ type: 'uuid' })
  case_id: string;

  @Column({ type: 'uuid', nullable: true })
  penalty_id: string | null;

  @Column({ type: 'text' })
  supervising_kind: SupervisingKind;

  @Column({ type: 'uuid' })
  supervising_unit_id: string;

  @Column({ type: 'text' })
  commune: string;

  @Column({ type: 'date' })
  start_date: string;

  @Column({ type: 'date', nullable: true })
  end_date: string | null;

  @Column({ type: 'integer', nullable: true })
  income_deduction_pct: number | null;

  @Column({ type: 'integer', default: 0 })
  violation_count: number;

  @Column({ type: 'integer', nullable: true })
  shortened_months: number | null;
}
