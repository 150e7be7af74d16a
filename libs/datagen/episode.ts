import type { CaseStatus, CaseType, ClosureReason, ConductRating, ExecutionDecisionKind, SupervisingKind } from '../model/codes';
import { addMonths, at, dateStr, day, localDay, monthsBetween, quarterEnds, tsStr, yearOf, type Day, type Instant } from './calendar';
import { communeCouncil, communityAgency, provinceAgency, type GenerationContext } from './generationContext';
import { addressOn, communeOn, touchPerson, type PersonInfo } from './identity';
import { caseNo } from './keySpace';
import { personName } from './names';
import { weighted, type Prng, type WeightedTable } from './prng';
import { zoneOf, type CourtRef, type Facility, type UnitRef } from './referenceData';
import type { RowFactory } from './rowFactory';
import { termColumns, type Sentence } from './sentencing';
import type { TableRow } from './tableRow';

/**
 * One conviction of one person, from the court's judgment to the state of its enforcement on the
 * simulated "today": conviction, offences, penalties, measures, money owed, the execution decision,
 * the case file with its custody placements, events and community supervision. The custodial path
 * walks the sentence quarter by quarter (ratings), round by round (reductions, parole, amnesty) and
 * through rarer incidents (transfer, extraction, discipline, escape, suspension, death).
 */
export interface JudgmentInfo {
  id: string;
  day: Day;
  effective: Day;
  /** Court of first instance: issues the execution decision. */
  trialCourt: CourtRef;
  /** Court that gave the enforced judgment (the appeal court after an appeal). */
  court: CourtRef;
}

export interface EpisodeOutcome {
  /** Day the person was free again (release, end of supervision), if that happened. */
  freedDay: Day | null;
}

interface CaseState {
  id: string;
  type: CaseType;
  managing: UnitRef;
  opened: Instant;
  status: CaseStatus;
  closed: Instant | null;
  closure: ClosureReason | null;
  lastChange: Instant;
  changes: number;
}

const RATINGS: Readonly<Record<PersonInfo['conduct'], WeightedTable<ConductRating>>> = {
  good: weighted<ConductRating>([
    ['TOT', 60],
    ['KHA', 35],
    ['TRUNG_BINH', 5],
  ]),
  average: weighted<ConductRating>([
    ['TOT', 20],
    ['KHA', 50],
    ['TRUNG_BINH', 25],
    ['KEM', 5],
  ]),
  bad: weighted<ConductRating>([
    ['KHA', 20],
    ['TRUNG_BINH', 45],
    ['KEM', 35],
  ]),
};

const AMNESTY_ROUNDS: readonly { day: Day; share: number; decisionNo: string }[] = [
  { day: day(2015, 9, 2), share: 0.12, decisionNo: '2028/QĐ-CTN' },
  { day: day(2016, 9, 2), share: 0.03, decisionNo: '1569/QĐ-CTN' },
  { day: day(2018, 9, 2), share: 0.06, decisionNo: '1610/QĐ-CTN' },
  { day: day(2021, 9, 2), share: 0.02, decisionNo: '1407/QĐ-CTN' },
  { day: day(2025, 9, 2), share: 0.15, decisionNo: '1244/QĐ-CTN' },
];

const POSTPONE_REASONS = ['Bị bệnh nặng', 'Phụ nữ có thai', 'Là người lao động duy nhất trong gia đình', 'Đang nuôi con dưới 36 tháng tuổi'];
const EXTRACTION_REASONS = ['Phục vụ điều tra vụ án khác', 'Tham gia phiên tòa', 'Khám, chữa bệnh'];
const BORDER_GATES = ['Cửa khẩu quốc tế Nội Bài', 'Cửa khẩu quốc tế Tân Sơn Nhất', 'Cửa khẩu quốc tế Móng Cái', 'Cửa khẩu quốc tế Mộc Bài', 'Cửa khẩu quốc tế Lao Bảo'];

/** Reduction/parole rounds: Tết, 30/4, 2/9 for police; 30/4, 2/9, 22/12 for military courts. */
function reductionRounds(military: boolean, from: Day, to: Day): Day[] {
  const out: Day[] = [];
  for (let y = yearOf(from); y <= yearOf(to); y++) {
    const days = military ? [day(y, 4, 25), day(y, 8, 28), day(y, 12, 18)] : [day(y, 1, 20), day(y, 4, 25), day(y, 8, 28)];
    for (const d of days) if (d > from && d <= to) out.push(d);
  }
  return out;
}

type Checkpoint = {
  day: Day;
  kind: 'rating' | 'round' | 'amnesty' | 'transfer' | 'extraction' | 'discipline' | 'escape' | 'suspension' | 'death';
  round?: (typeof AMNESTY_ROUNDS)[number];
};

export class Episode {
  private readonly military: boolean;
  private readonly until: Day;
  private readonly horizon: Instant;
  private decisionDay: Day = 0;
  private decision: TableRow<'execution_decision'> | null = null;
  private penaltyStart: Day | null = null;
  private penaltyEnd: Day | null = null;
  private supervising: { kind: SupervisingKind; unit: UnitRef } | null = null;
  private measureFacility: UnitRef | null = null;
  private freedDay: Day | null = null;
  private conductPenalty = 0;

  constructor(
    private readonly ctx: GenerationContext,
    private readonly rng: Prng,
    private readonly f: RowFactory,
    private readonly person: PersonInfo,
    private readonly judgment: JudgmentInfo,
    private readonly sentence: Sentence,
    until: Day,
    private readonly detainedFrom: Day | null,
  ) {
    this.military = ctx.ministry === 'QDND';
    this.until = Math.min(until, ctx.asOf);
    this.horizon = Math.min(at(this.until, 17 * 60), f.horizon);
  }

  private instant(d: Day, fromMinute = 7 * 60 + 30, toMinute = 16 * 60 + 30): Instant {
    return Math.min(at(d, this.rng.range(fromMinute, toMinute)), this.horizon);
  }

  private agency(d: Day): UnitRef {
    return provinceAgency(this.ctx, this.person.province, d);
  }

