import type { MilitaryRegion } from '../model/codes';

/**
 * Provinces as DOMAIN.md §5 gives them: the 63 pre-2025 provinces with their 3-digit codes (used in ID
 * numbers, which keep them), and the 34 provinces from 1 Jul 2025 (used in addresses after that date).
 * A post-2025 province keeps the code of the pre-2025 province whose name it carries (DOMAIN found no
 * post-merger code table), so `residence_province_code` stays a valid 63-list code either way.
 *
 * Population is the rough 2019 census figure in hundreds of thousands, only used to weight where
 * people live. The military region is the pre-2025 assignment of the province.
 */
export type SurnameRegion = 'north' | 'central' | 'south';

export interface Province {
  code: string;
  name: string;
  /** Centrally-run city before 2025 ("thành phố"), else "tỉnh". */
  city: boolean;
  population: number;
  region: SurnameRegion;
  militaryRegion: MilitaryRegion;
  /** Code of the post-2025 province it belongs to (its own code if it survived). */
  mergedInto: string;
  /** Many ethnic-minority residents (northern uplands, Central Highlands, Khmer delta). */
  minorities?: 'thai' | 'tay' | 'highland' | 'khmer';
}

type Row = [code: string, name: string, city: 0 | 1, pop: number, region: SurnameRegion, mr: MilitaryRegion, into: string, minorities?: Province['minorities']];

const ROWS: Row[] = [
  ['001', 'Hà Nội', 1, 80, 'north', 'BTL_THU_DO', '001'],
  ['002', 'Hà Giang', 0, 8.5, 'north', 'QK2', '008', 'tay'],
  ['004', 'Cao Bằng', 0, 5.3, 'north', 'QK1', '004', 'tay'],
  ['006', 'Bắc Kạn', 0, 3.1, 'north', 'QK1', '019', 'tay'],
  ['008', 'Tuyên Quang', 0, 7.8, 'north', 'QK2', '008', 'tay'],
  ['010', 'Lào Cai', 0, 7.3, 'north', 'QK2', '010', 'tay'],
  ['011', 'Điện Biên', 0, 6, 'north', 'QK2', '011', 'thai'],
  ['012', 'Lai Châu', 0, 4.6, 'north', 'QK2', '012', 'thai'],
  ['014', 'Sơn La', 0, 12.5, 'north', 'QK2', '014', 'thai'],
  ['015', 'Yên Bái', 0, 8.2, 'north', 'QK2', '010', 'tay'],
  ['017', 'Hòa Bình', 0, 8.5, 'north', 'QK3', '025', 'thai'],
  ['019', 'Thái Nguyên', 0, 12.9, 'north', 'QK1', '019'],
  ['020', 'Lạng Sơn', 0, 7.8, 'north', 'QK1', '020', 'tay'],
  ['022', 'Quảng Ninh', 0, 13.2, 'north', 'QK3', '022'],
  ['024', 'Bắc Giang', 0, 18, 'north', 'QK1', '027'],
  ['025', 'Phú Thọ', 0, 14.6, 'north', 'QK2', '025'],
  ['026', 'Vĩnh Phúc', 0, 11.5, 'north', 'QK2', '025'],
  ['027', 'Bắc Ninh', 0, 13.7, 'north', 'QK1', '027'],
  ['030', 'Hải Dương', 0, 18.9, 'north', 'QK3', '031'],
  ['031', 'Hải Phòng', 1, 20.3, 'north', 'QK3', '031'],
  ['033', 'Hưng Yên', 0, 12.5, 'north', 'QK3', '033'],
  ['034', 'Thái Bình', 0, 18.6, 'north', 'QK3', '033'],
  ['035', 'Hà Nam', 0, 8.5, 'north', 'QK3', '037'],
  ['036', 'Nam Định', 0, 17.8, 'north', 'QK3', '037'],
  ['037', 'Ninh Bình', 0, 9.8, 'north', 'QK3', '037'],
  ['038', 'Thanh Hóa', 0, 36.4, 'central', 'QK4', '038'],
  ['040', 'Nghệ An', 0, 33.3, 'central', 'QK4', '040'],
  ['042', 'Hà Tĩnh', 0, 12.9, 'central', 'QK4', '042'],
  ['044', 'Quảng Bình', 0, 9, 'central', 'QK4', '045'],
  ['045', 'Quảng Trị', 0, 6.3, 'central', 'QK4', '045'],
  ['046', 'Thừa Thiên Huế', 0, 11.3, 'central', 'QK4', '046'],
  ['048', 'Đà Nẵng', 1, 11.3, 'south', 'QK5', '048'],
  ['049', 'Quảng Nam', 0, 14.9, 'south', 'QK5', '048'],
  ['051', 'Quảng Ngãi', 0, 12.3, 'south', 'QK5', '051'],
  ['052', 'Bình Định', 0, 14.9, 'south', 'QK5', '064'],
  ['054', 'Phú Yên', 0, 8.7, 'south', 'QK5', '066'],
  ['056', 'Khánh Hòa', 0, 12.3, 'south', 'QK5', '056'],
  ['058', 'Ninh Thuận', 0, 5.9, 'south', 'QK5', '056'],
  ['060', 'Bình Thuận', 0, 12.3, 'south', 'QK7', '068'],
  ['062', 'Kon Tum', 0, 5.4, 'south', 'QK5', '051', 'highland'],
  ['064', 'Gia Lai', 0, 15.1, 'south', 'QK5', '064', 'highland'],
  ['066', 'Đắk Lắk', 0, 18.7, 'south', 'QK5', '066', 'highland'],
  ['067', 'Đắk Nông', 0, 6.2, 'south', 'QK5', '068', 'highland'],
  ['068', 'Lâm Đồng', 0, 13, 'south', 'QK7', '068'],
  ['070', 'Bình Phước', 0, 10, 'south', 'QK7', '075'],
  ['072', 'Tây Ninh', 0, 11.7, 'south', 'QK7', '072'],
  ['074', 'Bình Dương', 0, 24.3, 'south', 'QK7', '079'],
  ['075', 'Đồng Nai', 0, 31, 'south', 'QK7', '075'],
  ['077', 'Bà Rịa – Vũng Tàu', 0, 11.5, 'south', 'QK7', '079'],
  ['079', 'Hồ Chí Minh', 1, 90, 'south', 'QK7', '079'],
  ['080', 'Long An', 0, 17, 'south', 'QK7', '072'],
  ['082', 'Tiền Giang', 0, 17.6, 'south', 'QK9', '087'],
  ['083', 'Bến Tre', 0, 12.9, 'south', 'QK9', '086'],
  ['084', 'Trà Vinh', 0, 10, 'south', 'QK9', '086', 'khmer'],
  ['086', 'Vĩnh Long', 0, 10.2, 'south', 'QK9', '086'],
  ['087', 'Đồng Tháp', 0, 15.9, 'south', 'QK9', '087'],
  ['089', 'An Giang', 0, 19.1, 'south', 'QK9', '089'],
  ['091', 'Kiên Giang', 0, 17.2, 'south', 'QK9', '089'],
  ['092', 'Cần Thơ', 1, 12.4, 'south', 'QK9', '092'],
  ['093', 'Hậu Giang', 0, 7.3, 'south', 'QK9', '092'],
  ['094', 'Sóc Trăng', 0, 12, 'south', 'QK9', '092', 'khmer'],
  ['095', 'Bạc Liêu', 0, 9.1, 'south', 'QK9', '096'],
  ['096', 'Cà Mau', 0, 11.9, 'south', 'QK9', '096'],
];

