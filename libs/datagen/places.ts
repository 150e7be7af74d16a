import { NEW_PROVINCES, PROVINCES, type NewProvince, type Province } from './geography';
import { hashString, Prng } from './prng';

/**
 * The synthetic administrative map below province level: districts and communes before 1 Jul 2025,
 * communes of the 34 new provinces after it (no district level any more), and which new commune each
 * old one became. Names come from a pool of common Sino-Vietnamese place names, so they read like
 * real ones without claiming to be a real commune's name. The map is fixed (it does not depend on
 * the seed): every run and both ministries see the same places.
 */
const PLACE_NAMES = [
  'An Bình',
  'An Hòa',
  'An Khánh',
  'An Lạc',
  'An Phú',
  'An Thạnh',
  'Bình An',
  'Bình Minh',
  'Bình Thạnh',
  'Bình Hòa',
  'Cẩm Giang',
  'Đại Đồng',
  'Đông Hòa',
  'Đông Sơn',
  'Đức Hòa',
  'Gia Lộc',
  'Hòa An',
  'Hòa Bình',
  'Hòa Lợi',
  'Hòa Thành',
  'Hưng Đạo',
  'Hưng Long',
  'Hương Sơn',
  'Kim Sơn',
  'Lạc Sơn',
  'Long Hòa',
  'Long Hưng',
  'Long Phú',
  'Minh Đức',
  'Minh Tân',
  'Nam Sơn',
  'Nghĩa Hưng',
  'Ngọc Lâm',
  'Phú Hòa',
  'Phú Lộc',
  'Phú Mỹ',
  'Phú Thạnh',
  'Phúc Thành',
  'Phước Long',
  'Quang Trung',
  'Quảng Phú',
  'Tam Hiệp',
  'Tân An',
  'Tân Bình',
  'Tân Hiệp',
  'Tân Hòa',
  'Tân Lập',
  'Tân Phú',
  'Tân Thành',
  'Thạch Bàn',
  'Thanh Bình',
  'Thanh Xuân',
  'Thuận An',
  'Thuận Thành',
  'Tiên Du',
  'Trung Hòa',
  'Trường Sơn',
  'Vạn Ninh',
  'Vĩnh An',
  'Vĩnh Hòa',
  'Vĩnh Phúc',
  'Xuân Hòa',
  'Xuân Lộc',
  'Yên Bình',
  'Yên Định',
  'Yên Lạc',
  'Yên Thành',
  'Cát Tiên',
  'Định Hóa',
  'Đồng Xuân',
  'Hải Hậu',
  'Hoài Đức',
  'Kiến Xương',
  'Lương Sơn',
  'Mỹ Đức',
  'Nghi Lộc',
  'Ninh Hòa',
  'Quỳnh Lưu',
  'Sơn Tịnh',
  'Tam Nông',
  'Thạnh Phú',
  'Tịnh Biên',
  'Triệu Phong',
  'Tuy Phước',
  'Vũ Thư',
  'Ý Yên',
  'Chợ Mới',
  'Châu Thành',
  'Long Điền',
  'Đức Linh',
  'Hàm Tân',
  'Mỹ Hòa',
  'Tân Thạnh',
  'Hiệp Hòa',
  'Phong Điền',
  'Quế Sơn',
  'Cam Lộ',
  'Đại Lộc',
  'Hương Khê',
  'Thạch Hà',
  'Can Lộc',
  'Diễn Châu',
  'Nghĩa Đàn',
];
const STREETS = [
  'Lê Lợi',
  'Trần Hưng Đạo',
  'Nguyễn Huệ',
  'Hai Bà Trưng',
  'Quang Trung',
  'Lý Thường Kiệt',
  'Nguyễn Trãi',
  'Hùng Vương',
  'Phan Chu Trinh',
  'Điện Biên Phủ',
  'Lê Duẩn',
  'Trần Phú',
  'Nguyễn Văn Cừ',
  'Lạc Long Quân',
  'Võ Thị Sáu',
];