  run(): EpisodeOutcome {
    const { rng, f, person, judgment, sentence } = this;
    const reporting = this.agency(judgment.effective);
    const convictionId = f.newId();
    const convictionEntered = this.instant(Math.min(judgment.effective + rng.range(0, 5), this.until));
    touchPerson(person, convictionEntered, false);

    const main = sentence.main;
    const needsDecision = main !== 'FINE' && main !== 'WARNING';
    if (needsDecision) {
      this.decisionDay = judgment.effective + rng.range(1, 7);
      if (this.decisionDay <= this.until) this.writeDecision(convictionId, reporting);
    }
    if (this.decision) {
      switch (main) {
        case 'FIXED':
        case 'LIFE':
          this.custodial(main === 'LIFE' ? null : (sentence.months ?? 12));
          break;
        case 'DEATH':
          this.deathRow();
          break;
        case 'SUSPENDED':
        case 'CTKGG':
          this.community(main);
          break;
        case 'REFORMATORY':
        case 'TREATMENT':
          this.facilityMeasure(main);
          break;
        default:
          break;
      }
    }
    f.row('conviction', f.base(reporting, convictionEntered), {
      id: convictionId,
      judgment_id: judgment.id,
      person_id: person.id,
      legal_person_id: null,
      aggregate_term_months: sentence.offences.length > 1 && sentence.main === 'FIXED' ? sentence.months : null,
    });
    for (const o of sentence.offences) {
      f.row('conviction_offence', f.base(reporting, convictionEntered), {
        conviction_id: convictionId,
        code_article: o.offence.article,
        clause: o.clause,
        point: o.point,
        offence_name: o.offence.name,
      });
    }
    this.writePenalties(convictionId, reporting, convictionEntered);
    this.writeMeasuresAndMoney(convictionId, reporting, convictionEntered);
    return { freedDay: this.freedDay };
  }

  private writeDecision(convictionId: string, reporting: UnitRef): void {
    const { ctx, rng, f, judgment, sentence } = this;
    const d = this.decisionDay;
    const year = yearOf(d);
    const kind: ExecutionDecisionKind =
      sentence.main === 'DEATH'
        ? 'DEATH'
        : sentence.main === 'SUSPENDED' || sentence.main === 'CTKGG'
          ? 'COMMUNITY'
          : sentence.main === 'REFORMATORY' || sentence.main === 'TREATMENT'
            ? 'JUDICIAL_MEASURE'
            : 'IMPRISONMENT';
    const executing = kind === 'COMMUNITY' ? communityAgency(ctx, this.person.province, this.person.district, this.person.commune, d) : this.agency(d);
    const onBail = this.detainedFrom === null;
    this.decision = f.row('execution_decision', f.base(reporting, this.instant(d)), {
      decision_no: `${ctx.keys.nextDecisionNo(judgment.trialCourt.id, year)}/${year}/QĐ-CA`,
      decision_date: dateStr(d),
      court_id: judgment.trialCourt.id,
      issuer_name: personName(rng, rng.chance(0.25) ? 'F' : 'M', yearOf(d) - rng.range(38, 58), this.person.province, 0).fullName,
      issuer_title: rng.chance(0.7) ? 'Chánh án' : 'Phó Chánh án',
      conviction_id: convictionId,
      executing_unit_id: executing.id,
      report_deadline: onBail && kind === 'IMPRISONMENT' ? dateStr(d + 7) : null,
      kind,
    });
  }

  private openCase(type: CaseType, managing: UnitRef, openedDay: Day): CaseState {
    const opened = this.instant(openedDay);
    return { id: this.f.newId(), type, managing, opened, status: 'DANG_THI_HANH', closed: null, closure: null, lastChange: opened, changes: 0 };
  }

  private closeCase(c: CaseState, status: CaseStatus, when: Instant, reason: ClosureReason | null): void {
    c.status = status;
    c.closed = Math.max(when, c.opened);
    c.closure = reason;
    c.lastChange = when;
    c.changes += 1;
  }

  private setStatus(c: CaseState, status: CaseStatus, when: Instant): void {
    c.status = status;
    c.lastChange = Math.max(c.lastChange, when);
    c.changes += 1;
  }

  private writeCase(c: CaseState): void {
    const { ctx, rng, f, person } = this;
    const year = yearOf(localDay(c.opened));
    const closedDone = c.closed !== null && (c.status === 'DA_CHAP_HANH_XONG' || c.status === 'DINH_CHI');
    f.row('enforcement_case', f.base(c.managing, f.entered(c.opened), c.lastChange, 1 + c.changes), {
      id: c.id,
      case_no: caseNo(ctx.keys.nextCaseNo(c.managing.id, year), year),
      subject_person_id: person.id,
      subject_legal_person_id: null,
      execution_decision_id: (this.decision as TableRow<'execution_decision'>).id,
      managing_unit_id: c.managing.id,
      case_type: c.type,
      status: c.status,
      opened_at: tsStr(c.opened),
      closed_at: c.closed === null ? null : tsStr(c.closed),
      closure_reason: c.closure,
      completion_certificate_no: closedDone && c.status === 'DA_CHAP_HANH_XONG' && c.closure !== 'CHET' ? `${rng.range(1, 9999)}/GCN-${c.managing.code}` : null,
    });
  }

  private placement(caseId: string, facility: UnitRef, from: Instant, toAt: Instant | null, group: string | null = null): void {
    const f = this.f;
    const to = toAt === null ? null : Math.max(from, toAt);
    f.row('custody_placement', f.base(facility, f.entered(from), to ?? from, to === null ? 1 : 2), {
      case_id: caseId,
      facility_unit_id: facility.id,
      from_at: tsStr(from),
      to_at: to === null ? null : tsStr(to),
      detention_group: group,
    });
  }

  private pickPrison(except?: UnitRef): Facility {
    const zone = zoneOf(this.person.region ?? this.person.province.militaryRegion);
    const tables = prisonTables(this.ctx.ref.prisons);
    const near = this.rng.chance(0.8) ? tables.byZone.get(zone) : undefined;
    for (let i = 0; i < 8; i++) {
      const p = this.rng.pickWeighted(near ?? tables.all);
      if (p.id !== except?.id) return p;
    }
    return this.rng.pick(this.ctx.ref.prisons.filter((p) => p.id !== except?.id));
  }

