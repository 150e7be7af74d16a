import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { CourtKind, MilitaryRegion } from '../codes';

/** Courts (tòa án), civil and military. */
@Entity({ name: 'court', schema: 'thahs' })
export class Court extends ThahsRow {
  @Column({ type: 'text' })
  court_code: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  court_kind: CourtKind;

  @Column({ type: 'text', nullable: true })
  province_code: string | null;

  @Column({ type: 'text', nullable: true })
  military_region: MilitaryRegion | null;

  @Column({ type: 'date', nullable: true })
  valid_to: string | null;
}
