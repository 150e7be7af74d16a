import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { MonetaryObligationKind } from '../codes';

/** Fines, court fees, compensation, confiscation owed under a conviction. */
@Entity({ name: 'monetary_obligation', schema: 'thahs' })
export class MonetaryObligation extends ThahsRow {
  @Column({ type: 'uuid' })
  conviction_id: string;

  @Column({ type: 'text' })
  kind: MonetaryObligationKind;

  @Column({ type: 'numeric', precision: 18, scale: 0 })
  amount_vnd: string;

  @Column({ type: 'numeric', precision: 18, scale: 0, default: 0 })
  paid_vnd: string;

  @Column({ type: 'date', nullable: true })
  settled_date: string | null;
}