  private camp(): UnitRef {
    const r = this.ctx.ref;
    if (this.military) return r.detentionCamps.get(this.person.region ?? this.person.province.militaryRegion) ?? r.detentionCamps.get('BQP') ?? r.management;
    return r.detentionCamps.get(this.person.province.code) ?? r.management;
  }

  private detentionGroup(): string | null {
    const p = this.person;
    if (p.foreign) return 'Người nước ngoài';
    if (p.sex === 'X') return 'Người đồng tính, chuyển giới hoặc chưa xác định rõ giới tính';
    if (p.sex === 'F' && this.rng.chance(0.03)) return 'Phụ nữ có con dưới 36 tháng tuổi';
    if (this.rng.chance(0.01)) return 'Người mắc bệnh truyền nhiễm';
    return null;
  }

  /** Fixed-term (`months`) or life (`null`) imprisonment. */
  private custodial(months: number | null): void {
    const { rng, f, person } = this;
    const D = this.decisionDay;
    const camp = this.camp();
    const detained = this.detainedFrom !== null;
    let admission = D + (detained ? rng.range(7, 45) : rng.range(10, 30));
    let postponed: [Day, Day] | null = null;
    if (!detained && rng.chance(0.04)) {
      postponed = [D + 5, D + 5 + rng.range(90, 365)];
      admission = postponed[1] + rng.range(3, 15);
    }
    const start = this.detainedFrom ?? admission;
    let end = months === null ? Number.POSITIVE_INFINITY : addMonths(start, months);
    this.penaltyStart = start;
    this.penaltyEnd = months === null ? null : end;
    let prison: UnitRef = this.pickPrison();
    const group = this.detentionGroup();
    const admitted = admission <= this.until;
    const c = this.openCase('CUSTODIAL', admitted ? prison : detained ? camp : this.agency(D), D + rng.range(1, 3));
    c.status = 'CHO_THI_HANH';

    if (postponed) {
      const [from, to] = postponed;
      this.f.event(c.id, {
        type: 'POSTPONEMENT',
        at: this.instant(from),
        reporting: c.managing,
        decisionNo: `${rng.range(1, 300)}/${yearOf(from)}/QĐ-CA`,
        decisionDate: dateStr(from),
        decisionAuthority: this.judgment.trialCourt.name,
        details: { from_date: dateStr(from), to_date: dateStr(to), reason: rng.pick(POSTPONE_REASONS), supervising_unit_id: communeCouncil(this.ctx, person.commune, from).id },
      });
      this.setStatus(c, 'HOAN', this.instant(from));
      if (to <= this.until) {
        this.f.event(c.id, { type: 'RESUMPTION', at: this.instant(to), reporting: c.managing, details: {} });
        this.setStatus(c, 'CHO_THI_HANH', this.instant(to));
      }
    }
    if (detained && end <= D + 3) {
      // Pre-trial detention already covers the term: released from the camp once the decision arrives.
      const out = Math.max(D + 1, localDay(c.opened));
      const ot = Math.max(this.instant(out, 9 * 60, 11 * 60), c.opened);
      this.placement(c.id, camp, at(this.detainedFrom as Day, rng.range(6 * 60, 22 * 60)), ot, group);
      this.f.event(c.id, {
        type: 'RELEASE',
        at: ot,
        reporting: camp,
        fromUnit: camp,
        details: { reason: 'HET_HAN', destination_residence: addressOn(person.street, person.commune, out) },
      });
      this.closeCase(c, 'DA_CHAP_HANH_XONG', ot, 'HET_HAN');
      this.writeCase(c);
      this.freedDay = out;
      return;
    }
    if (!admitted) {
      if (detained) this.placement(c.id, camp, this.instant(this.detainedFrom as Day), null, group);
      this.writeCase(c);
      return;
    }
    const admittedAt = this.instant(admission, 8 * 60, 11 * 60);
    if (detained) this.placement(c.id, camp, at(this.detainedFrom as Day, rng.range(6 * 60, 22 * 60)), admittedAt, group);
    f.event(c.id, {
      type: 'ADMISSION',
      at: admittedAt,
      reporting: prison,
      decisionNo: `${rng.range(1, 9999)}/QĐ-${this.military ? 'CĐTHS' : 'C10'}`,
      decisionDate: dateStr(admission - rng.range(2, 10)),
      decisionAuthority: this.ctx.ref.management.name,
      fromUnit: detained ? camp : null,
      toUnit: prison,
      details: detained ? { received_from_unit_id: camp.id, documents_complete: rng.chance(0.95) } : { documents_complete: rng.chance(0.95) },
    });
    this.setStatus(c, 'DANG_THI_HANH', admittedAt);
    let placedAt = admittedAt;

    const nominalEnd = months === null ? admission + 20 * 365 : end;
    const span = Math.max(30, nominalEnd - admission);
    const checkpoints: Checkpoint[] = [];
    const lastDay = Math.min(this.until, months === null ? this.until : end + 3 * 365);
    for (const q of quarterEnds(admission, lastDay)) checkpoints.push({ day: q + rng.range(1, 10), kind: 'rating' });
    for (const r of reductionRounds(this.military, admission, lastDay)) checkpoints.push({ day: r, kind: 'round' });
    for (const a of AMNESTY_ROUNDS) if (a.day > admission && a.day <= lastDay) checkpoints.push({ day: a.day - 1, kind: 'amnesty', round: a });
    const incident = (p: number, kind: Checkpoint['kind']) => {
      if (rng.chance(p)) checkpoints.push({ day: admission + 1 + rng.int(span), kind });
    };
    incident(0.08, 'transfer');
    incident(0.02, 'extraction');
    incident(0.06, 'discipline');
    incident(0.0015 * Math.max(1, span / 365), 'escape');
    incident(0.005, 'suspension');
    const age = yearOf(admission) - yearOf(person.birth);
    incident(Math.min(0.5, (age > 60 ? 0.02 : 0.0025) * (span / 365)), 'death');
    checkpoints.sort((a, b) => a.day - b.day);

    let lastRating: ConductRating = 'KHA';
    let terminated = false;
    const courtName = this.reviewCourt(prison);
    let blockedUntil = admission;
    for (const cp of checkpoints) {
      if (cp.day > this.until || cp.day >= end || terminated) break;
      // Nothing happens in prison while the person is away (escaped, suspended).
      if (cp.day <= blockedUntil) continue;
      const t = this.instant(cp.day);
      switch (cp.kind) {
        case 'rating': {
          const conduct = this.conductPenalty > 0 ? (person.conduct === 'good' ? 'average' : 'bad') : person.conduct;
          if (this.conductPenalty > 0) this.conductPenalty -= 1;
          lastRating = rng.pickWeighted(RATINGS[conduct]);
          const m = new Date(at(cp.day - 12, 12 * 60)).getUTCMonth() + 1;
          f.event(c.id, { type: 'CONDUCT_RATING', at: t, reporting: prison, details: { period: m === 12 ? 'YEAR' : m === 6 ? 'HALF_YEAR' : 'QUARTER', rating: lastRating } });
          break;
        }
        case 'round': {
          const served = monthsBetween(start, cp.day);
          if (months === null) {
            if (served >= 144 && (lastRating === 'TOT' || lastRating === 'KHA') && rng.chance(0.3)) {
              f.event(c.id, {
                type: 'SENTENCE_REDUCTION',
                at: t,
                reporting: prison,
                decisionNo: `${rng.range(1, 3000)}/${yearOf(cp.day)}/QĐ-CA`,
                decisionDate: dateStr(cp.day),
                decisionAuthority: courtName,
                details: { life_to_term_years: 30 },
              });
              months = 360;
              end = addMonths(start, 360);
            }
            break;
          }
          const goodRating = lastRating === 'TOT' || lastRating === 'KHA';
          const paroleOk = cp.day >= day(2019, 1, 1) && served * 2 >= months && person.priorConvictions === 0 && person.conduct === 'good' && lastRating === 'TOT';
          if (paroleOk && rng.chance(0.1)) {
            this.parole(c, prison, cp.day, end, placedAt);
            terminated = true;
            break;
          }
          if (served * 3 >= months && goodRating && end - cp.day > 60 && rng.chance(person.conduct === 'good' ? 0.35 : 0.15)) {
            const reduced = Math.min(lastRating === 'TOT' ? rng.range(2, 6) : rng.range(1, 3), Math.max(1, monthsBetween(cp.day, end) - 1));
            f.event(c.id, {
              type: 'SENTENCE_REDUCTION',
              at: t,
              reporting: prison,
              decisionNo: `${rng.range(1, 3000)}/${yearOf(cp.day)}/QĐ-CA`,
              decisionDate: dateStr(cp.day),
              decisionAuthority: courtName,
              details: { reduced_months: reduced },
            });
            end = addMonths(end, -reduced);
          }
          break;
        }
        case 'amnesty': {
          const round = cp.round as (typeof AMNESTY_ROUNDS)[number];
          const served = monthsBetween(start, cp.day);
          const excluded = this.sentence.offences.some((o) => o.offence.article === 251 || o.offence.article === 250 || o.offence.article === 123);
          if (months !== null && !excluded && served * 3 >= months && person.conduct !== 'bad' && rng.chance(round.share * 1.5)) {
            f.event(c.id, {
              type: 'AMNESTY',
              at: t,
              reporting: prison,
              decisionNo: round.decisionNo,
              decisionDate: dateStr(round.day - 30),
              decisionAuthority: 'Chủ tịch nước',
              details: { president_decision_no: round.decisionNo, round_date: dateStr(round.day), certificate_no: `${rng.range(1, 20000)}/GCNĐX` },
            });
            this.release(c, prison, cp.day, 'DAC_XA', placedAt);
            terminated = true;
          }
          break;
        }
        case 'transfer': {
          const next = this.pickPrison(prison);
          f.event(c.id, {
            type: 'TRANSFER',
            at: t,
            reporting: prison,
            fromUnit: prison,
            toUnit: next,
            decisionNo: `${rng.range(1, 9999)}/QĐ-${this.military ? 'CĐTHS' : 'C10'}`,
            decisionDate: dateStr(cp.day - 3),
            decisionAuthority: this.ctx.ref.management.name,
            details: { reason: 'Điều chuyển theo quyết định của cơ quan quản lý thi hành án hình sự' },
          });
          this.placement(c.id, prison, placedAt, t, group);
          prison = next;
          placedAt = t;
          break;
        }
        case 'extraction': {
          const back = cp.day + rng.range(3, 30);
          f.event(c.id, {
            type: 'EXTRACTION_OUT',
            at: t,
            reporting: prison,
            fromUnit: prison,
            details: { reason: rng.pick(EXTRACTION_REASONS), expected_return_at: tsStr(at(back, 16 * 60)) },
          });
          if (back <= this.until)
            f.event(c.id, { type: 'EXTRACTION_RETURN', at: this.instant(back), reporting: prison, toUnit: prison, details: { reason: 'Hết thời hạn trích xuất' } });
          break;
        }
        case 'discipline':
          f.event(c.id, { type: 'DISCIPLINE', at: t, reporting: prison, note: 'Vi phạm nội quy trại giam', details: {} });
          this.conductPenalty = 2;
          break;
        case 'escape': {
          const wanted = `${rng.range(1, 500)}/QĐ-TN`;
          f.event(c.id, { type: 'ESCAPE', at: t, reporting: prison, details: { detected_at: tsStr(t + rng.range(10, 240) * 60_000), wanted_decision_no: wanted } });
          this.placement(c.id, prison, placedAt, t, group);
          const back = cp.day + rng.range(1, 90);
          if (rng.chance(0.85) && back <= this.until) {
            const bt = this.instant(back, 0, 23 * 60);
            f.event(c.id, { type: rng.chance(0.3) ? 'SURRENDER' : 'RECAPTURE', at: bt, reporting: prison, details: { detected_at: tsStr(bt), wanted_decision_no: wanted } });
            end += back - cp.day;
            placedAt = bt;
            blockedUntil = back;
          } else {
            this.setStatus(c, 'TRON', t);
            terminated = true;
            this.writeCase(c);
          }
          break;
        }
        case 'suspension': {
          const back = cp.day + rng.range(60, 300);
          f.event(c.id, {
            type: 'SUSPENSION',
            at: t,
            reporting: prison,
            decisionNo: `${rng.range(1, 300)}/${yearOf(cp.day)}/QĐ-CA`,
            decisionDate: dateStr(cp.day),
            decisionAuthority: courtName,
            details: { from_date: dateStr(cp.day), to_date: dateStr(back), reason: 'Bị bệnh nặng', supervising_unit_id: communeCouncil(this.ctx, person.commune, cp.day).id },
          });
          this.placement(c.id, prison, placedAt, t, group);
          if (back <= this.until) {
            const bt = this.instant(back);
            f.event(c.id, { type: 'RESUMPTION', at: bt, reporting: prison, details: {} });
            end += back - cp.day;
            placedAt = bt;
            blockedUntil = back;
          } else {
            this.setStatus(c, 'TAM_DINH_CHI', t);
            terminated = true;
            this.writeCase(c);
          }
          break;
        }
        case 'death': {
          f.event(c.id, {
            type: 'DEATH',
            at: t,
            reporting: prison,
            details: {
              death_at: tsStr(t),
              place: prison.name,
              cause: rng.pickWeighted(DEATH_CAUSES),
              investigating_body_notified: true,
              death_registered_commune: communeOn(person.commune, cp.day),
            },
          });
          this.placement(c.id, prison, placedAt, t, group);
          this.closeCase(c, 'DINH_CHI', t, 'CHET');
          terminated = true;
          this.writeCase(c);
          break;
        }
      }
    }
    if (terminated) return;
    if (end <= this.until) {
      this.release(c, prison, end, 'HET_HAN', placedAt);
      return;
    }
    this.placement(c.id, prison, placedAt, null, group);
    this.writeCase(c);
  }

