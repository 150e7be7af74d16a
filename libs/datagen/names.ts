import type { Sex } from '../model/codes';
import type { Province } from './geography';
import { Prng, weighted, type WeightedTable } from './prng';

/**
 * Vietnamese personal names following DOMAIN.md §5: `họ + chữ đệm + tên`, surname frequencies from
 * the national survey (Hoàng/Huỳnh and Vũ/Võ split by region), middle names by sex with Văn/Thị
 * fading for younger people, and a few ethnic-minority naming patterns where those groups live.
 */
export interface GeneratedName {
  surname: string;
  fullName: string;
  ethnicity: string;
}

type Entry = readonly [string, number];

const CORE_SURNAMES: readonly Entry[] = [
  ['Nguyễn', 38.4],
  ['Trần', 12.1],
  ['Lê', 9.5],
  ['Phạm', 7.0],
  ['@HOANG', 5.1],
  ['Phan', 4.5],
  ['@VU', 3.9],
  ['Đặng', 2.1],
  ['Bùi', 2.0],
  ['Đỗ', 1.4],
  ['Hồ', 1.3],
  ['Ngô', 1.3],
  ['Dương', 1.0],
  ['Lý', 0.5],
  ['Trương', 1.3],
  ['Đinh', 1.2],
  ['Trịnh', 1.0],
  ['Mai', 0.9],
  ['Hà', 0.9],
  ['Đoàn', 0.9],
  ['Lương', 0.8],
  ['Cao', 0.7],
  ['Đào', 0.7],
  ['Tô', 0.4],
  ['Lưu', 0.4],
  ['Tạ', 0.3],
  ['Quách', 0.3],
  ['Châu', 0.3],
  ['Lâm', 0.3],
];
const SURNAMES = weighted(CORE_SURNAMES);

const REGION_SPLIT: Readonly<Record<Province['region'], { hoang: number; vu: number }>> = {
  north: { hoang: 0.97, vu: 0.95 },
  central: { hoang: 0.6, vu: 0.35 },
  south: { hoang: 0.2, vu: 0.15 },
};

const MALE_MIDDLE_OLD: readonly Entry[] = [
  ['Văn', 60],
  ['Đức', 7],
  ['Minh', 5],
  ['Hữu', 6],
  ['Quang', 5],
  ['Công', 5],
  ['Thanh', 4],
  ['Xuân', 4],
  ['Đình', 4],
  ['Ngọc', 2],
  ['Trọng', 2],
  ['Quốc', 2],
];
const MALE_MIDDLE_YOUNG: readonly Entry[] = [
  ['Văn', 25],
  ['Đức', 10],
  ['Minh', 12],
  ['Hữu', 6],
  ['Quang', 8],
  ['Công', 6],
  ['Thanh', 6],
  ['Xuân', 3],
  ['Đình', 4],
  ['Ngọc', 4],
  ['Trọng', 4],
  ['Quốc', 6],
  ['Hoàng', 4],
  ['Anh', 4],
  ['Tuấn', 2],
];
const FEMALE_MIDDLE_OLD: readonly Entry[] = [
  ['Thị', 75],
  ['Ngọc', 5],
  ['Thu', 4],
  ['Thanh', 4],
  ['Hồng', 4],
  ['Phương', 2],
  ['Kim', 4],
  ['Bích', 2],
];
const FEMALE_MIDDLE_YOUNG: readonly Entry[] = [
  ['Thị', 35],
  ['Ngọc', 10],
  ['Thu', 7],
  ['Thanh', 6],
  ['Hồng', 6],
  ['Phương', 7],
  ['Kim', 6],
  ['Mỹ', 5],
  ['Bích', 3],
  ['Thúy', 3],
  ['Minh', 4],
  ['Khánh', 3],
  ['Bảo', 3],
];
const MALE_MIDDLE = { old: weighted(MALE_MIDDLE_OLD), young: weighted(MALE_MIDDLE_YOUNG) };
const FEMALE_MIDDLE = { old: weighted(FEMALE_MIDDLE_OLD), young: weighted(FEMALE_MIDDLE_YOUNG) };
const FEMALE_SECOND_MIDDLE = ['Thu', 'Ngọc', 'Hồng', 'Thanh', 'Kim', 'Phương', 'Minh'];

