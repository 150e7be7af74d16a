import { createHash } from 'crypto';
import type { CourtKind, MilitaryRegion, MinistryCode, UnitKind } from '../model/codes';
import { at, day, dateStr, tsStr, type Day } from './calendar';
import { MILITARY_REGIONS, NEW_PROVINCES, PROVINCES, provinceLabel, newProvinceLabel, PROVINCE_BY_CODE, NEW_PROVINCE_BY_CODE, type Province } from './geography';
import { communeLabel, placeMap } from './places';
import type { TableRow } from './tableRow';

/**
 * The fixed reference data of each ministry: agencies, facilities, supervising bodies (org_unit) and
 * courts, with lookups the person generator uses. It does not depend on the seed. Ids are derived
 * from the ministry and the natural key, so every run (and a re-run against a seeded database)
 * agrees on them; an id already in the database for that key wins.
 *
 * Real names where DOMAIN.md §5 gives them (C10 prisons, court naming); synthetic, clearly patterned
 * names elsewhere (MND facilities, military units, districts and communes).
 */
export type Zone = 'north' | 'central' | 'south';

export interface UnitRef {
  id: string;
  code: string;
  kind: UnitKind;
  name: string;
  provinceCode: string | null;
  region: MilitaryRegion | null;
  validFrom: Day;
  validTo: Day | null;
}

export interface Facility extends UnitRef {
  zone: Zone;
  weight: number;
}

export interface CourtRef {
  id: string;
  code: string;
  kind: CourtKind;
  name: string;
  provinceCode: string | null;
  region: MilitaryRegion | null;
  validTo: Day | null;
}

export interface ReferenceData {
  ministry: MinistryCode;
  orgUnits: TableRow<'org_unit'>[];
  courts: TableRow<'court'>[];
  management: UnitRef;
  prisons: Facility[];
  reformatories: UnitRef[];
  treatmentFacilities: UnitRef[];
  /** cand: provincial police THAHS agency by pre-2025 province code. */
  provincePolice: Map<string, UnitRef>;
  /** Detention camp by pre-2025 province code (cand) or military region (qdnd). */
  detentionCamps: Map<string, UnitRef>;
  districtPolice: Map<string, UnitRef>;
  /** UBND of each pre-2025 commune, by commune key. */
  oldCommuneCouncils: Map<string, UnitRef>;
  /** UBND and commune police of each post-2025 commune, by commune key. */
  newCommuneCouncils: Map<string, UnitRef>;
  newCommunePolice: Map<string, UnitRef>;
  supremeCourt: CourtRef | null;
  highCourts: Map<Zone, CourtRef>;
  provincialCourts: Map<string, CourtRef>;
  districtCourts: Map<string, CourtRef>;
  regionalCourts: Map<string, CourtRef[]>;
  /** qdnd: region THAHS agency, prisons, military units and provincial commands. */
  regionAgencies: Map<MilitaryRegion, UnitRef>;
  militaryUnits: Map<MilitaryRegion, UnitRef[]>;
  provincialCommands: Map<string, UnitRef>;
  militaryCentralCourt: CourtRef | null;
  militaryRegionCourts: Map<MilitaryRegion, CourtRef>;
  militaryAreaCourts: Map<MilitaryRegion, CourtRef[]>;
  /** Every unit above, by id. */
  unitsById: Map<string, UnitRef>;
}

const DECREE_59_IN_FORCE = day(2020, 6, 5);
export const DISTRICT_POLICE_ABOLISHED = day(2025, 3, 1);
export const PROVINCES_MERGED = day(2025, 7, 1);
export const COMMUNE_POLICE_ENFORCE = day(2026, 7, 1);
const LONG_AGO = day(2008, 1, 1);

export function zoneOf(region: MilitaryRegion | null | undefined): Zone {
  switch (region) {
    case 'QK4':
    case 'QK5':
      return 'central';
    case 'QK7':
    case 'QK9':
      return 'south';
    default:
      return 'north';
  }
}