  private reviewCourt(prison: UnitRef): string {
    const r = this.ctx.ref;
    if (this.military) return (r.militaryRegionCourts.get(prison.region ?? 'QK1') ?? r.militaryCentralCourt)?.name ?? 'Tòa án quân sự';
    return r.provincialCourts.get(prison.provinceCode ?? '001')?.name ?? 'Tòa án nhân dân';
  }

  private release(c: CaseState, prison: UnitRef, d: Day, reason: ClosureReason, placedAt: Instant): void {
    const t = this.instant(d, 7 * 60, 10 * 60);
    const home = this.person.movedTo ?? this.person.commune;
    this.f.event(c.id, {
      type: 'RELEASE',
      at: t,
      reporting: prison,
      fromUnit: prison,
      details: {
        reason,
        destination_residence: this.person.foreign ? 'Bàn giao cơ quan thi hành án trục xuất' : addressOn(this.person.street, home, d),
        notice_sent_at: reason === 'HET_HAN' ? tsStr(at(d - 60, 9 * 60)) : undefined,
      },
    });
    this.placement(c.id, prison, placedAt, t, null);
    this.closeCase(c, 'DA_CHAP_HANH_XONG', t, reason);
    this.writeCase(c);
    this.freedDay = d;
    if (this.sentence.additional.some((a) => a.kind === 'TRUC_XUAT')) this.expulsion(prison, d);
  }

