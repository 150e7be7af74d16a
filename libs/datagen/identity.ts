import type { MilitaryRegion, Sex } from '../model/codes';
import { dateStr, day, localDay, yearOf, type Day, type Instant } from './calendar';
import type { GenerationContext } from './generationContext';
import { PROVINCES, PROVINCE_BY_CODE, newProvinceLabel, provinceLabel, type Province } from './geography';
import { foreignIdentity, nickname, parentName, personName } from './names';
import { addressLine, communeLabel, placeMap, type District, type OldCommune } from './places';
import { weighted, type Prng } from './prng';
import { PROVINCES_MERGED, type UnitRef } from './referenceData';
import type { RowFactory } from './rowFactory';

/**
 * Who a generated person is: identity, residence, family, and for qdnd the military service. The
 * person row itself is written last (`writePerson`), once the episodes have decided when the record
 * was first entered and whether the residence changed.
 */
export type Conduct = 'good' | 'average' | 'bad';

export interface PersonInfo {
  id: string;
  sex: Sex;
  birth: Day;
  fullName: string;
  surname: string;
  ethnicity: string;
  province: Province;
  district: District;
  commune: OldCommune;
  foreign: boolean;
  nationality: string;
  nationalId: string | null;
  passportNo: string | null;
  isMilitary: boolean;
  militaryRank: string | null;
  region: MilitaryRegion | null;
  militaryUnit: UnitRef | null;
  priorConvictions: number;
  conduct: Conduct;
  /** Address line below commune level. */
  street: string;
  /** When the record was first entered and last changed (set by the episodes). */
  firstRecorded: Instant;
  lastChanged: Instant;
  changes: number;
  /** Commune moved to by a RESIDENCE_CHANGE (the row then shows it). */
  movedTo: OldCommune | null;
  hasBiometrics: boolean;
}

const POPULATION = weighted(PROVINCES.map((p) => [p, p.population] as const));

const CONDUCT = weighted<Conduct>([
  ['good', 60],
  ['average', 30],
  ['bad', 10],
]);

const RANKS = weighted<[string, number, number]>([
  [['Binh nhì', 18, 21], 10],
  [['Binh nhất', 19, 22], 15],
  [['Hạ sĩ', 19, 23], 12],
  [['Trung sĩ', 20, 25], 10],
  [['Thượng sĩ', 22, 30], 8],
  [['Thiếu úy', 22, 30], 6],
  [['Trung úy', 24, 34], 8],
  [['Thượng úy', 27, 38], 8],
  [['Đại úy', 29, 42], 8],
  [['Thiếu tá', 32, 46], 6],
  [['Trung tá', 36, 50], 5],
  [['Thượng tá', 40, 54], 3],
  [['Đại tá', 44, 58], 1],
]);

const OCCUPATIONS = weighted([
  ['Lao động tự do', 38],
  ['Làm ruộng', 14],
  ['Công nhân', 10],
  ['Buôn bán', 7],
  ['Không nghề nghiệp', 9],
  ['Lái xe', 4],
  ['Thợ xây', 4],
  ['Học sinh', 1],
  ['Sinh viên', 1],
  ['Kinh doanh', 4],
  ['Nhân viên văn phòng', 3],
  ['Cán bộ, công chức', 2],
  ['Thợ cơ khí', 3],
] as const);
const EDUCATION = weighted([
  ['0/12', 3],
  ['3/12', 4],
  ['5/12', 10],
  ['7/12', 12],
  ['9/12', 30],
  ['10/12', 8],
  ['12/12', 22],
  ['Trung cấp', 4],
  ['Cao đẳng', 3],
  ['Đại học', 4],
] as const);
const RELIGION_NORTH = weighted([
  ['Không', 88],
  ['Phật giáo', 6],
  ['Công giáo', 5],
  ['Tin lành', 1],
] as const);
const RELIGION_SOUTH = weighted([
  ['Không', 78],
  ['Phật giáo', 10],
  ['Công giáo', 6],
  ['Cao Đài', 2.5],
  ['Phật giáo Hòa Hảo', 2.5],
  ['Tin lành', 1],
] as const);

