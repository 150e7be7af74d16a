import type { CaseStatus, ClosureReason, CoerciveMeasure, LegalPersonStatus } from '../model/codes';
import { addMonths, at, dateStr, tsStr, yearOf, type Day, type Instant } from './calendar';
import { chooseCourts } from './courts';
import { provinceAgency, type GenerationContext } from './generationContext';
import { PROVINCES, provinceLabel, type Province } from './geography';
import { addressOn } from './identity';
import { caseNo, judgmentNo } from './keySpace';
import { personName } from './names';
import { LEGAL_PERSON_OFFENCES } from './offences';
import { addressLine, placeMap } from './places';
import { weighted, type Prng } from './prng';
import { PROVINCES_MERGED } from './referenceData';
import { RowFactory } from './rowFactory';
import { vnd } from './sentencing';
import type { RowSink } from './tableRow';

/**
 * A commercial legal person convicted under Penal Code Art 76 (smuggling, banned goods, tax evasion,
 * unpaid social insurance, illegal mining, pollution) and the enforcement of its penalties: fine,
 * suspension of operations, business and capital-raising bans (Decree 55/2020), executed by the
 * police of the province of its head office, with coercive measures when it does not pay
 * (Decree 44/2020).
 */
const POPULATION = weighted(PROVINCES.map((p) => [p, p.population] as const));
const FORMS = ['Công ty TNHH', 'Công ty Cổ phần', 'Công ty TNHH MTV'];
const TRADES = ['Thương mại Dịch vụ', 'Xây dựng', 'Khai thác Khoáng sản', 'Vận tải', 'Xuất nhập khẩu', 'Sản xuất Bao bì', 'Chế biến Thủy sản', 'Dệt may', 'Hóa chất', 'Môi trường'];
const BRANDS = ['Phú Thành', 'Hoàng Long', 'Minh Phát', 'Tân Tiến', 'Đại Việt', 'Sao Mai', 'An Khang', 'Thành Công', 'Hưng Thịnh', 'Việt Á', 'Bình Minh', 'Trường Hải'];
const TITLES = ['Giám đốc', 'Tổng giám đốc', 'Chủ tịch Hội đồng quản trị'];
const BANNED = ['Khai thác cát, sỏi lòng sông', 'Kinh doanh xăng dầu', 'Xuất nhập khẩu hàng hóa', 'Xử lý chất thải nguy hại', 'Kinh doanh vận tải hành khách'];
const MEASURES = weighted<CoerciveMeasure>([
  ['PHONG_TOA_TAI_KHOAN', 50],
  ['KE_BIEN_TAI_SAN', 35],
  ['TAM_GIU_TAI_LIEU_CON_DAU', 15],
]);

function taxPrefix(p: Province): string {
  if (p.code === '001') return '01';
  if (p.code === '079') return '03';
  return p.code.slice(1);
}

