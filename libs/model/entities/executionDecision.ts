import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';
import type { ExecutionDecisionKind } from '../codes';

/** Execution decisions (quyết định thi hành án). */
@Entity({ name: 'execution_decision', schema: 'thahs' })
export class ExecutionDecision extends ThahsRow {
  @Column({ type: 'text' })
  decision_no: string;

  @Column({ type: 'date' })
  decision_date: string;

  @Column({ type: 'uuid' })
  court_id: string;

  @Column({ type: 'text' })
  issuer_name: string;

  @Column({ type: 'text' })
  issuer_title: string;

  @Column({ type: 'uuid' })
  conviction_id: string;

  @Column({ type: 'uuid' })
  executing_unit_id: string;

  @Column({ type: 'date', nullable: true })
  report_deadline: string | null;

  @Column({ type: 'text' })
  kind: ExecutionDecisionKind;
}