const MALE_GIVEN = weighted<string>([
  ...['Hùng', 'Dũng', 'Tuấn', 'Minh', 'Nam', 'Hải', 'Long', 'Sơn', 'Thắng', 'Cường', 'Huy', 'Phong', 'Quân', 'Trung', 'Tùng', 'Hiếu', 'Đạt'].map((n) => [n, 4] as const),
  ...['Anh', 'Bình', 'Duy', 'Hoàng', 'Khánh', 'Lâm', 'Lộc', 'Nghĩa', 'Phúc', 'Tài', 'Thành', 'Thịnh', 'Toàn', 'Việt', 'Vinh', 'Hòa', 'Khoa', 'Tiến', 'Chiến', 'Quang'].map(
    (n) => [n, 1.5] as const,
  ),
]);
const FEMALE_GIVEN = weighted<string>([
  ...['Lan', 'Hương', 'Hoa', 'Mai', 'Linh', 'Trang', 'Thảo', 'Hà', 'Nga', 'Huyền', 'Phương', 'Yến', 'Hằng', 'Thủy', 'Dung'].map((n) => [n, 4] as const),
  ...['Anh', 'Châu', 'Giang', 'Hạnh', 'Loan', 'Ngân', 'Nhung', 'Oanh', 'Quyên', 'Tâm', 'Vân', 'Xuân', 'Liên', 'Tuyết', 'Hiền'].map((n) => [n, 1.5] as const),
]);

const NICKNAMES = ['Tý', 'Tèo', 'Cu', 'Bin', 'Bo', 'Tí', 'Tũn', 'Bi', 'Út', 'Hai', 'Ba', 'Tư', 'Năm', 'Sáu', 'Bảy', 'Tám', 'Chín', 'Mười'];
const EPITHETS = ['Đen', 'Còi', 'Béo', 'Sẹo', 'Lùn', 'Trọc', 'Xoăn', 'Bò', 'Khỉ', 'Điên'];

/** Minority groups: ethnicity label, surnames, given names, and how the name is built. */
interface MinorityGroup {
  ethnicity: WeightedTable<string>;
  surnames: readonly string[];
  given?: readonly string[];
  pattern: 'kinh-like' | 'ede' | 'jrai';
}
const MINORITIES: Readonly<Record<NonNullable<Province['minorities']>, MinorityGroup>> = {
  thai: {
    ethnicity: weighted([
      ['Thái', 70],
      ['Mường', 20],
      ["H'Mông", 10],
    ]),
    surnames: ['Lò', 'Lường', 'Cầm', 'Quàng', 'Lù', 'Tòng', 'Vì', 'Hà', 'Bùi', 'Giàng'],
    pattern: 'kinh-like',
  },
  tay: {
    ethnicity: weighted([
      ['Tày', 50],
      ['Nùng', 25],
      ["H'Mông", 15],
      ['Dao', 10],
    ]),
    surnames: ['Nông', 'Hoàng', 'Vi', 'Lục', 'Ma', 'Lăng', 'Triệu', 'Giàng', 'Vàng', 'Sùng', 'Thào', 'Lý'],
    pattern: 'kinh-like',
  },
  highland: {
    ethnicity: weighted([
      ['Ê Đê', 40],
      ['Gia Rai', 45],
      ['Ba Na', 15],
    ]),
    surnames: ['Niê', 'Mlô', 'Êban', 'Ayun', 'Kpă', 'Ksor', 'Rơ Mah', 'Siu', 'Rah Lan', 'Nay'],
    given: ['Phôn', 'Bhin', 'Đen', 'Sun', 'Blang', 'Thuột', 'Hơn', 'Nhi', 'Lân', 'Bim', 'Hoan', 'Djuin', 'Khuê', 'Wing'],
    pattern: 'ede',
  },
  khmer: {
    ethnicity: weighted([['Khmer', 100]]),
    surnames: ['Thạch', 'Sơn', 'Danh', 'Kim', 'Lâm', 'Châu', 'Huỳnh'],
    given: ['Sóc', 'Phol', 'Tha', 'Sến', 'Ny', 'Ra', 'Sal', 'Sang', 'Đa Ra', 'Sa Rươne', 'Mến', 'Út', 'Sô Phal'],
    pattern: 'kinh-like',
  },
};

