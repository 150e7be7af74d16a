import type { ClientBase } from 'pg';
import type { Prng } from './prng';

/**
 * The natural keys already taken in a database, so generated rows never collide with existing ones:
 * national ID numbers, enterprise codes, and the running numbers of judgments, execution decisions
 * and case files (numbered per court or unit and year, as registries number them). Loaded once from
 * the database when a run starts; afterwards the run is the only one handing out numbers. A
 * concurrent writer can still take a key first: the database's unique constraints catch that.
 *
 * Lanes: parallel generators each get a lane of the same key space, and a lane only ever hands out
 * keys congruent to its number modulo the lane count (the last digits of ID serials, enterprise
 * codes and running numbers), so lanes never collide without talking to each other.
 *
 * Slots: generator runs that share a database without sharing a process (two `thahs workload`
 * runs, the demo workload of `npm start` beside one) each hold a slot (generatorSlot.ts) and hand out
 * only keys congruent to it modulo the slot count, so a run that loaded the key space before another
 * run's rows were written never hands out their keys. Lanes subdivide a slot: a key's residue modulo
 * `lanes × slots` is `lane × slots + slot`. With one slot (the default) keys are as they always were.
 */
type Counters = Map<string, Map<number, number>>;

export interface KeySpaceSnapshot {
  /** Taken national IDs as numbers. */
  nationalIds: Float64Array;
  enterpriseCodes: string[];
  /** [kind, owner id, year, last number] */
  counters: [CounterKind, string, number, number][];
  /** The generator slot of the run the snapshot belongs to (absent: slot 0 of 1). */
  slot?: number;
  slots?: number;
}

type CounterKind = 'judgment' | 'decision' | 'case';

export class KeySpace {
  /** National IDs as numbers (12 digits fit exactly in a double). */
  private readonly nationalIds = new Set<number>();
  private readonly enterpriseCodes = new Set<string>();
  /** Last running number handed out (or found) per owner (court or unit) id and year. */
  private readonly counters: Record<CounterKind, Counters> = { judgment: new Map(), decision: new Map(), case: new Map() };

  /** Keys of this lane and slot are ≡ residue (mod modulus). */
  private readonly residue: number;
  private readonly modulus: number;

  constructor(
    readonly lane = 0,
    readonly lanes = 1,
    readonly slot = 0,
    readonly slots = 1,
  ) {
    if (!(lanes >= 1 && lane >= 0 && lane < lanes)) throw new RangeError(`lane ${lane} of ${lanes}`);
    if (!(Number.isInteger(slots) && slots >= 1 && Number.isInteger(slot) && slot >= 0 && slot < slots)) throw new RangeError(`slot ${slot} of ${slots}`);
    this.residue = lane * slots + slot;
    this.modulus = lanes * slots;
  }

  /** A 6-digit ID serial of this lane. */
  nationalSerial(rng: Prng): string {
    return String(rng.int(Math.floor(1_000_000 / this.modulus)) * this.modulus + this.residue).padStart(6, '0');
  }

  /** An 8-digit enterprise-code serial of this lane. */
  enterpriseSerial(rng: Prng): string {
    return String(rng.int(Math.floor(100_000_000 / this.modulus)) * this.modulus + this.residue).padStart(8, '0');
  }

  /** Takes `id` if free. */
  claimNationalId(id: string): boolean {
    const n = Number(id);
    if (this.nationalIds.has(n)) return false;
    this.nationalIds.add(n);
    return true;
  }

  claimEnterpriseCode(code: string): boolean {
    if (this.enterpriseCodes.has(code)) return false;
    this.enterpriseCodes.add(code);
    return true;
  }

  /** Next judgment number of a court in a year. */
  nextJudgmentNo(courtId: string, year: number): number {
    return this.next('judgment', courtId, year);
  }

  nextDecisionNo(courtId: string, year: number): number {
    return this.next('decision', courtId, year);
  }

  nextCaseNo(unitId: string, year: number): number {
    return this.next('case', unitId, year);
  }

  get nationalIdCount(): number {
    return this.nationalIds.size;
  }