/** Draws a person living in `opts.province` (or anywhere, by population) as of day `refDay`, an adult unless `opts.minor`. */
export function drawIdentity(ctx: GenerationContext, rng: Prng, factory: RowFactory, refDay: Day, opts: { province?: Province; minor?: boolean }): PersonInfo {
  const qdnd = ctx.ministry === 'QDND';
  const province = opts.province ?? rng.pickWeighted(POPULATION);
  const districts = placeMap().districtsByProvince.get(province.code) ?? [];
  const district = rng.pick(districts);
  const commune = rng.pick(district.communes);
  const foreign = !qdnd && !opts.minor && rng.chance(0.004);
  const sex: Sex = rng.chance(qdnd ? 0.03 : 0.13) ? 'F' : rng.chance(0.001) ? 'X' : 'M';

  let isMilitary = false;
  let militaryRank: string | null = null;
  let ageYears: number;
  let region: MilitaryRegion | null = null;
  let militaryUnit: UnitRef | null = null;
  if (qdnd && rng.chance(0.9)) {
    isMilitary = true;
    const [rank, lo, hi] = rng.pickWeighted(RANKS);
    militaryRank = rank;
    ageYears = rng.range(lo, hi);
    region = rng.chance(0.05) ? 'QC_HAI_QUAN' : province.militaryRegion;
    const units = ctx.ref.militaryUnits.get(region) ?? [];
    militaryUnit = rng.chance(0.3) ? (ctx.ref.provincialCommands.get(province.code) ?? rng.pick(units)) : rng.pick(units);
    if (militaryUnit && militaryUnit.validTo !== null && militaryUnit.validTo < refDay) militaryUnit = rng.pick(units);
  } else if (opts.minor) {
    ageYears = rng.range(14, 17);
  } else {
    ageYears = Math.min(75, Math.max(18, Math.round(16 + rng.logNormal(12, 0.55))));
    region = qdnd ? province.militaryRegion : null;
  }
  const birth = refDay - Math.round(ageYears * 365.25) - rng.int(365);
  const birthYear = yearOf(birth);
  const name = foreign ? null : personName(rng, sex, birthYear, province);
  const foreignId = foreign ? foreignIdentity(rng) : null;

  let nationalId: string | null = null;
  if (!foreign) {
    const century = birthYear >= 2000 ? 2 : 0;
    const sexDigit = century + (sex === 'F' ? 1 : 0);
    const prefix = `${province.code}${sexDigit}${String(birthYear % 100).padStart(2, '0')}`;
    for (;;) {
      const candidate = prefix + ctx.keys.nationalSerial(rng);
      if (ctx.keys.claimNationalId(candidate)) {
        nationalId = candidate;
        break;
      }
    }
  }
  const priorRoll = rng.next();
  return {
    id: factory.newId(),
    sex,
    birth,
    fullName: foreignId?.fullName ?? name?.fullName ?? '',
    surname: name?.surname ?? '',
    ethnicity: foreign ? '' : (name?.ethnicity ?? 'Kinh'),
    province,
    district,
    commune,
    foreign,
    nationality: foreignId?.nationality ?? 'VN',
    nationalId,
    passportNo: foreignId?.passportNo ?? null,
    isMilitary,
    militaryRank,
    region,
    militaryUnit,
    priorConvictions: opts.minor ? 0 : priorRoll < 0.8 ? 0 : priorRoll < 0.94 ? 1 : rng.range(2, 5),
    conduct: rng.pickWeighted(CONDUCT),
    street: addressLine(rng, district.kind !== 'huyện', province.region === 'south'),
    firstRecorded: Number.POSITIVE_INFINITY,
    lastChanged: 0,
    changes: 0,
    movedTo: null,
    hasBiometrics: rng.chance(0.1),
  };
}

/** Full address of a commune as written on `d` (three levels before 1 Jul 2025, two after). */
export function addressOn(street: string | null, commune: OldCommune, d: Day): string {
  const head = street ? `${street}, ` : '';
  if (d < PROVINCES_MERGED) return `${head}${communeLabel(commune)}, ${commune.district.kind} ${commune.district.name}, ${provinceLabel(commune.district.province)}`;
  return `${head}${communeLabel(commune.successor)}, ${newProvinceLabel(commune.successor.province)}`;
}

export function communeOn(commune: OldCommune, d: Day): string {
  return d < PROVINCES_MERGED ? communeLabel(commune) : communeLabel(commune.successor);
}

/** Records that the person's file was touched at `t` (first entry or a later change). */
export function touchPerson(p: PersonInfo, t: Instant, change: boolean): void {
  if (t < p.firstRecorded) p.firstRecorded = t;
  if (change) {
    p.changes += 1;
    if (t > p.lastChanged) p.lastChanged = t;
  }
}

