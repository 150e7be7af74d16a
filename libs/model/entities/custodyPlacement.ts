import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';

/** Where a person is held, period by period. */
@Entity({ name: 'custody_placement', schema: 'thahs' })
export class CustodyPlacement extends ThahsRow {
  @Column({ type: 'uuid' })
  case_id: string;

  @Column({ type: 'uuid' })
  facility_unit_id: string;

  @Column({ type: 'timestamptz' })
  from_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  to_at: Date | null;

  @Column({ type: 'text', nullable: true })
  detention_group: string | null;
}