export interface District {
  key: string;
  province: Province;
  kind: 'huyện' | 'quận' | 'thị xã' | 'thành phố';
  name: string;
  communes: OldCommune[];
}

export interface OldCommune {
  key: string;
  district: District;
  kind: 'xã' | 'phường' | 'thị trấn';
  name: string;
  /** The post-2025 commune it became part of. */
  successor: NewCommune;
}

export interface NewCommune {
  key: string;
  province: NewProvince;
  kind: 'xã' | 'phường' | 'đặc khu';
  name: string;
}

export interface PlaceMap {
  districts: readonly District[];
  districtsByProvince: ReadonlyMap<string, readonly District[]>;
  oldCommunes: readonly OldCommune[];
  newCommunes: readonly NewCommune[];
  newCommunesByProvince: ReadonlyMap<string, readonly NewCommune[]>;
}

function distinctNames(rng: Prng, count: number): string[] {
  const out = new Set<string>();
  while (out.size < Math.min(count, PLACE_NAMES.length)) out.add(rng.pick(PLACE_NAMES));
  return [...out];
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

let cached: PlaceMap | undefined;

export function placeMap(): PlaceMap {
  if (cached) return cached;
  const newCommunesByProvince = new Map<string, NewCommune[]>();
  for (const np of NEW_PROVINCES) {
    const rng = new Prng(hashString(`new-communes:${np.code}`));
    const n = clamp(Math.round(np.population / 2), 8, 60);
    const names = distinctNames(rng, n);
    newCommunesByProvince.set(
      np.code,
      names.map((name, i) => ({ key: `${np.code}-${String(i + 1).padStart(2, '0')}`, province: np, kind: np.city || rng.chance(0.25) ? 'phường' : 'xã', name })),
    );
  }
  const districts: District[] = [];
  const districtsByProvince = new Map<string, District[]>();
  const oldCommunes: OldCommune[] = [];
  for (const p of PROVINCES) {
    const rng = new Prng(hashString(`districts:${p.code}`));
    const n = clamp(Math.round(p.population / 3), 3, 12);
    const names = distinctNames(rng, n);
    const successors = newCommunesByProvince.get(p.mergedInto) ?? [];
    const list: District[] = names.map((name, i) => {
      const kind: District['kind'] = p.city ? (i < n / 2 ? 'quận' : 'huyện') : i === 0 ? 'thành phố' : rng.chance(0.15) ? 'thị xã' : 'huyện';
      const d: District = { key: `${p.code}-${String(i + 1).padStart(2, '0')}`, province: p, kind, name, communes: [] };
      const communeNames = distinctNames(rng, 6);
      d.communes = communeNames.map((cn, j) => {
        const key = `${d.key}-${j + 1}`;
        const urban = kind === 'quận' || kind === 'thành phố' || kind === 'thị xã';
        const successor = successors[hashString(key) % successors.length] as NewCommune;
        return { key, district: d, kind: urban ? 'phường' : j === 0 ? 'thị trấn' : 'xã', name: cn, successor };
      });
      oldCommunes.push(...d.communes);
      return d;
    });
    districts.push(...list);
    districtsByProvince.set(p.code, list);
  }
  cached = {
    districts,
    districtsByProvince,
    oldCommunes,
    newCommunes: [...newCommunesByProvince.values()].flat(),
    newCommunesByProvince,
  };
  return cached;
}

/** "xã Tân Phú" */
export function communeLabel(c: OldCommune | NewCommune): string {
  return `${c.kind} ${c.name}`;
}

/** The part of an address below commune level: a house on a street in towns, a hamlet elsewhere. */
export function addressLine(rng: Prng, urban: boolean, south: boolean): string {
  if (urban) return rng.chance(0.6) ? `Số ${rng.range(1, 320)} đường ${rng.pick(STREETS)}` : `Tổ ${rng.range(1, 45)}`;
  if (south) return `Ấp ${rng.chance(0.5) ? rng.range(1, 9) : rng.pick(PLACE_NAMES)}`;
  return rng.chance(0.5) ? `Thôn ${rng.range(1, 15)}` : `Xóm ${rng.range(1, 20)}`;
}