export const PROVINCES: readonly Province[] = ROWS.map(([code, name, city, population, region, militaryRegion, mergedInto, minorities]) => ({
  code,
  name,
  city: city === 1,
  population,
  region,
  militaryRegion,
  mergedInto,
  ...(minorities ? { minorities } : {}),
}));

export const PROVINCE_BY_CODE: ReadonlyMap<string, Province> = new Map(PROVINCES.map((p) => [p.code, p]));

export interface NewProvince {
  /** The pre-2025 code it keeps (see the file comment). */
  code: string;
  name: string;
  city: boolean;
  population: number;
  members: readonly string[];
  militaryRegion: MilitaryRegion;
}

/** Names of the 34 provinces from 1 Jul 2025 where they differ from the surviving province's. */
const NEW_NAMES: Readonly<Record<string, string>> = { '046': 'Huế' };
const NEW_CITIES = new Set(['001', '046', '031', '048', '079', '092']);

export const NEW_PROVINCES: readonly NewProvince[] = PROVINCES.filter((p) => p.mergedInto === p.code).map((p) => {
  const members = PROVINCES.filter((m) => m.mergedInto === p.code);
  return {
    code: p.code,
    name: NEW_NAMES[p.code] ?? p.name,
    city: NEW_CITIES.has(p.code),
    population: members.reduce((s, m) => s + m.population, 0),
    members: members.map((m) => m.code),
    militaryRegion: p.militaryRegion,
  };
});

export const NEW_PROVINCE_BY_CODE: ReadonlyMap<string, NewProvince> = new Map(NEW_PROVINCES.map((p) => [p.code, p]));

/** "tỉnh Nghệ An", "thành phố Hà Nội" (pre-2025 name). */
export function provinceLabel(p: Province): string {
  return `${p.city ? 'thành phố' : 'tỉnh'} ${p.name}`;
}

export function newProvinceLabel(p: NewProvince): string {
  return `${p.city ? 'thành phố' : 'tỉnh'} ${p.name}`;
}

/** Military regions with ground forces (no navy) and their display names. */
export const MILITARY_REGIONS: readonly { code: MilitaryRegion; name: string; short: string }[] = [
  { code: 'QK1', name: 'Quân khu 1', short: 'QK1' },
  { code: 'QK2', name: 'Quân khu 2', short: 'QK2' },
  { code: 'QK3', name: 'Quân khu 3', short: 'QK3' },
  { code: 'QK4', name: 'Quân khu 4', short: 'QK4' },
  { code: 'QK5', name: 'Quân khu 5', short: 'QK5' },
  { code: 'QK7', name: 'Quân khu 7', short: 'QK7' },
  { code: 'QK9', name: 'Quân khu 9', short: 'QK9' },
  { code: 'BTL_THU_DO', name: 'Bộ Tư lệnh Thủ đô Hà Nội', short: 'BTLTD' },
];
