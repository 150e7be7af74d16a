import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { MilitaryRegion, UnitKind } from '../codes';

/** Agencies, facilities and supervising bodies (đơn vị). */
@Entity({ name: 'org_unit', schema: 'thahs' })
export class OrgUnit extends ThahsRow {
  @Column({ type: 'text' })
  unit_code: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  unit_kind: UnitKind;

  @Column({ type: 'uuid', nullable: true })
  parent_unit_id: string | null;

  @Column({ type: 'text', nullable: true })
  province_code: string | null;

  @Column({ type: 'text', nullable: true })
  military_region: MilitaryRegion | null;

  @Column({ type: 'date' })
  valid_from: string;

  @Column({ type: 'date', nullable: true })
  valid_to: string | null;
}