function middleTable(sex: Sex, birthYear: number): WeightedTable<string> {
  const young = birthYear >= 1988;
  if (sex === 'F') return young ? FEMALE_MIDDLE.young : FEMALE_MIDDLE.old;
  return young ? MALE_MIDDLE.young : MALE_MIDDLE.old;
}

function kinhSurname(rng: Prng, province: Province): string {
  const s = rng.pickWeighted(SURNAMES);
  const split = REGION_SPLIT[province.region];
  if (s === '@HOANG') return rng.chance(split.hoang) ? 'Hoàng' : 'Huỳnh';
  if (s === '@VU') return rng.chance(split.vu) ? 'Vũ' : 'Võ';
  return s;
}

/** A given name plus middle name for `sex` that does not repeat itself ("Minh Minh"). */
function middleAndGiven(rng: Prng, sex: Sex, birthYear: number): string {
  const female = sex === 'F';
  const given = rng.pickWeighted(female ? FEMALE_GIVEN : MALE_GIVEN);
  let middle = rng.pickWeighted(middleTable(sex, birthYear));
  for (let i = 0; i < 4 && middle === given; i++) middle = rng.pickWeighted(middleTable(sex, birthYear));
  if (female && middle === 'Thị' && rng.chance(0.1)) {
    const second = rng.pick(FEMALE_SECOND_MIDDLE);
    if (second !== given) middle = `Thị ${second}`;
  }
  return middle === given ? given : `${middle} ${given}`;
}

/** A person's name; `minorityShare` is the chance they belong to the province's minority groups. */
export function personName(rng: Prng, sex: Sex, birthYear: number, province: Province, minorityShare = 0.45): GeneratedName {
  const group = province.minorities ? MINORITIES[province.minorities] : undefined;
  if (group && rng.chance(minorityShare)) {
    const ethnicity = rng.pickWeighted(group.ethnicity);
    const surname = rng.pick(group.surnames);
    if (group.pattern === 'ede') {
      const given = rng.pick(group.given ?? []);
      const prefix = sex === 'F' ? "H'" : 'Y ';
      const fullName = ethnicity === 'Ê Đê' ? `${prefix}${given} ${surname}` : `${surname} ${sex === 'F' ? "H'" : ''}${given}`;
      return { surname, fullName, ethnicity };
    }
    if (group.given && rng.chance(0.6)) return { surname, fullName: `${surname} ${rng.pick(group.given)}`, ethnicity };
    return { surname, fullName: `${surname} ${middleAndGiven(rng, sex, birthYear)}`, ethnicity };
  }
  const surname = kinhSurname(rng, province);
  return { surname, fullName: `${surname} ${middleAndGiven(rng, sex, birthYear)}`, ethnicity: 'Kinh' };
}

/** A parent's name sharing (father) or not (mother) the person's surname. */
export function parentName(rng: Prng, sex: Sex, birthYear: number, province: Province, surname?: string): string {
  const s = surname ?? kinhSurname(rng, province);
  return `${s} ${middleAndGiven(rng, sex, birthYear)}`;
}

