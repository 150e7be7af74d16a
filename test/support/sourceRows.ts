import { randomUUID } from 'crypto';
import type { ClientBase } from 'pg';
import type { Ministry } from '../../libs/contracts/contractTypes';

/**
 * Inserts valid rows of one ministry's own model (schema thahs) for integration tests, parents first,
 * and remembers the id of every row it created by table, so a test can tell the ministry's own rows
 * from anything else that appears in its database.
 */
export class SourceRows {
  readonly created = new Map<string, Set<string>>();
  private readonly code: 'CAND' | 'QDND';
  private n = 0;

  constructor(
    private readonly db: ClientBase,
    ministry: Ministry,
  ) {
    this.code = ministry === 'cand' ? 'CAND' : 'QDND';
  }

  /** Every id this helper created, whatever the table. */
  allIds(): Set<string> {
    const out = new Set<string>();
    for (const ids of this.created.values()) for (const id of ids) out.add(id);
    return out;
  }

  private async insert(table: string, values: Record<string, unknown>): Promise<string> {
    const cols = Object.keys(values);
    const r = await this.db.query<{ id: string }>(
      `INSERT INTO thahs."${table}" (ministry, ${cols.map((c) => `"${c}"`).join(', ')}) VALUES ($1, ${cols.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING id::text`,
      [this.code, ...cols.map((c) => values[c])],
    );
    const id = r.rows[0].id;
    const ids = this.created.get(table) ?? new Set<string>();
    ids.add(id);
    this.created.set(table, ids);
    return id;
  }

  private tag(): string {
    this.n++;
    return `${this.n}-${randomUUID().slice(0, 6)}`;
  }

  unit(kind = this.code === 'CAND' ? 'TRAI_GIAM' : 'DON_VI_QUAN_DOI'): Promise<string> {
    return this.insert('org_unit', { unit_code: `U-${this.tag()}`, name: `Đơn vị ${this.n}`, unit_kind: kind, valid_from: '2015-01-01' });
  }

  court(): Promise<string> {
    return this.insert('court', { court_code: `TA-${this.tag()}`, name: `Tòa án ${this.n}`, court_kind: this.code === 'CAND' ? 'TAND_TINH' : 'TAQS_QUAN_KHU' });
  }

  person(o: { military: boolean; name?: string }): Promise<string> {
    return this.insert('person', {
      full_name: o.name ?? `Người ${this.tag()}`,
      date_of_birth: '1991-07-12',
      sex: 'M',
      is_military: o.military,
      military_rank: o.military ? 'Trung sĩ' : null,
    });
  }

  judgment(o: { courtId: string; date: string }): Promise<string> {
    return this.insert('judgment', { judgment_no: `${this.tag()}/HS-ST`, judgment_date: o.date, court_id: o.courtId, instance: 'SO_THAM', effective_date: o.date });
  }

  conviction(o: { judgmentId: string; personId: string }): Promise<string> {
    return this.insert('conviction', { judgment_id: o.judgmentId, person_id: o.personId, aggregate_term_months: 36 });
  }

  executionDecision(o: { courtId: string; convictionId: string; unitId: string }): Promise<string> {
    return this.insert('execution_decision', {
      decision_no: `${this.tag()}/QĐ-CA`,
      decision_date: '2021-03-01',
      court_id: o.courtId,
      issuer_name: 'Chánh án',
      issuer_title: 'Chánh án',
      conviction_id: o.convictionId,
      executing_unit_id: o.unitId,
      kind: 'IMPRISONMENT',
    });
  }

  enforcementCase(o: { personId: string; decisionId: string; unitId: string; caseType: string; status: string; openedAt: string; closedAt: string | null }): Promise<string> {
    return this.insert('enforcement_case', {
      case_no: `HS-${this.tag()}`,
      subject_person_id: o.personId,
      execution_decision_id: o.decisionId,
      managing_unit_id: o.unitId,
      case_type: o.caseType,
      status: o.status,
      opened_at: o.openedAt,
      closed_at: o.closedAt,
    });
  }

  enforcementEvent(o: { caseId: string; type: string; at: string }): Promise<string> {
    return this.insert('enforcement_event', { case_id: o.caseId, event_type: o.type, event_at: o.at });
  }
}