/** A UUID (v5 layout) from the ministry and a natural key. */
export function stableUuid(ministry: MinistryCode, table: string, key: string): string {
  const h = createHash('sha1').update(`thahs:${ministry}:${table}:${key}`).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

interface PrisonSpec {
  name: string;
  province: string;
  weight: number;
}
/** MPS prisons named in DOMAIN.md §5 and other well-known C10 prisons; weight ~ relative size. */
const MPS_PRISONS: readonly PrisonSpec[] = [
  { name: 'Trại giam Thủ Đức', province: '060', weight: 8 },
  { name: 'Trại giam Xuân Lộc', province: '075', weight: 6 },
  { name: 'Trại giam Thanh Xuân', province: '001', weight: 3 },
  { name: 'Trại giam Suối Hai', province: '001', weight: 2 },
  { name: 'Trại giam Gia Trung', province: '064', weight: 4 },
  { name: 'Trại giam Vĩnh Quang', province: '026', weight: 3 },
  { name: 'Trại giam Đồng Sơn', province: '044', weight: 3 },
  { name: 'Trại giam Thanh Lâm', province: '038', weight: 3 },
  { name: 'Trại giam Hoàng Tiến', province: '030', weight: 3 },
  { name: 'Trại giam Tống Lê Chân', province: '070', weight: 3 },
  { name: 'Trại giam Xuyên Mộc', province: '077', weight: 3 },
  { name: 'Trại giam Ba Sao', province: '035', weight: 4 },
  { name: 'Trại giam Nam Hà', province: '035', weight: 4 },
  { name: 'Trại giam Phú Sơn 4', province: '019', weight: 3 },
  { name: 'Trại giam Thanh Phong', province: '038', weight: 3 },
  { name: 'Trại giam An Phước', province: '074', weight: 4 },
  { name: 'Trại giam Bình Điền', province: '046', weight: 3 },
  { name: 'Trại giam Tân Lập', province: '025', weight: 3 },
  { name: 'Trại giam Ngọc Lý', province: '024', weight: 3 },
  { name: 'Trại giam Kênh 5', province: '080', weight: 3 },
  { name: 'Trại giam Cái Tàu', province: '096', weight: 3 },
];

function emptyReference(ministry: MinistryCode, management: UnitRef): ReferenceData {
  return {
    ministry,
    orgUnits: [],
    courts: [],
    management,
    prisons: [],
    reformatories: [],
    treatmentFacilities: [],
    provincePolice: new Map(),
    detentionCamps: new Map(),
    districtPolice: new Map(),
    oldCommuneCouncils: new Map(),
    newCommuneCouncils: new Map(),
    newCommunePolice: new Map(),
    supremeCourt: null,
    highCourts: new Map(),
    provincialCourts: new Map(),
    districtCourts: new Map(),
    regionalCourts: new Map(),
    regionAgencies: new Map(),
    militaryUnits: new Map(),
    provincialCommands: new Map(),
    militaryCentralCourt: null,
    militaryRegionCourts: new Map(),
    militaryAreaCourts: new Map(),
    unitsById: new Map(),
  };
}

interface UnitInput {
  code: string;
  name: string;
  kind: UnitKind;
  parent?: UnitRef | null;
  province?: string | null;
  region?: MilitaryRegion | null;
  validFrom?: Day;
  validTo?: Day | null;
}

interface CourtInput {
  code: string;
  name: string;
  kind: CourtKind;
  province?: string | null;
  region?: MilitaryRegion | null;
  validTo?: Day | null;
}

class Builder {
  readonly ref: ReferenceData;
  constructor(
    readonly ministry: MinistryCode,
    private readonly existingUnitIds: ReadonlyMap<string, string>,
    private readonly existingCourtIds: ReadonlyMap<string, string>,
    management: UnitInput,
  ) {
    const placeholder: UnitRef = { id: '', code: '', kind: 'UNKNOWN', name: '', provinceCode: null, region: null, validFrom: LONG_AGO, validTo: null };
    this.ref = emptyReference(ministry, placeholder);
    this.ref.management = this.unit(management, null);
  }

  unit(u: UnitInput, reporting: UnitRef | null = this.ref.management): UnitRef {
    const id = this.existingUnitIds.get(u.code) ?? stableUuid(this.ministry, 'org_unit', u.code);
    const validFrom = u.validFrom ?? LONG_AGO;
    const validTo = u.validTo ?? null;
    const created = Math.max(validFrom, DECREE_59_IN_FORCE);
    const createdAt = tsStr(at(created, 8 * 60));
    this.ref.orgUnits.push({
      id,
      ministry: this.ministry,
      reporting_unit_id: reporting?.id ?? null,
      unit_code: u.code,
      name: u.name,
      unit_kind: u.kind,
      parent_unit_id: u.parent?.id ?? null,
      province_code: u.province ?? null,
      military_region: u.region ?? null,
      valid_from: dateStr(validFrom),
      valid_to: validTo === null ? null : dateStr(validTo),
      created_at: createdAt,
      updated_at: validTo === null || validTo < created ? createdAt : tsStr(at(validTo, 17 * 60)),
      row_version: validTo === null || validTo < created ? 1 : 2,
    });
    const ref: UnitRef = { id, code: u.code, kind: u.kind, name: u.name, provinceCode: u.province ?? null, region: u.region ?? null, validFrom, validTo };
    this.ref.unitsById.set(id, ref);
    return ref;
  }

  court(c: CourtInput): CourtRef {
    const id = this.existingCourtIds.get(c.code) ?? stableUuid(this.ministry, 'court', c.code);
    const createdAt = tsStr(at(DECREE_59_IN_FORCE, 8 * 60));
    const validTo = c.validTo ?? null;
    this.ref.courts.push({
      id,
      ministry: this.ministry,
      reporting_unit_id: this.ref.management.id,
      court_code: c.code,
      name: c.name,
      court_kind: c.kind,
      province_code: c.province ?? null,
      military_region: c.region ?? null,
      valid_to: validTo === null ? null : dateStr(validTo),
      created_at: createdAt,
      updated_at: validTo === null ? createdAt : tsStr(at(validTo, 17 * 60)),
      row_version: validTo === null ? 1 : 2,
    });
    return { id, code: c.code, kind: c.kind, name: c.name, provinceCode: c.province ?? null, region: c.region ?? null, validTo };
  }
}

/** Pre-2025 label, or the new province's for provinces that survived the merger. */
function currentProvinceLabel(p: Province): string {
  const np = NEW_PROVINCE_BY_CODE.get(p.code);
  return np ? newProvinceLabel(np) : provinceLabel(p);
}

function addCommunes(b: Builder, withPolice: boolean): void {
  const map = placeMap();
  for (const c of map.oldCommunes) {
    const p = c.district.province;
    b.ref.oldCommuneCouncils.set(
      c.key,
      b.unit({
        code: `UBND-${c.key}`,
        name: `Ủy ban nhân dân ${communeLabel(c)}, ${c.district.kind} ${c.district.name}, ${provinceLabel(p)}`,
        kind: 'UBND_XA',
        province: p.code,
        region: p.militaryRegion,
        validTo: PROVINCES_MERGED - 1,
      }),
    );
  }
  for (const c of map.newCommunes) {
    const label = `${communeLabel(c)}, ${newProvinceLabel(c.province)}`;
    b.ref.newCommuneCouncils.set(
      c.key,
      b.unit({
        code: `UBND-N${c.key}`,
        name: `Ủy ban nhân dân ${label}`,
        kind: 'UBND_XA',
        province: c.province.code,
        region: c.province.militaryRegion,
        validFrom: PROVINCES_MERGED,
      }),
    );
    if (withPolice) {
      b.ref.newCommunePolice.set(
        c.key,
        b.unit({
          code: `CAX-N${c.key}`,
          name: `Công an ${label}`,
          kind: 'CONG_AN_XA',
          parent: b.ref.provincePolice.get(c.province.code) ?? null,
          province: c.province.code,
          region: c.province.militaryRegion,
          validFrom: PROVINCES_MERGED,
        }),
      );
    }
  }
}

function buildCand(existingUnits: ReadonlyMap<string, string>, existingCourts: ReadonlyMap<string, string>): ReferenceData {
  const b = new Builder('CAND', existingUnits, existingCourts, {
    code: 'C10',
    name: 'Cục Cảnh sát quản lý trại giam, cơ sở giáo dục bắt buộc, trường giáo dưỡng',
    kind: 'CQ_QL_THAHS_BCA',
  });
  const r = b.ref;
  MPS_PRISONS.forEach((p, i) => {
    const prov = PROVINCE_BY_CODE.get(p.province) as Province;
    const u = b.unit({ code: `C10-TG${String(i + 1).padStart(2, '0')}`, name: p.name, kind: 'TRAI_GIAM', parent: r.management, province: p.province, region: prov.militaryRegion });
    r.prisons.push({ ...u, zone: zoneOf(prov.militaryRegion), weight: p.weight });
  });
  const reformatories: [string, string][] = [
    ['037', 'Trường giáo dưỡng số 1'],
    ['051', 'Trường giáo dưỡng số 2'],
    ['075', 'Trường giáo dưỡng số 3'],
    ['075', 'Trường giáo dưỡng số 4'],
  ];
  reformatories.forEach(([prov, name], i) => {
    r.reformatories.push(
      b.unit({ code: `C10-TGD${i + 1}`, name, kind: 'TRUONG_GIAO_DUONG', parent: r.management, province: prov, region: PROVINCE_BY_CODE.get(prov)?.militaryRegion ?? null }),
    );
  });
  r.treatmentFacilities.push(
    b.unit({ code: 'CSCB-01', name: 'Viện Pháp y tâm thần Trung ương', kind: 'CO_SO_CHUA_BENH', province: '001', region: 'BTL_THU_DO' }),
    b.unit({ code: 'CSCB-02', name: 'Viện Pháp y tâm thần Trung ương Biên Hòa', kind: 'CO_SO_CHUA_BENH', province: '075', region: 'QK7' }),
  );
  const campCounters = new Map<string, number>();
  for (const p of PROVINCES) {
    const survived = p.mergedInto === p.code;
    const police = b.unit({
      code: `PC10-${p.code}`,
      name: `Phòng Cảnh sát thi hành án hình sự và hỗ trợ tư pháp Công an ${currentProvinceLabel(p)}`,
      kind: 'CQ_THAHS_CA_TINH',
      province: p.code,
      region: p.militaryRegion,
      validTo: survived ? null : PROVINCES_MERGED - 1,
    });
    r.provincePolice.set(p.code, police);
    // Camps outlive the merger under the new province's police, numbered after its own (số 2, số 3…).
    const host = PROVINCE_BY_CODE.get(p.mergedInto) as Province;
    const n = (campCounters.get(host.code) ?? 0) + 1;
    campCounters.set(host.code, n);
    const campName =
      p.code === '001' ? 'Trại tạm giam số 1 Công an thành phố Hà Nội' : `Trại tạm giam${n > 1 || host.code !== p.code ? ` số ${n}` : ''} Công an ${currentProvinceLabel(host)}`;
    r.detentionCamps.set(p.code, b.unit({ code: `TTG-${p.code}`, name: campName, kind: 'TRAI_TAM_GIAM', province: p.code, region: p.militaryRegion }));
    for (const d of placeMap().districtsByProvince.get(p.code) ?? []) {
      r.districtPolice.set(
        d.key,
        b.unit({
          code: `CAH-${d.key}`,
          name: `Đội Cảnh sát thi hành án hình sự và hỗ trợ tư pháp Công an ${d.kind} ${d.name}, ${provinceLabel(p)}`,
          kind: 'CQ_THAHS_CA_HUYEN',
          parent: police,
          province: p.code,
          region: p.militaryRegion,
          validTo: DISTRICT_POLICE_ABOLISHED - 1,
        }),
      );
    }
  }
  b.unit({ code: 'TTG-001-2', name: 'Trại tạm giam số 2 Công an thành phố Hà Nội', kind: 'TRAI_TAM_GIAM', province: '001', region: 'BTL_THU_DO' });
  addCommunes(b, true);

  r.supremeCourt = b.court({ code: 'TANDTC', name: 'Tòa án nhân dân tối cao', kind: 'TANDTC' });
  r.highCourts.set('north', b.court({ code: 'TANDCC-HN', name: 'Tòa án nhân dân cấp cao tại Hà Nội', kind: 'TAND_CAP_CAO', province: '001', validTo: PROVINCES_MERGED - 1 }));
  r.highCourts.set('central', b.court({ code: 'TANDCC-DN', name: 'Tòa án nhân dân cấp cao tại Đà Nẵng', kind: 'TAND_CAP_CAO', province: '048', validTo: PROVINCES_MERGED - 1 }));
  r.highCourts.set(
    'south',
    b.court({ code: 'TANDCC-HCM', name: 'Tòa án nhân dân cấp cao tại Thành phố Hồ Chí Minh', kind: 'TAND_CAP_CAO', province: '079', validTo: PROVINCES_MERGED - 1 }),
  );
  for (const p of PROVINCES) {
    const survived = p.mergedInto === p.code;
    r.provincialCourts.set(
      p.code,
      b.court({ code: `TAND-${p.code}`, name: `Tòa án nhân dân ${currentProvinceLabel(p)}`, kind: 'TAND_TINH', province: p.code, validTo: survived ? null : PROVINCES_MERGED - 1 }),
    );
    for (const d of placeMap().districtsByProvince.get(p.code) ?? []) {
      r.districtCourts.set(
        d.key,
        b.court({ code: `TAND-${d.key}`, name: `Tòa án nhân dân ${d.kind} ${d.name}, ${provinceLabel(p)}`, kind: 'TAND_HUYEN', province: p.code, validTo: PROVINCES_MERGED - 1 }),
      );
    }
  }
  for (const np of NEW_PROVINCES) {
    const n = Math.max(2, Math.min(12, Math.round(np.population / 8)));
    const list: CourtRef[] = [];
    for (let i = 1; i <= n; i++) {
      list.push(b.court({ code: `TANDKV-${np.code}-${String(i).padStart(2, '0')}`, name: `Tòa án nhân dân khu vực ${i} – ${np.name}`, kind: 'TAND_KHU_VUC', province: np.code }));
    }
    r.regionalCourts.set(np.code, list);
  }
  return r;
}

function buildQdnd(existingUnits: ReadonlyMap<string, string>, existingCourts: ReadonlyMap<string, string>): ReferenceData {
  const b = new Builder('QDND', existingUnits, existingCourts, { code: 'BQP-CDTHS', name: 'Cục Điều tra hình sự Bộ Quốc phòng', kind: 'CQ_QL_THAHS_BQP' });
  const r = b.ref;
  for (const i of [1, 2]) {
    const u = b.unit({
      code: `BQP-TG${i}`,
      name: `Trại giam số ${i} Bộ Quốc phòng`,
      kind: 'TRAI_GIAM',
      parent: r.management,
      province: i === 1 ? '001' : '075',
      region: i === 1 ? 'BTL_THU_DO' : 'QK7',
    });
    r.prisons.push({ ...u, zone: i === 1 ? 'north' : 'south', weight: 4 });
  }
  r.detentionCamps.set('BQP', b.unit({ code: 'BQP-TTG', name: 'Trại tạm giam Bộ Quốc phòng', kind: 'TRAI_TAM_GIAM', parent: r.management, province: '001', region: 'BTL_THU_DO' }));
  const hq: Readonly<Record<MilitaryRegion, string>> = {
    QK1: '019',
    QK2: '025',
    QK3: '031',
    QK4: '040',
    QK5: '048',
    QK7: '079',
    QK9: '092',
    BTL_THU_DO: '001',
    QC_HAI_QUAN: '031',
    UNKNOWN: '001',
  };
  for (const mr of MILITARY_REGIONS) {
    const province = hq[mr.code];
    const agency = b.unit({
      code: `THAQK-${mr.short}`,
      name: `Cơ quan thi hành án hình sự ${mr.name}`,
      kind: 'CQ_THAHS_QUAN_KHU',
      parent: r.management,
      province,
      region: mr.code,
    });
    r.regionAgencies.set(mr.code, agency);
    r.detentionCamps.set(mr.code, b.unit({ code: `TTG-${mr.short}`, name: `Trại tạm giam ${mr.name}`, kind: 'TRAI_TAM_GIAM', parent: agency, province, region: mr.code }));
    if (mr.code !== 'BTL_THU_DO') {
      const u = b.unit({ code: `TG-${mr.short}`, name: `Trại giam ${mr.name}`, kind: 'TRAI_GIAM', parent: agency, province, region: mr.code });
      r.prisons.push({ ...u, zone: zoneOf(mr.code), weight: 2 });
    }
    const units: UnitRef[] = [];
    for (let i = 1; i <= 5; i++) {
      const no = (hashString32(`${mr.code}:${i}`) % 900) + 10;
      const kind = i <= 2 ? 'Sư đoàn' : i <= 4 ? 'Trung đoàn' : 'Lữ đoàn';
      units.push(b.unit({ code: `DV-${mr.short}-${i}`, name: `${kind} ${no}, ${mr.name}`, kind: 'DON_VI_QUAN_DOI', parent: agency, province, region: mr.code }));
    }
    r.militaryUnits.set(mr.code, units);
  }
  r.militaryUnits.set('QC_HAI_QUAN', [
    b.unit({ code: 'DV-HQ-1', name: 'Lữ đoàn 125, Quân chủng Hải quân', kind: 'DON_VI_QUAN_DOI', province: '079', region: 'QC_HAI_QUAN' }),
    b.unit({ code: 'DV-HQ-2', name: 'Vùng 1, Quân chủng Hải quân', kind: 'DON_VI_QUAN_DOI', province: '022', region: 'QC_HAI_QUAN' }),
  ]);
  for (const p of PROVINCES) {
    const survived = p.mergedInto === p.code;
    r.provincialCommands.set(
      p.code,
      b.unit({
        code: `BCHQS-${p.code}`,
        name: `Bộ Chỉ huy Quân sự ${currentProvinceLabel(p)}`,
        kind: 'DON_VI_QUAN_DOI',
        parent: r.regionAgencies.get(p.militaryRegion) ?? null,
        province: p.code,
        region: p.militaryRegion,
        validTo: survived ? null : PROVINCES_MERGED - 1,
      }),
    );
  }
  addCommunes(b, false);

  r.militaryCentralCourt = b.court({ code: 'TAQSTW', name: 'Tòa án quân sự trung ương', kind: 'TAQS_TRUNG_UONG' });
  for (const mr of MILITARY_REGIONS) {
    const name = mr.code === 'BTL_THU_DO' ? 'Tòa án quân sự Thủ đô Hà Nội' : `Tòa án quân sự ${mr.name}`;
    r.militaryRegionCourts.set(mr.code, b.court({ code: `TAQS-${mr.short}`, name, kind: 'TAQS_QUAN_KHU', province: hq[mr.code], region: mr.code }));
    const areas = mr.code === 'BTL_THU_DO' ? 1 : 2;
    const list: CourtRef[] = [];
    for (let i = 1; i <= areas; i++) {
      const areaName = mr.code === 'BTL_THU_DO' ? 'Tòa án quân sự khu vực Thủ đô Hà Nội' : `Tòa án quân sự khu vực ${i} ${mr.name}`;
      list.push(b.court({ code: `TAQSKV-${mr.short}-${i}`, name: areaName, kind: 'TAQS_KHU_VUC', province: hq[mr.code], region: mr.code }));
    }
    r.militaryAreaCourts.set(mr.code, list);
  }
  r.militaryRegionCourts.set(
    'QC_HAI_QUAN',
    b.court({ code: 'TAQS-HQ', name: 'Tòa án quân sự Quân chủng Hải quân', kind: 'TAQS_QUAN_KHU', province: '031', region: 'QC_HAI_QUAN' }),
  );
  return r;
}

function hashString32(s: string): number {
  return createHash('sha1').update(s).digest().readUInt32BE(0);
}

/**
 * The reference data of `ministry`. `existingUnitIds`/`existingCourtIds` map natural keys to ids
 * already in the database, so a seeded database keeps its ids.
 */
export function buildReferenceData(
  ministry: MinistryCode,
  existingUnitIds: ReadonlyMap<string, string> = new Map(),
  existingCourtIds: ReadonlyMap<string, string> = new Map(),
): ReferenceData {
  return ministry === 'CAND' ? buildCand(existingUnitIds, existingCourtIds) : buildQdnd(existingUnitIds, existingCourtIds);
}