/** Writes the person row as it stands at the end of the simulation. */
export function writePerson(rng: Prng, factory: RowFactory, p: PersonInfo, reporting: UnitRef | null): void {
  const created = Number.isFinite(p.firstRecorded) ? p.firstRecorded : factory.horizon;
  const createdDay = localDay(created);
  const updated = p.lastChanged > created ? p.lastChanged : created;
  const updatedDay = localDay(updated);
  const home = p.movedTo ?? p.commune;
  const permanent = p.foreign ? null : addressOn(p.street, home, updatedDay);
  const temporaryCommune =
    !p.foreign && rng.chance(0.15) ? rng.pick(rng.pick(placeMap().districtsByProvince.get(rng.chance(0.5) ? '079' : '001') ?? [home.district]).communes) : null;
  const temporary = temporaryCommune ? addressOn(`Số ${rng.range(1, 200)} đường số ${rng.range(1, 30)}`, temporaryCommune, updatedDay) : null;
  const birthProvince = rng.chance(0.85) ? p.province : rng.pickWeighted(POPULATION);
  const hometownProvince = rng.chance(0.8) ? birthProvince : (PROVINCE_BY_CODE.get(p.province.mergedInto) ?? p.province);
  const age = yearOf(createdDay) - yearOf(p.birth);
  const dobYearOnly = rng.chance(0.03);
  const south = p.province.region === 'south';
  const religion = p.foreign ? null : rng.pickWeighted(south ? RELIGION_SOUTH : RELIGION_NORTH);
  const postMerger = updatedDay >= PROVINCES_MERGED;
  const biometrics = p.hasBiometrics || createdDay >= day(2026, 7, 1);
  factory.row('person', factory.base(reporting, created, updated, 1 + p.changes), {
    id: p.id,
    national_id: p.nationalId,
    passport_no: p.passportNo,
    full_name: p.fullName,
    other_names: !p.foreign && rng.chance(0.06) ? nickname(rng, p.fullName) : null,
    date_of_birth: dobYearOnly ? `${yearOf(p.birth)}-01-01` : dateStr(p.birth),
    dob_precision: dobYearOnly ? 'YEAR' : 'DAY',
    sex: p.sex,
    place_of_birth: p.foreign
      ? null
      : rng.chance(0.5)
        ? provinceLabel(birthProvince)
        : addressOn(null, rng.pick(rng.pick(placeMap().districtsByProvince.get(birthProvince.code) ?? [p.district]).communes), day(2000, 1, 1)),
    hometown: p.foreign ? null : provinceLabel(hometownProvince),
    permanent_address: permanent,
    temporary_address: temporary,
    current_address: temporary ?? permanent,
    residence_province_code: p.foreign ? null : postMerger ? home.district.province.mergedInto : home.district.province.code,
    residence_commune: p.foreign ? null : communeOn(home, updatedDay),
    nationality: p.nationality,
    ethnicity: p.foreign ? null : p.ethnicity,
    religion,
    occupation: p.isMilitary ? 'Quân nhân' : age < 18 ? 'Học sinh' : rng.pickWeighted(OCCUPATIONS),
    education_level: rng.pickWeighted(EDUCATION),
    father_name: p.foreign || rng.chance(0.1) ? null : parentName(rng, 'M', yearOf(p.birth) - 28, p.province, p.surname || undefined),
    mother_name: p.foreign || rng.chance(0.08) ? null : parentName(rng, 'F', yearOf(p.birth) - 25, p.province),
    spouse_name: !p.foreign && age >= 24 && rng.chance(0.55) ? parentName(rng, p.sex === 'F' ? 'M' : 'F', yearOf(p.birth), p.province) : null,
    is_military: p.isMilitary,
    military_rank: p.militaryRank,
    military_unit_id: p.militaryUnit?.id ?? null,
    photo_ref: rng.chance(0.85) ? `thahs-dms://anh/${p.id}.jpg` : null,
    fingerprint_card_ref: rng.chance(0.8) ? `DB-${yearOf(createdDay)}-${rng.digits(7)}` : null,
    biometric_refs: biometrics
      ? rng.chance(0.4)
        ? { face: `thahs-bio://face/${p.id}`, fingerprint: `thahs-bio://fp/${p.id}`, iris: `thahs-bio://iris/${p.id}` }
        : { face: `thahs-bio://face/${p.id}`, fingerprint: `thahs-bio://fp/${p.id}` }
      : null,
    prior_convictions: p.priorConvictions,
  });
}
