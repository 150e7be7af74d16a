import type { EventType, MinistryCode } from '../model/codes';
import type { EventDetailsByType } from '../model/eventDetails';
import type { ExchangedTable } from '../model/exchangedTables';
import { tsStr, type Instant } from './calendar';
import type { Prng } from './prng';
import type { UnitRef } from './referenceData';
import type { RowSink, TableRow } from './tableRow';

/** The columns every table shares, filled the way a row entered on `created` would be. */
export interface BaseColumns {
  id: string;
  ministry: MinistryCode;
  reporting_unit_id: string | null;
  created_at: string;
  updated_at: string;
  row_version: number;
}

/** A table's own columns; the base columns come from `RowFactory.base`. */
export type RowFields<T extends ExchangedTable> = Omit<TableRow<T>, keyof BaseColumns> & { id?: string };

type DetailsOf<T extends EventType> = T extends keyof EventDetailsByType ? EventDetailsByType[T] : Record<string, never>;

export interface EventInput<T extends EventType> {
  type: T;
  at: Instant;
  reporting: UnitRef | null;
  details: DetailsOf<T>;
  decisionNo?: string | null;
  decisionDate?: string | null;
  decisionAuthority?: string | null;
  fromUnit?: UnitRef | null;
  toUnit?: UnitRef | null;
  note?: string | null;
}

/**
 * Builds rows for one generated subtree and hands them to the sink. Ids come from the subtree's own
 * random stream; "entered" instants are clamped to the generation horizon so nothing is recorded in
 * the future.
 */
export class RowFactory {
  constructor(
    readonly ministry: MinistryCode,
    readonly rng: Prng,
    readonly sink: RowSink,
    /** Latest instant a row may carry (the simulation's "now"). */
    readonly horizon: Instant,
    /** Id source: ordered ids for bulk loads, random v4 ids otherwise. */
    readonly newId: () => string = () => rng.uuid(),
  ) {}

  /** Base columns for a row first entered at `created` and last changed at `updated`. */
  base(reporting: UnitRef | null, created: Instant, updated: Instant = created, version = 1): BaseColumns {
    const c = Math.min(created, this.horizon);
    const u = Math.max(c, Math.min(updated, this.horizon));
    return {
      id: this.newId(),
      ministry: this.ministry,
      reporting_unit_id: reporting?.id ?? null,
      created_at: tsStr(c),
      updated_at: u === c ? tsStr(c) : tsStr(u),
      row_version: u === c ? 1 : Math.max(2, version),
    };
  }

  /** Data entry lags the fact by a few hours to two days. */
  entered(fact: Instant): Instant {
    return Math.min(fact + (2 + this.rng.int(46)) * 3_600_000, this.horizon);
  }

  add<T extends ExchangedTable>(table: T, row: TableRow<T>): TableRow<T> {
    this.sink.add(table, row);
    return row;
  }

  /**
   * Adds a row made of `base` and the table's own `fields` (an `id` in `fields` wins). Copies the
   * base columns onto `fields` rather than spreading: V8 builds `{...base, <many fields>}` through a
   * slow path, and the generator creates tens of millions of rows.
   */
  row<T extends ExchangedTable>(table: T, base: BaseColumns, fields: RowFields<T>): TableRow<T> {
    const r = fields as RowFields<T> & Partial<BaseColumns>;
    if (r.id === undefined) r.id = base.id;
    r.ministry = base.ministry;
    r.reporting_unit_id = base.reporting_unit_id;
    r.created_at = base.created_at;
    r.updated_at = base.updated_at;
    r.row_version = base.row_version;
    const row = r as unknown as TableRow<T>;
    this.sink.add(table, row);
    return row;
  }

  event<T extends EventType>(caseId: string, e: EventInput<T>): TableRow<'enforcement_event'> {
    const entered = tsStr(this.entered(e.at));
    return this.add('enforcement_event', {
      id: this.newId(),
      ministry: this.ministry,
      reporting_unit_id: e.reporting?.id ?? null,
      created_at: entered,
      updated_at: entered,
      row_version: 1,
      case_id: caseId,
      event_type: e.type,
      event_at: tsStr(e.at),
      decision_no: e.decisionNo ?? null,
      decision_date: e.decisionDate ?? null,
      decision_authority: e.decisionAuthority ?? null,
      from_unit_id: e.fromUnit?.id ?? null,
      to_unit_id: e.toUnit?.id ?? null,
      note: e.note ?? null,
      details: e.details,
    });
  }
}
