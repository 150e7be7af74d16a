import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { EventType } from '../codes';
import type { EventDetails } from '../eventDetails';

/** Enforcement events; type-specific fields in details. */
@Entity({ name: 'enforcement_event', schema: 'thahs' })
export class EnforcementEvent extends ThahsRow {
  @Column({ type: 'uuid' })
  case_id: string;

  @Column({ type: 'text' })
  event_type: EventType;

  @Column({ type: 'timestamptz' })
  event_at: Date;

  @Column({ type: 'text', nullable: true })
  decision_no: string | null;

  @Column({ type: 'date', nullable: true })
  decision_date: string | null;

  @Column({ type: 'text', nullable: true })
  decision_authority: string | null;

  @Column({ type: 'uuid', nullable: true })
  from_unit_id: string | null;

  @Column({ type: 'uuid', nullable: true })
  to_unit_id: string | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  details: EventDetails;
}