  private parole(c: CaseState, prison: UnitRef, d: Day, end: Day, placedAt: Instant): void {
    const { rng, f, person } = this;
    const t = this.instant(d);
    const council = communeCouncil(this.ctx, person.commune, d);
    const courtNo = `${rng.range(1, 900)}/${yearOf(d)}/QĐ-CA`;
    f.event(c.id, {
      type: 'PAROLE',
      at: t,
      reporting: prison,
      decisionNo: courtNo,
      decisionDate: dateStr(d),
      decisionAuthority: this.reviewCourt(prison),
      details: { court_decision_no: courtNo, probation_until: dateStr(end), supervising_unit_id: council.id },
    });
    this.placement(c.id, prison, placedAt, t, null);
    this.setStatus(c, 'THA_CO_DIEU_KIEN', t);
    let probationEnd = end;
    let shortened: number | null = null;
    const half = d + Math.floor((end - d) / 2);
    if (rng.chance(0.1) && half <= this.until && monthsBetween(half, end) >= 2) {
      shortened = Math.min(6, monthsBetween(half, end) - 1);
      probationEnd = addMonths(end, -shortened);
      f.event(c.id, {
        type: 'PROBATION_SHORTENED',
        at: this.instant(half),
        reporting: council,
        decisionNo: `${rng.range(1, 900)}/${yearOf(half)}/QĐ-CA`,
        decisionDate: dateStr(half),
        details: { court_decision_no: courtNo, probation_until: dateStr(probationEnd), supervising_unit_id: council.id },
      });
    }
    f.row('community_supervision', f.base(council, f.entered(t)), {
      case_id: c.id,
      penalty_id: null,
      supervising_kind: 'UBND_XA',
      supervising_unit_id: council.id,
      commune: communeOn(person.commune, d),
      start_date: dateStr(d),
      end_date: dateStr(probationEnd),
      income_deduction_pct: null,
      violation_count: 0,
      shortened_months: shortened,
    });
    if (probationEnd <= this.until) {
      const et = this.instant(probationEnd);
      f.event(c.id, { type: 'SUPERVISION_END', at: et, reporting: council, details: {} });
      this.closeCase(c, 'DA_CHAP_HANH_XONG', et, 'THA_TRUOC_THOI_HAN');
      this.freedDay = probationEnd;
    }
    this.writeCase(c);
  }

  private expulsion(prison: UnitRef, d: Day): void {
    const { rng, f } = this;
    const police = this.agency(d);
    const c = this.openCase('EXPULSION', police, d);
    const t = this.instant(d, 10 * 60, 14 * 60);
    f.event(c.id, { type: 'ADMISSION', at: t, reporting: police, fromUnit: prison, toUnit: police, details: { received_from_unit_id: prison.id, documents_complete: true } });
    const out = d + rng.range(3, 15);
    if (out <= this.until) {
      const ot = this.instant(out);
      f.event(c.id, { type: 'RELEASE', at: ot, reporting: police, details: { reason: 'HET_HAN', destination_residence: `Xuất cảnh qua ${rng.pick(BORDER_GATES)}` } });
      this.closeCase(c, 'DA_CHAP_HANH_XONG', ot, 'HET_HAN');
    }
    this.writeCase(c);
  }