export function generateLegalPersonCase(ctx: GenerationContext, rng: Prng, sink: RowSink, newId: () => string): void {
  const f = new RowFactory(ctx.ministry, rng, sink, ctx.horizon, newId);
  const province = rng.pickWeighted(POPULATION);
  const district = rng.pick(placeMap().districtsByProvince.get(province.code) ?? []);
  const commune = rng.pick(district.communes);
  let code: string;
  do code = taxPrefix(province) + ctx.keys.enterpriseSerial(rng);
  while (!ctx.keys.claimEnterpriseCode(code));

  const trialDay = ctx.windowFrom + rng.int(Math.max(1, ctx.windowTo - ctx.windowFrom + 1));
  const effective = trialDay + 15 + rng.range(0, 10);
  const decisionDay = effective + rng.range(1, 7);
  const agency = provinceAgency(ctx, province, decisionDay);
  const founded = trialDay - rng.range(3, 20) * 365;
  const statusRoll = rng.next();
  const status: LegalPersonStatus = statusRoll < 0.85 ? 'HOAT_DONG' : statusRoll < 0.9 ? 'GIAI_THE' : statusRoll < 0.94 ? 'PHA_SAN' : statusRoll < 0.98 ? 'SAP_NHAP' : 'HOP_NHAT';
  const lpRecorded = at(Math.min(decisionDay, ctx.asOf), 10 * 60);
  const statusChanged = status === 'HOAT_DONG' ? lpRecorded : at(Math.min(ctx.asOf, decisionDay + rng.range(60, 700)), 10 * 60);
  let successorId: string | null = null;
  if (status === 'SAP_NHAP' || status === 'HOP_NHAT') {
    let scode: string;
    do scode = taxPrefix(province) + ctx.keys.enterpriseSerial(rng);
    while (!ctx.keys.claimEnterpriseCode(scode));
    successorId = f.newId();
    f.row('legal_person', f.base(agency, statusChanged), {
      id: successorId,
      enterprise_code: scode,
      name: `${rng.pick(FORMS)} ${rng.pick(TRADES)} ${rng.pick(BRANDS)}`,
      head_office_address: addressOn(addressLine(rng, true, province.region === 'south'), commune, yearOf(statusChanged) >= 2025 ? PROVINCES_MERGED : founded),
      province_code: province.mergedInto,
      legal_rep_name: personName(rng, 'M', yearOf(founded) - 40, province, 0).fullName,
      legal_rep_national_id: repId(rng, province, yearOf(founded) - 40),
      legal_rep_title: rng.pick(TITLES),
      state_mgmt_agency: `Sở Tài chính ${provinceLabel(province)}`,
      status: 'HOAT_DONG',
      successor_legal_person_id: null,
    });
  }
  const lpId = f.newId();
  const repBirth = yearOf(founded) - rng.range(28, 55);
  f.row('legal_person', f.base(agency, lpRecorded, statusChanged, 2), {
    id: lpId,
    enterprise_code: code,
    name: `${rng.pick(FORMS)} ${rng.pick(TRADES)} ${rng.pick(BRANDS)}`,
    head_office_address: addressOn(addressLine(rng, true, province.region === 'south'), commune, Math.min(decisionDay, ctx.asOf)),
    province_code: decisionDay >= PROVINCES_MERGED ? province.mergedInto : province.code,
    legal_rep_name: personName(rng, rng.chance(0.2) ? 'F' : 'M', repBirth, province, 0).fullName,
    legal_rep_national_id: repId(rng, province, repBirth),
    legal_rep_title: rng.pick(TITLES),
    state_mgmt_agency: decisionDay >= PROVINCES_MERGED ? `Sở Tài chính ${provinceLabel(province)}` : `Sở Kế hoạch và Đầu tư ${provinceLabel(province)}`,
    status,
    successor_legal_person_id: successorId,
  });

  const courts = chooseCourts(ctx, rng, trialDay, province, district, null, true);
  const jYear = yearOf(trialDay);
  const judgmentId = f.newId();
  const entered = f.entered(at(Math.min(effective, ctx.asOf), 9 * 60));
  const fine = vnd(rng.logNormal(300_000_000, 0.9), 10_000_000);
  f.row('judgment', f.base(agency, entered), {
    id: judgmentId,
    judgment_no: judgmentNo(ctx.keys.nextJudgmentNo(courts.trial.id, jYear), jYear, 'HS-ST'),
    judgment_date: dateStr(trialDay),
    court_id: courts.trial.id,
    instance: 'SO_THAM',
    effective_date: effective <= ctx.asOf ? dateStr(effective) : null,
    immediately_enforceable: false,
    court_fee_vnd: String(Math.max(200_000, Math.round(fine * 0.005))),
    civil_obligation_vnd: null,
  });
  const convictionId = f.newId();
  f.row('conviction', f.base(agency, entered), { id: convictionId, judgment_id: judgmentId, person_id: null, legal_person_id: lpId, aggregate_term_months: null });
  const offence = rng.pickWeighted(LEGAL_PERSON_OFFENCES);
  f.row('conviction_offence', f.base(agency, entered), {
    conviction_id: convictionId,
    code_article: offence.article,
    clause: rng.chance(0.8) ? 1 : 2,
    point: null,
    offence_name: offence.name,
  });

  const permanent = rng.chance(0.02);
  const suspensionMonths = !permanent && rng.chance(0.15) ? rng.range(6, 36) : null;
  const businessBan = rng.chance(0.2) ? rng.range(12, 36) : null;
  const capitalBan = rng.chance(0.1) ? rng.range(12, 36) : null;
  const penalty = (
    kind: 'PHAT_TIEN' | 'DINH_CHI_CO_THOI_HAN' | 'DINH_CHI_VINH_VIEN' | 'CAM_KINH_DOANH' | 'CAM_HUY_DONG_VON',
    main: boolean,
    months: number | null,
    amount: number | null,
    scope: string | null,
  ) =>
    f.row('penalty', f.base(agency, entered), {
      conviction_id: convictionId,
      penalty_kind: kind,
      is_main: main,
      term_years: null,
      term_months: months,
      term_days: null,
      is_life: false,
      amount_vnd: amount === null ? null : String(amount),
      suspended: false,
      probation_months: null,
      supervising_kind: null,
      supervising_unit_id: null,
      scope,
      start_date: months === null ? null : dateStr(decisionDay + 10),
      expected_end_date: months === null ? null : dateStr(addMonths(decisionDay + 10, months)),
    });
  // One main penalty (Penal Code Art 33): the fine, unless operations are suspended or shut down.
  penalty('PHAT_TIEN', !permanent && suspensionMonths === null, null, fine, null);
  if (permanent) penalty('DINH_CHI_VINH_VIEN', true, null, null, 'Toàn bộ hoạt động');
  if (suspensionMonths !== null) penalty('DINH_CHI_CO_THOI_HAN', true, suspensionMonths, null, 'Hoạt động trong lĩnh vực gây thiệt hại');
  const banned = businessBan !== null ? rng.pick(BANNED) : null;
  if (businessBan !== null) penalty('CAM_KINH_DOANH', false, businessBan, null, banned);
  if (capitalBan !== null) penalty('CAM_HUY_DONG_VON', false, capitalBan, null, null);

  if (decisionDay > ctx.asOf) return;
  const year = yearOf(decisionDay);
  const decisionId = f.newId();
  f.row('execution_decision', f.base(agency, at(decisionDay, 9 * 60)), {
    id: decisionId,
    decision_no: `${ctx.keys.nextDecisionNo(courts.trial.id, year)}/${year}/QĐ-CA`,
    decision_date: dateStr(decisionDay),
    court_id: courts.trial.id,
    issuer_name: personName(rng, 'M', year - 50, province, 0).fullName,
    issuer_title: rng.chance(0.7) ? 'Chánh án' : 'Phó Chánh án',
    conviction_id: convictionId,
    executing_unit_id: agency.id,
    report_deadline: null,
    kind: 'LEGAL_PERSON',
  });
  const horizon = Math.min(ctx.horizon, at(ctx.asOf, 17 * 60));
  const yearsSince = (ctx.asOf - decisionDay) / 365;
  const paidAll = rng.chance(yearsSince > 1 ? 0.7 : 0.35);
  const paid = paidAll ? fine : rng.chance(0.5) ? Math.floor((fine * rng.range(10, 80)) / 100 / 1_000_000) * 1_000_000 : 0;
  const settled: Day | null = paidAll ? Math.min(ctx.asOf, decisionDay + rng.range(20, 300)) : null;
  f.row('monetary_obligation', f.base(agency, entered, settled === null ? entered : at(settled, 10 * 60), 2), {
    conviction_id: convictionId,
    kind: 'FINE',
    amount_vnd: String(fine),
    paid_vnd: String(paid),
    settled_date: settled === null ? null : dateStr(settled),
  });
  const caseId = f.newId();
  const opened: Instant = at(decisionDay + rng.range(1, 3), 9 * 60);
  let lastChange = opened;
  if (!paidAll && rng.chance(0.3)) {
    const cd = Math.min(ctx.asOf, decisionDay + rng.range(60, 400));
    const ct = at(cd, 10 * 60);
    f.event(caseId, {
      type: 'COERCIVE_MEASURE',
      at: ct,
      reporting: agency,
      decisionNo: `${rng.range(1, 500)}/QĐ-CC`,
      decisionDate: dateStr(cd),
      decisionAuthority: agency.name,
      details: { measure: rng.pickWeighted(MEASURES), amount_vnd: String(fine - paid) },
    });
    lastChange = ct;
  }
  if (successorId !== null) {
    const st = Math.min(statusChanged, horizon);
    f.event(caseId, { type: 'LEGAL_PERSON_SUCCESSION', at: st, reporting: agency, note: 'Pháp nhân thương mại kế thừa nghĩa vụ chấp hành án', details: {} });
    lastChange = Math.max(lastChange, st);
  }
  const suspensionEnd = suspensionMonths !== null ? addMonths(decisionDay + 10, suspensionMonths) : null;
  let caseStatus: CaseStatus = 'DANG_THI_HANH';
  let closure: ClosureReason | null = null;
  let closedAt: Instant | null = null;
  if (status === 'GIAI_THE' || status === 'PHA_SAN') {
    caseStatus = 'DINH_CHI';
    closure = 'PNTM_GIAI_THE_PHA_SAN';
    closedAt = Math.min(statusChanged, horizon);
  } else if (paidAll && !permanent && (suspensionEnd === null || suspensionEnd <= ctx.asOf) && settled !== null) {
    caseStatus = 'DA_CHAP_HANH_XONG';
    closure = 'HET_HAN';
    closedAt = at(Math.max(settled, suspensionEnd ?? settled), 11 * 60);
  }
  if (closedAt !== null && closedAt < opened) closedAt = opened;
  if (closedAt !== null) lastChange = Math.max(lastChange, closedAt);
  f.row('legal_person_enforcement', f.base(agency, opened, lastChange, 2), {
    case_id: caseId,
    fine_vnd: String(fine),
    paid_vnd: String(paid),
    suspension_from: suspensionMonths !== null ? dateStr(decisionDay + 10) : null,
    suspension_to: suspensionEnd !== null ? dateStr(suspensionEnd) : null,
    permanent_shutdown: permanent,
    banned_fields: banned,
    capital_raising_ban_until: capitalBan !== null ? dateStr(addMonths(decisionDay + 10, capitalBan)) : null,
  });
  f.row('enforcement_case', f.base(agency, opened, lastChange, 2), {
    id: caseId,
    case_no: caseNo(ctx.keys.nextCaseNo(agency.id, year), year),
    subject_person_id: null,
    subject_legal_person_id: lpId,
    execution_decision_id: decisionId,
    managing_unit_id: agency.id,
    case_type: 'LEGAL_PERSON',
    status: caseStatus,
    opened_at: tsStr(opened),
    closed_at: closedAt === null ? null : tsStr(closedAt),
    closure_reason: closure,
    completion_certificate_no: caseStatus === 'DA_CHAP_HANH_XONG' ? `${rng.range(1, 999)}/GCN-${agency.code}` : null,
  });
}

function repId(rng: Prng, province: Province, birthYear: number): string {
  const century = birthYear >= 2000 ? 2 : 0;
  return `${province.code}${century + (rng.chance(0.2) ? 1 : 0)}${String(birthYear % 100).padStart(2, '0')}${rng.digits(6)}`;
}