/** "Tý", "Hùng Đen": what judgments list as tên gọi khác. */
export function nickname(rng: Prng, fullName: string): string {
  if (rng.chance(0.5)) return rng.pick(NICKNAMES);
  const given = fullName.slice(fullName.lastIndexOf(' ') + 1);
  return `${given} ${rng.pick(EPITHETS)}`;
}

export interface ForeignIdentity {
  nationality: string;
  fullName: string;
  passportNo: string;
}

const FOREIGN: readonly { iso: string; weight: number; surnames: string[]; given: string[]; passport: (r: Prng) => string; surnameFirst: boolean }[] = [
  {
    iso: 'CN',
    weight: 40,
    surnames: ['WANG', 'LI', 'ZHANG', 'LIU', 'CHEN', 'YANG', 'HUANG', 'ZHAO', 'WU', 'ZHOU'],
    given: ['WEI', 'FANG', 'JUN', 'LEI', 'MING', 'QIANG', 'YONG', 'JIE', 'HAO', 'XIN'],
    passport: (r) => `E${r.digits(8)}`,
    surnameFirst: true,
  },
  {
    iso: 'LA',
    weight: 15,
    surnames: ['PHOMMAVONG', 'SISOMPHONE', 'KEOMANY', 'VONGSA', 'INTHAVONG'],
    given: ['SOMSAK', 'KHAMPHONE', 'BOUNMY', 'SOUKSAVANH', 'THONGSAVATH'],
    passport: (r) => `P${r.digits(7)}`,
    surnameFirst: false,
  },
  {
    iso: 'KH',
    weight: 15,
    surnames: ['SOK', 'CHEA', 'KIM', 'NGUON', 'HENG', 'PHAN'],
    given: ['DARA', 'SOPHAL', 'VANNA', 'RITHY', 'SOKHA'],
    passport: (r) => `N${r.digits(7)}`,
    surnameFirst: true,
  },
  {
    iso: 'KR',
    weight: 8,
    surnames: ['KIM', 'LEE', 'PARK', 'CHOI', 'JUNG'],
    given: ['MIN JUN', 'JI HOON', 'SEO YEON', 'HYUN WOO', 'DONG HYUN'],
    passport: (r) => `M${r.digits(8)}`,
    surnameFirst: true,
  },
  { iso: 'TW', weight: 5, surnames: ['CHEN', 'LIN', 'HUANG', 'CHANG'], given: ['CHIH MING', 'WEN HSIUNG', 'CHIA HAO'], passport: (r) => `3${r.digits(8)}`, surnameFirst: true },
  {
    iso: 'NG',
    weight: 7,
    surnames: ['OKAFOR', 'NWOSU', 'ADEYEMI', 'OKONKWO'],
    given: ['CHUKWUEMEKA', 'EMEKA', 'OLUWASEUN', 'IFEANYI'],
    passport: (r) => `A${r.digits(8)}`,
    surnameFirst: false,
  },
  { iso: 'TH', weight: 4, surnames: ['SRISUK', 'CHAIYAPHUM', 'WONGSAWAT'], given: ['SOMCHAI', 'ANAN', 'PRASERT'], passport: (r) => `AA${r.digits(7)}`, surnameFirst: false },
  { iso: 'US', weight: 3, surnames: ['SMITH', 'JOHNSON', 'NGUYEN', 'BROWN'], given: ['JOHN', 'MICHAEL', 'DAVID', 'KEVIN'], passport: (r) => r.digits(9), surnameFirst: false },
];
const FOREIGN_TABLE = weighted(FOREIGN.map((f) => [f, f.weight] as const));

export function foreignIdentity(rng: Prng): ForeignIdentity {
  const f = rng.pickWeighted(FOREIGN_TABLE);
  const s = rng.pick(f.surnames);
  const g = rng.pick(f.given);
  return { nationality: f.iso, fullName: f.surnameFirst ? `${s} ${g}` : `${g} ${s}`, passportNo: f.passport(rng) };
}