  private deathRow(): void {
    const { rng, f } = this;
    const camp = this.camp();
    const D = this.decisionDay;
    const from = this.detainedFrom ?? D;
    this.penaltyStart = null;
    const c = this.openCase('DEATH', camp, D + rng.range(1, 3));
    c.status = 'CHO_THI_HANH';
    const arrested = at(from, rng.range(6 * 60, 22 * 60));
    const councilDay = D + rng.range(200, 1000);
    const untilReform = this.sentence.offences[0]?.offence.capital === 'until2025';
    const commuteByReform = untilReform ? day(2025, 7, 1) + rng.range(20, 100) : Number.POSITIVE_INFINITY;
    const roll = rng.next();
    const executeDay = roll < 0.35 ? councilDay + rng.range(7, 60) : Number.POSITIVE_INFINITY;
    const pardonDay = roll >= 0.35 && roll < 0.43 ? councilDay + rng.range(30, 200) : Number.POSITIVE_INFINITY;
    if (councilDay <= this.until && councilDay < commuteByReform) {
      const ct = this.instant(councilDay);
      f.event(c.id, { type: 'DEATH_SENTENCE_COUNCIL', at: ct, reporting: camp, decisionAuthority: this.judgment.trialCourt.name, details: { council_formed_at: tsStr(ct) } });
      if (roll >= 0.43 && roll < 0.48)
        f.event(c.id, { type: 'DEATH_SENTENCE_POSTPONED', at: ct + 86_400_000, reporting: camp, details: { reason: 'Có tình tiết mới cần xem xét' } });
    }
    if (executeDay <= this.until && executeDay < commuteByReform) {
      const et = this.instant(executeDay, 5 * 60, 7 * 60);
      f.event(c.id, { type: 'DEATH_SENTENCE_EXECUTED', at: et, reporting: camp, details: { executed_at: tsStr(et) } });
      this.placement(c.id, camp, arrested, et, null);
      this.closeCase(c, 'DA_CHAP_HANH_XONG', et, 'THI_HANH_AN_TU_HINH');
      this.writeCase(c);
      return;
    }
    const commuteDay = Math.min(pardonDay, commuteByReform);
    if (commuteDay <= this.until) {
      const ct = this.instant(commuteDay);
      const no = commuteDay === commuteByReform ? `${rng.range(1, 400)}/${yearOf(commuteDay)}/QĐ-CA` : `${rng.range(1, 2000)}/QĐ-CTN`;
      f.event(c.id, {
        type: 'DEATH_SENTENCE_COMMUTED',
        at: ct,
        reporting: camp,
        decisionNo: no,
        decisionDate: dateStr(commuteDay),
        decisionAuthority: commuteDay === commuteByReform ? 'Chánh án Tòa án nhân dân tối cao' : 'Chủ tịch nước',
        details: { commutation_decision_no: no },
      });
      const move = commuteDay + rng.range(10, 40);
      if (move <= this.until) {
        const prison = this.pickPrison();
        const mt = this.instant(move);
        this.placement(c.id, camp, arrested, mt, null);
        f.event(c.id, { type: 'TRANSFER', at: mt, reporting: prison, fromUnit: camp, toUnit: prison, details: { reason: 'Chuyển từ tử hình sang tù chung thân' } });
        this.placement(c.id, prison, mt, null, null);
        this.setStatus(c, 'DANG_THI_HANH', mt);
        this.writeCase(c);
        return;
      }
    }
    this.placement(c.id, camp, arrested, null, null);
    this.writeCase(c);
  }

