import { Column, PrimaryGeneratedColumn } from 'typeorm';
import type { MinistryCode } from '../codes';

/**
 * Columns every THAHS table carries (DOMAIN.md §2): the opaque key that is also the Kafka key, the
 * owning ministry, the reporting unit (draft circular Art. 18) and the change bookkeeping the
 * touch trigger maintains.
 */
export abstract class ThahsRow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  ministry: MinistryCode;

  @Column({ type: 'uuid', nullable: true })
  reporting_unit_id: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updated_at: Date;

  @Column({ type: 'integer', default: 1 })
  row_version: number;
}
