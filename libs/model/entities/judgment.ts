import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { Instance } from '../codes';

/** Judgments and decisions (bản án, quyết định). */
@Entity({ name: 'judgment', schema: 'thahs' })
export class Judgment extends ThahsRow {
  @Column({ type: 'text' })
  judgment_no: string;

  @Column({ type: 'date' })
  judgment_date: string;

  @Column({ type: 'uuid' })
  court_id: string;

  @Column({ type: 'text' })
  instance: Instance;

  @Column({ type: 'date', nullable: true })
  effective_date: string | null;

  @Column({ type: 'boolean', default: false })
  immediately_enforceable: boolean;

  @Column({ type: 'numeric', precision: 18, scale: 0, nullable: true })
  court_fee_vnd: string | null;

  @Column({ type: 'numeric', precision: 18, scale: 0, nullable: true })
  civil_obligation_vnd: string | null;
}