  private community(kind: 'SUSPENDED' | 'CTKGG'): void {
    const { ctx, rng, f, person, sentence } = this;
    const D = this.decisionDay;
    const start = D + rng.range(7, 20);
    const termMonths = kind === 'SUSPENDED' ? (sentence.probationMonths ?? 24) : (sentence.months ?? 12);
    let end = addMonths(start, termMonths);
    this.penaltyStart = start;
    this.penaltyEnd = end;
    const soldier = person.isMilitary && person.militaryUnit !== null && rng.chance(0.7);
    const supervisor = soldier ? (person.militaryUnit as UnitRef) : communeCouncil(ctx, person.commune, start);
    this.supervising = { kind: soldier ? 'DON_VI_QUAN_DOI' : 'UBND_XA', unit: supervisor };
    const managing = communityAgency(ctx, person.province, person.district, person.commune, D);
    const c = this.openCase('COMMUNITY', managing, D + rng.range(1, 3));
    if (start > this.until) {
      c.status = 'CHO_THI_HANH';
      this.writeCase(c);
      return;
    }
    f.event(c.id, { type: 'SUPERVISION_START', at: this.instant(start), reporting: managing, toUnit: supervisor, details: {} });
    const violations = rng.chance(0.08) ? (rng.chance(0.25) ? 2 : 1) : 0;
    let recorded = 0;
    for (let i = 0; i < violations; i++) {
      const vd = start + 1 + rng.int(Math.max(1, end - start - 1));
      if (vd <= this.until) {
        f.event(c.id, {
          type: 'SUPERVISION_VIOLATION',
          at: this.instant(vd),
          reporting: supervisor,
          note: 'Vi phạm nghĩa vụ của người được hưởng án treo/cải tạo không giam giữ',
          details: {},
        });
        recorded += 1;
      }
    }
    if (!soldier && rng.chance(0.04)) {
      const md = start + 1 + rng.int(Math.max(1, end - start - 1));
      if (md <= this.until) {
        const to = rng.pick(person.district.communes.filter((x) => x.key !== person.commune.key));
        if (to) {
          const mt = this.instant(md);
          f.event(c.id, { type: 'RESIDENCE_CHANGE', at: mt, reporting: supervisor, details: { from_commune: communeOn(person.commune, md), to_commune: communeOn(to, md) } });
          person.movedTo = to;
          touchPerson(person, mt, true);
        }
      }
    }
    let shortened: number | null = null;
    const half = start + Math.floor((end - start) / 2);
    if (kind === 'SUSPENDED' && recorded === 0 && rng.chance(0.12) && half <= this.until && monthsBetween(half, end) >= 2) {
      shortened = Math.min(12, monthsBetween(half, end) - 1);
      end = addMonths(end, -shortened);
      f.event(c.id, {
        type: 'PROBATION_SHORTENED',
        at: this.instant(half),
        reporting: supervisor,
        decisionNo: `${rng.range(1, 900)}/${yearOf(half)}/QĐ-CA`,
        decisionDate: dateStr(half),
        decisionAuthority: this.judgment.trialCourt.name,
        details: { court_decision_no: `${rng.range(1, 900)}/${yearOf(half)}/QĐ-CA`, probation_until: dateStr(end), supervising_unit_id: supervisor.id },
      });
    }
    if (!this.military) {
      for (const [switchDay, fromKind] of [
        [day(2025, 3, 1), 'CQ_THAHS_CA_HUYEN'],
        [day(2026, 7, 1), 'CQ_THAHS_CA_TINH'],
      ] as const) {
        if (managing.kind === fromKind && start < switchDay && end > switchDay && switchDay <= this.until) {
          const to = communityAgency(ctx, person.province, person.district, person.commune, switchDay);
          f.event(c.id, { type: 'CASE_HANDOVER', at: this.instant(switchDay + rng.range(0, 20)), reporting: managing, fromUnit: managing, toUnit: to, details: {} });
        }
      }
    }
    f.row('community_supervision', f.base(supervisor, f.entered(this.instant(start)), this.instant(Math.min(end, this.until)), 1 + recorded), {
      case_id: c.id,
      penalty_id: null,
      supervising_kind: this.supervising.kind,
      supervising_unit_id: supervisor.id,
      commune: communeOn(person.commune, start),
      start_date: dateStr(start),
      end_date: dateStr(end),
      income_deduction_pct: sentence.incomeDeductionPct,
      violation_count: recorded,
      shortened_months: shortened,
    });
    if (this.military && rng.chance(0.08)) {
      const hd = start + rng.int(Math.max(1, end - start));
      if (hd <= this.until) {
        const ht = this.instant(hd);
        f.event(c.id, {
          type: 'CASE_HANDOVER',
          at: ht,
          reporting: managing,
          fromUnit: managing,
          note: 'Bàn giao cho Công an cấp xã nơi cư trú do người chấp hành án xuất ngũ',
          details: {},
        });
        this.closeCase(c, 'DA_CHUYEN_GIAO', ht, null);
        this.writeCase(c);
        return;
      }
    }
    if (end <= this.until) {
      const et = this.instant(end);
      f.event(c.id, { type: 'SUPERVISION_END', at: et, reporting: supervisor, details: {} });
      this.closeCase(c, 'DA_CHAP_HANH_XONG', et, 'HET_HAN');
      this.freedDay = end;
    }
    this.writeCase(c);
  }

  private facilityMeasure(kind: 'REFORMATORY' | 'TREATMENT'): void {
    const { ctx, rng, f } = this;
    const r = ctx.ref;
    const zone = zoneOf(this.person.province.militaryRegion);
    const facilities = kind === 'REFORMATORY' ? r.reformatories : r.treatmentFacilities;
    const facility = facilities.find((u) => zoneOf(u.region) === zone) ?? facilities[0] ?? r.management;
    this.measureFacility = facility;
    const D = this.decisionDay;
    const c = this.openCase('JUDICIAL_MEASURE', facility, D + rng.range(1, 3));
    const admission = D + rng.range(10, 40);
    if (admission > this.until) {
      c.status = 'CHO_THI_HANH';
      this.writeCase(c);
      return;
    }
    const t = this.instant(admission);
    f.event(c.id, { type: 'ADMISSION', at: t, reporting: facility, toUnit: facility, details: { documents_complete: true } });
    const end = kind === 'REFORMATORY' ? addMonths(admission, this.sentence.months ?? 18) : admission + rng.range(365, 1500);
    this.penaltyStart = admission;
    this.penaltyEnd = end;
    if (kind === 'REFORMATORY') {
      for (const q of quarterEnds(admission, Math.min(end, this.until))) {
        f.event(c.id, {
          type: 'CONDUCT_RATING',
          at: this.instant(q + rng.range(1, 10)),
          reporting: facility,
          details: { period: 'QUARTER', rating: rng.pickWeighted(RATINGS[this.person.conduct]) },
        });
      }
    }
    if (end <= this.until) {
      const et = this.instant(end);
      f.event(c.id, {
        type: 'RELEASE',
        at: et,
        reporting: facility,
        fromUnit: facility,
        details: { reason: kind === 'REFORMATORY' ? 'HET_HAN' : 'KHAC', destination_residence: addressOn(this.person.street, this.person.commune, end) },
      });
      this.placement(c.id, facility, t, et, null);
      this.closeCase(c, 'DA_CHAP_HANH_XONG', et, kind === 'REFORMATORY' ? 'HET_HAN' : 'KHAC');
      this.freedDay = end;
    } else {
      this.placement(c.id, facility, t, null, null);
    }
    this.writeCase(c);
  }

