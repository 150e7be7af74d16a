import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { PenaltyKind, SupervisingKind } from '../codes';

/** Penalties (hình phạt), main and additional. */
@Entity({ name: 'penalty', schema: 'thahs' })
export class Penalty extends ThahsRow {
  @Column({ type: 'uuid' })
  conviction_id: string;

  @Column({ type: 'text' })
  penalty_kind: PenaltyKind;

  @Column({ type: 'boolean' })
  is_main: boolean;

  @Column({ type: 'integer', nullable: true })
  term_years: number | null;

  @Column({ type: 'integer', nullable: true })
  term_months: number | null;

  @Column({ type: 'integer', nullable: true })
  term_days: number | null;

  @Column({ type: 'boolean', default: false })
  is_life: boolean;

  @Column({ type: 'numeric', precision: 18, scale: 0, nullable: true })
  amount_vnd: string | null;

  @Column({ type: 'boolean', default: false })
  suspended: boolean;

  @Column({ type: 'integer', nullable: true })
  probation_months: number | null;

  @Column({ type: 'text', nullable: true })
  supervising_kind: SupervisingKind | null;

  @Column({ type: 'uuid', nullable: true })
  supervising_unit_id: string | null;

  @Column({ type: 'text', nullable: true })
  scope: string | null;

  @Column({ type: 'date', nullable: true })
  start_date: string | null;

  @Column({ type: 'date', nullable: true })
  expected_end_date: string | null;
}
