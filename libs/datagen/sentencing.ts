import type { JudicialMeasureKind, PenaltyKind } from '../model/codes';
import type { Day } from './calendar';
import { CIVIL_OFFENCES, MILITARY_OFFENCES, POINT_LETTERS, type Offence } from './offences';
import type { Prng, WeightedTable } from './prng';
import { PROVINCES_MERGED } from './referenceData';

/**
 * What a court decides for one convicted person (DOMAIN.md §5 sentencing mix): the offences with
 * clause and point, the main penalty, additional penalties and judicial measures. Fixed terms are
 * drawn inside each clause's range, skewed to its lower end, which gives a log-normal-like overall
 * shape (median ≈ 3 years, p90 ≈ 10 years); life and death only for the top clause of the offences
 * that allow them.
 */
export type MainSentence = 'FIXED' | 'LIFE' | 'DEATH' | 'SUSPENDED' | 'CTKGG' | 'FINE' | 'WARNING' | 'REFORMATORY' | 'TREATMENT';

export interface ConvictedOffence {
  offence: Offence;
  clause: number;
  point: string | null;
  months: number;
}

export interface AdditionalPenalty {
  kind: PenaltyKind;
  months?: number;
  amountVnd?: number;
  scope?: string;
}

export interface MeasureDecision {
  kind: JudicialMeasureKind;
  amountVnd: number | null;
  termMonths: number | null;
}

export interface Sentence {
  offences: ConvictedOffence[];
  main: MainSentence;
  /** Imprisonment (FIXED, SUSPENDED) or non-custodial reform (CTKGG) term; reformatory term. */
  months: number | null;
  probationMonths: number | null;
  incomeDeductionPct: number | null;
  fineVnd: number | null;
  additional: AdditionalPenalty[];
  measures: MeasureDecision[];
}

/** A term inside [lo, hi] months, skewed toward lo. */
function termIn(rng: Prng, lo: number, hi: number): number {
  if (hi <= lo) return lo;
  const u = Math.pow(rng.next(), 1.5);
  return Math.max(3, Math.round(Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * u)));
}

function clauseOf(rng: Prng, o: Offence): number {
  const total = o.clauseWeights.reduce((a, b) => a + b, 0);
  let x = rng.next() * total;
  for (let i = 0; i < o.clauseWeights.length; i++) {
    x -= o.clauseWeights[i] as number;
    if (x < 0) return i + 1;
  }
  return 1;
}

function convict(rng: Prng, o: Offence, clause?: number): ConvictedOffence {
  const c = clause ?? clauseOf(rng, o);
  const [lo, hi] = o.clauses[c - 1] ?? o.clauses[0] ?? [6, 36];
  return { offence: o, clause: c, point: c > 1 ? rng.pick(POINT_LETTERS.slice(0, 6)) : rng.chance(0.2) ? rng.pick(POINT_LETTERS.slice(0, 4)) : null, months: termIn(rng, lo, hi) };
}

/** Round VND amounts the way judgments state them (whole thousands / millions). */
export function vnd(x: number, unit = 1_000_000): number {
  return Math.max(unit, Math.round(x / unit) * unit);
}

export function offenceTable(military: boolean): WeightedTable<Offence> {
  return military ? MILITARY_OFFENCES : CIVIL_OFFENCES;
}

export interface SentencingInput {
  mainOffence: Offence;
  judgmentDay: Day;
  minor: boolean;
  foreign: boolean;
  military: boolean;
  treatment: boolean;
}

