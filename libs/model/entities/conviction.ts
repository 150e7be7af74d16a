import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';

/** One convicted subject in a judgment. */
@Entity({ name: 'conviction', schema: 'thahs' })
export class Conviction extends ThahsRow {
  @Column({ type: 'uuid' })
  judgment_id: string;

  @Column({ type: 'uuid', nullable: true })
  person_id: string | null;

  @Column({ type: 'uuid', nullable: true })
  legal_person_id: string | null;

  @Column({ type: 'integer', nullable: true })
  aggregate_term_months: number | null;
}
