import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { CaseStatus, JudicialMeasureKind } from '../codes';

/** Judicial measures (biện pháp tư pháp). */
@Entity({ name: 'judicial_measure', schema: 'thahs' })
export class JudicialMeasure extends ThahsRow {
  @Column({ type: 'uuid' })
  conviction_id: string;

  @Column({ type: 'text' })
  measure_kind: JudicialMeasureKind;

  @Column({ type: 'numeric', precision: 18, scale: 0, nullable: true })
  amount_vnd: string | null;

  @Column({ type: 'uuid', nullable: true })
  facility_unit_id: string | null;

  @Column({ type: 'integer', nullable: true })
  term_months: number | null;

  @Column({ type: 'text' })
  status: CaseStatus;
}