  private years(kind: CounterKind, owner: string): Map<number, number> {
    const counters = this.counters[kind];
    let m = counters.get(owner);
    if (!m) {
      m = new Map();
      counters.set(owner, m);
    }
    return m;
  }

  /** The smallest number above the last one that belongs to this lane and slot. */
  private next(kind: CounterKind, owner: string, year: number): number {
    const m = this.years(kind, owner);
    const last = m.get(year) ?? 0;
    let n = last + 1;
    n += (((this.residue - n) % this.modulus) + this.modulus) % this.modulus;
    m.set(year, n);
    return n;
  }

  private raise(kind: CounterKind, owner: string, year: number, n: number): void {
    const m = this.years(kind, owner);
    if (n > (m.get(year) ?? 0)) m.set(year, n);
  }

  /** Everything taken so far, in a form a worker thread can receive. */
  snapshot(): KeySpaceSnapshot {
    const counters: KeySpaceSnapshot['counters'] = [];
    for (const kind of ['judgment', 'decision', 'case'] as const) {
      for (const [owner, years] of this.counters[kind]) for (const [year, n] of years) counters.push([kind, owner, year, n]);
    }
    return { nationalIds: Float64Array.from(this.nationalIds), enterpriseCodes: [...this.enterpriseCodes], counters, slot: this.slot, slots: this.slots };
  }

  /** The key space a lane of the same run works in (a seed's generator thread). */
  static fromSnapshot(s: KeySpaceSnapshot, lane = 0, lanes = 1): KeySpace {
    const ks = new KeySpace(lane, lanes, s.slot ?? 0, s.slots ?? 1);
    for (const n of s.nationalIds) ks.nationalIds.add(n);
    for (const c of s.enterpriseCodes) ks.enterpriseCodes.add(c);
    for (const [kind, owner, year, n] of s.counters) ks.raise(kind, owner, year, n);
    return ks;
  }

  /** Reads the keys already present in schema `thahs` of the connected database, for a run holding `slot`. */
  static async load(client: ClientBase, slot = 0, slots = 1): Promise<KeySpace> {
    const ks = new KeySpace(0, 1, slot, slots);
    const ids = await client.query<[string]>({ text: 'SELECT national_id FROM thahs.person WHERE national_id IS NOT NULL', rowMode: 'array' });
    for (const row of ids.rows) ks.nationalIds.add(Number(row[0]));
    const codes = await client.query<{ c: string }>('SELECT enterprise_code AS c FROM thahs.legal_person');
    for (const r of codes.rows) ks.enterpriseCodes.add(r.c);
    const judgments = await client.query<{ court_id: string; y: number; n: number }>(
      `SELECT court_id, split_part(judgment_no, '/', 2)::int AS y, max(split_part(judgment_no, '/', 1)::int) AS n
         FROM thahs.judgment WHERE judgment_no ~ '^[0-9]{1,9}/[0-9]{4}/' GROUP BY 1, 2`,
    );
    for (const r of judgments.rows) ks.raise('judgment', r.court_id, r.y, r.n);
    const decisions = await client.query<{ court_id: string; y: number; n: number }>(
      `SELECT court_id, split_part(decision_no, '/', 2)::int AS y, max(split_part(decision_no, '/', 1)::int) AS n
         FROM thahs.execution_decision WHERE decision_no ~ '^[0-9]{1,9}/[0-9]{4}/' GROUP BY 1, 2`,
    );
    for (const r of decisions.rows) ks.raise('decision', r.court_id, r.y, r.n);
    const cases = await client.query<{ unit: string; y: number; n: number }>(
      `SELECT managing_unit_id AS unit, split_part(case_no, '-', 2)::int AS y, max(split_part(case_no, '-', 3)::int) AS n
         FROM thahs.enforcement_case WHERE case_no ~ '^HS-[0-9]{4}-[0-9]{1,9}$' GROUP BY 1, 2`,
    );
    for (const r of cases.rows) ks.raise('case', r.unit, r.y, r.n);
    return ks;
  }
}

export function judgmentNo(n: number, year: number, suffix: string): string {
  return `${n}/${year}/${suffix}`;
}

export function caseNo(n: number, year: number): string {
  return `HS-${year}-${String(n).padStart(5, '0')}`;
}