export function decideSentence(rng: Prng, input: SentencingInput): Sentence {
  const { mainOffence, judgmentDay } = input;
  const offences: ConvictedOffence[] = [convict(rng, mainOffence)];
  const extra = rng.chance(0.12) ? (rng.chance(0.2) ? 2 : 1) : 0;
  for (let i = 0; i < extra; i++) {
    const o = rng.pickWeighted(offenceTable(input.military));
    if (!offences.some((x) => x.offence.article === o.article)) offences.push(convict(rng, o, 1));
  }
  const s: Sentence = { offences, main: 'FIXED', months: null, probationMonths: null, incomeDeductionPct: null, fineVnd: null, additional: [], measures: [] };
  const first = offences[0] as ConvictedOffence;

  if (input.treatment) {
    s.main = 'TREATMENT';
    s.measures.push({ kind: 'BAT_BUOC_CHUA_BENH', amountVnd: null, termMonths: null });
    return s;
  }
  if (input.minor) {
    s.main = 'REFORMATORY';
    s.months = rng.range(12, 24);
    s.measures.push({ kind: 'GIAO_DUC_TRUONG_GIAO_DUONG', amountVnd: null, termMonths: s.months });
    return s;
  }

  const severe = first.offence.severeClause === first.clause;
  const capital = first.offence.capital === 'always' || (first.offence.capital === 'until2025' && judgmentDay < PROVINCES_MERGED);
  const light = first.offence.communityFriendly === true && first.clause === 1 && offences.length === 1;
  const roll = rng.next();
  if (severe && capital && roll < 0.14) s.main = 'DEATH';
  else if (severe && first.offence.lifePossible && roll < 0.7) s.main = 'LIFE';
  else if (light && roll < 0.2) s.main = 'SUSPENDED';
  else if (light && roll < 0.27) s.main = 'CTKGG';
  else if (light && roll < 0.3) s.main = 'FINE';
  else if (light && roll < 0.303) s.main = 'WARNING';

  switch (s.main) {
    case 'FIXED':
      s.months = Math.min(
        360,
        offences.reduce((sum, o) => sum + o.months, 0),
      );
      break;
    case 'SUSPENDED':
      s.months = Math.min(36, Math.max(6, first.months));
      s.probationMonths = Math.min(60, Math.max(12, s.months * 2));
      break;
    case 'CTKGG':
      s.months = Math.min(36, Math.max(6, first.months));
      s.incomeDeductionPct = rng.range(5, 20);
      break;
    case 'FINE':
      s.fineVnd = vnd(rng.logNormal(40_000_000, 0.7));
      break;
    default:
      break;
  }

  const a = first.offence;
  const custodialOrSuspended = s.main === 'FIXED' || s.main === 'SUSPENDED' || s.main === 'CTKGG';
  if (custodialOrSuspended && a.fineLikely !== undefined && rng.chance(a.fineLikely)) {
    s.additional.push({ kind: 'PHAT_TIEN', amountVnd: vnd(rng.logNormal(a.drugs ? 10_000_000 : 30_000_000, 0.6)) });
  }
  if (a.office && rng.chance(0.8)) s.additional.push({ kind: 'CAM_DAM_NHIEM_CHUC_VU', months: rng.range(1, 5) * 12, scope: 'Cấm đảm nhiệm chức vụ trong cơ quan nhà nước' });
  if (a.article === 260 && rng.chance(0.4)) s.additional.push({ kind: 'CAM_DAM_NHIEM_CHUC_VU', months: rng.range(1, 5) * 12, scope: 'Cấm hành nghề lái xe' });
  if ((a.article === 251 || a.article === 250 || a.office) && (s.main === 'FIXED' || s.main === 'LIFE') && rng.chance(0.15)) {
    s.additional.push({ kind: 'TICH_THU_TAI_SAN', amountVnd: vnd(rng.logNormal(300_000_000, 1)) });
  }
  if ((a.drugs || a.article === 123 || a.article === 168 || a.article === 141) && s.main === 'FIXED') {
    if (rng.chance(0.05)) s.additional.push({ kind: 'QUAN_CHE', months: rng.range(1, 5) * 12 });
    // eslint-disable-next-line no-dupe-else-if -- a second, independent draw, not the same condition
    else if (rng.chance(0.05)) s.additional.push({ kind: 'CAM_CU_TRU', months: rng.range(1, 5) * 12, scope: 'Cấm cư trú tại thành phố nơi phạm tội' });
  }
  if (a.office && rng.chance(0.1)) s.additional.push({ kind: 'TUOC_QUYEN_CONG_DAN', months: rng.range(1, 5) * 12, scope: 'Quyền làm việc trong cơ quan nhà nước' });
  if (input.foreign) s.additional.push({ kind: 'TRUC_XUAT' });

  if (a.property && rng.chance(0.45)) {
    const median = a.article === 174 || a.article === 353 ? 300_000_000 : a.article === 260 ? 120_000_000 : a.article === 134 ? 40_000_000 : 15_000_000;
    s.measures.push({ kind: 'TRA_LAI_BOI_THUONG', amountVnd: vnd(rng.logNormal(median, 0.9), 100_000), termMonths: null });
  }
  if ((a.article === 173 || a.drugs || a.article === 321 || a.article === 322 || a.article === 174) && rng.chance(0.4)) {
    s.measures.push({ kind: 'TICH_THU_VAT_TIEN', amountVnd: a.drugs ? null : vnd(rng.logNormal(5_000_000, 1), 100_000), termMonths: null });
  }
  if (rng.chance(0.003)) s.measures.push({ kind: 'XIN_LOI_CONG_KHAI', amountVnd: null, termMonths: null });
  return s;
}

/** How a judgment states a term: "09 tháng", "30 tháng", "02 năm 06 tháng". */
export function termColumns(rng: Prng, months: number): { term_years: number | null; term_months: number | null; term_days: number | null } {
  if (months < 12) return { term_years: null, term_months: months, term_days: null };
  if (months <= 36 && months % 12 !== 0 && rng.chance(0.4)) return { term_years: null, term_months: months, term_days: null };
  const years = Math.floor(months / 12);
  const rest = months % 12;
  return { term_years: years, term_months: rest === 0 ? null : rest, term_days: null };
}