  private writePenalties(convictionId: string, reporting: UnitRef, entered: Instant): void {
    const { rng, f, sentence } = this;
    const main = sentence.main;
    const start = this.penaltyStart === null ? null : dateStr(this.penaltyStart);
    const kindOf = {
      FIXED: 'TU_CO_THOI_HAN',
      SUSPENDED: 'TU_CO_THOI_HAN',
      LIFE: 'TU_CHUNG_THAN',
      DEATH: 'TU_HINH',
      CTKGG: 'CAI_TAO_KGG',
      FINE: 'PHAT_TIEN',
      WARNING: 'CANH_CAO',
    } as const;
    if (main !== 'REFORMATORY' && main !== 'TREATMENT') {
      const termed = main === 'FIXED' || main === 'SUSPENDED' || main === 'CTKGG';
      const term = termed && sentence.months !== null ? termColumns(rng, sentence.months) : NO_TERM;
      f.row('penalty', f.base(reporting, entered), {
        conviction_id: convictionId,
        penalty_kind: kindOf[main],
        is_main: true,
        term_years: term.term_years,
        term_months: term.term_months,
        term_days: term.term_days,
        is_life: main === 'LIFE',
        amount_vnd: sentence.fineVnd === null ? null : String(sentence.fineVnd),
        suspended: main === 'SUSPENDED',
        probation_months: sentence.probationMonths,
        supervising_kind: this.supervising?.kind ?? null,
        supervising_unit_id: this.supervising?.unit.id ?? null,
        scope: null,
        start_date: start,
        expected_end_date: this.penaltyEnd === null || !Number.isFinite(this.penaltyEnd) ? null : dateStr(this.penaltyEnd),
      });
    }
    for (const a of sentence.additional) {
      const after = this.freedDay ?? this.penaltyEnd;
      const aStart = a.months !== undefined && after !== null && Number.isFinite(after) ? after : null;
      const aTerm = a.months !== undefined ? termColumns(rng, a.months) : NO_TERM;
      f.row('penalty', f.base(reporting, entered), {
        conviction_id: convictionId,
        penalty_kind: a.kind,
        is_main: false,
        term_years: aTerm.term_years,
        term_months: aTerm.term_months,
        term_days: aTerm.term_days,
        is_life: false,
        amount_vnd: a.amountVnd === undefined ? null : String(a.amountVnd),
        suspended: false,
        probation_months: null,
        supervising_kind: null,
        supervising_unit_id: null,
        scope: a.scope ?? null,
        start_date: aStart === null ? null : dateStr(aStart),
        expected_end_date: aStart === null || a.months === undefined ? null : dateStr(addMonths(aStart, a.months)),
      });
    }
  }

  private writeMeasuresAndMoney(convictionId: string, reporting: UnitRef, entered: Instant): void {
    const { rng, f, sentence, judgment } = this;
    const yearsSince = (this.until - judgment.day) / 365;
    const settle = (amount: number): { paid: number; settled: Day | null } => {
      const roll = rng.next();
      const full = yearsSince >= 1 ? 0.65 : 0.3;
      const part = yearsSince >= 1 ? 0.85 : 0.6;
      if (roll < full) {
        const d = Math.min(this.until, judgment.effective + rng.range(10, 500));
        return { paid: amount, settled: d };
      }
      if (roll < part) return { paid: Math.floor((amount * rng.range(10, 90)) / 100 / 1000) * 1000, settled: null };
      return { paid: 0, settled: null };
    };
    const obligation = (kind: TableRow<'monetary_obligation'>['kind'], amount: number) => {
      const s = settle(amount);
      const changed = s.settled !== null ? this.instant(s.settled) : s.paid > 0 ? this.instant(Math.min(this.until, judgment.effective + rng.range(30, 300))) : entered;
      f.row('monetary_obligation', f.base(reporting, entered, changed, 2), {
        conviction_id: convictionId,
        kind,
        amount_vnd: String(amount),
        paid_vnd: String(s.paid),
        settled_date: s.settled === null ? null : dateStr(s.settled),
      });
      return s.settled !== null;
    };
    obligation('COURT_FEE', 200_000);
    if (sentence.fineVnd !== null) obligation('FINE', sentence.fineVnd);
    for (const a of sentence.additional) {
      if (a.kind === 'PHAT_TIEN' && a.amountVnd !== undefined) obligation('FINE', a.amountVnd);
      if (a.kind === 'TICH_THU_TAI_SAN' && a.amountVnd !== undefined) obligation('CONFISCATION', a.amountVnd);
    }
    for (const m of sentence.measures) {
      let done = false;
      if (m.kind === 'TRA_LAI_BOI_THUONG' && m.amountVnd !== null) done = obligation('COMPENSATION', m.amountVnd);
      else if (m.kind === 'TICH_THU_VAT_TIEN') done = yearsSince > 0.3;
      else if (m.kind === 'XIN_LOI_CONG_KHAI') done = yearsSince > 0.2;
      const facility = m.kind === 'GIAO_DUC_TRUONG_GIAO_DUONG' || m.kind === 'BAT_BUOC_CHUA_BENH';
      const status: CaseStatus = facility
        ? this.freedDay !== null
          ? 'DA_CHAP_HANH_XONG'
          : this.decision
            ? 'DANG_THI_HANH'
            : 'CHO_THI_HANH'
        : done
          ? 'DA_CHAP_HANH_XONG'
          : 'DANG_THI_HANH';
      f.row(
        'judicial_measure',
        f.base(reporting, entered, status === 'DA_CHAP_HANH_XONG' ? this.instant(Math.min(this.until, judgment.effective + rng.range(30, 400))) : entered, 2),
        {
          conviction_id: convictionId,
          measure_kind: m.kind,
          amount_vnd: m.amountVnd === null ? null : String(m.amountVnd),
          facility_unit_id: facility ? (this.measureFacility?.id ?? null) : null,
          term_months: m.termMonths,
          status,
        },
      );
    }
  }
}

const prisonTableCache = new WeakMap<readonly Facility[], { all: WeightedTable<Facility>; byZone: Map<string, WeightedTable<Facility>> }>();

/** Prisons weighted by size, overall and per zone (built once per reference data set). */
function prisonTables(prisons: readonly Facility[]) {
  let t = prisonTableCache.get(prisons);
  if (!t) {
    const byZone = new Map<string, WeightedTable<Facility>>();
    for (const zone of ['north', 'central', 'south']) {
      const list = prisons.filter((p) => p.zone === zone);
      if (list.length > 0) byZone.set(zone, weighted(list.map((p) => [p, p.weight] as const)));
    }
    t = { all: weighted(prisons.map((p) => [p, p.weight] as const)), byZone };
    prisonTableCache.set(prisons, t);
  }
  return t;
}

const NO_TERM = { term_years: null, term_months: null, term_days: null } as const;

const DEATH_CAUSES = weighted([
  ['BENH', 75],
  ['TU_SAT', 8],
  ['TAI_NAN', 7],
  ['KHAC', 10],
] as const);
