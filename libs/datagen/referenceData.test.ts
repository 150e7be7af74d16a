import { NEW_PROVINCES, PROVINCES } from './geography';
import { buildReferenceData, stableUuid } from './referenceData';

describe('reference data', () => {
  it('has the 63 pre-2025 provinces and the 34 from 1 Jul 2025, each old one merged into a new one', () => {
    expect(PROVINCES).toHaveLength(63);
    expect(NEW_PROVINCES).toHaveLength(34);
    const newCodes = new Set(NEW_PROVINCES.map((p) => p.code));
    for (const p of PROVINCES) expect(newCodes.has(p.mergedInto)).toBe(true);
    expect(NEW_PROVINCES.reduce((n, p) => n + p.members.length, 0)).toBe(63);
  });

  it.each(['CAND', 'QDND'] as const)('%s: unique codes and ids, parents listed before children', (ministry) => {
    const ref = buildReferenceData(ministry);
    const codes = ref.orgUnits.map((u) => u.unit_code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(ref.courts.map((c) => c.court_code)).size).toBe(ref.courts.length);
    const seen = new Set<string>();
    for (const u of ref.orgUnits) {
      if (u.parent_unit_id !== null) expect(seen.has(u.parent_unit_id)).toBe(true);
      seen.add(u.id);
      expect(u.ministry).toBe(ministry);
    }
  });

  it('names real MPS prisons and courts as DOMAIN §5 does', () => {
    const cand = buildReferenceData('CAND');
    const names = cand.orgUnits.map((u) => u.name);
    expect(names).toContain('Trại giam Thủ Đức');
    expect(names).toContain('Trại tạm giam số 1 Công an thành phố Hà Nội');
    expect(names).toContain('Trại tạm giam số 2 Công an tỉnh Quảng Trị');
    const courts = cand.courts.map((c) => c.name);
    expect(courts).toContain('Tòa án nhân dân tỉnh Nghệ An');
    expect(courts).toContain('Tòa án nhân dân thành phố Hà Nội');
    expect(courts.some((c) => /^Tòa án nhân dân khu vực \d+ – /.test(c))).toBe(true);
    const qdnd = buildReferenceData('QDND').courts.map((c) => c.name);
    expect(qdnd).toContain('Tòa án quân sự Quân khu 7');
    expect(qdnd).toContain('Tòa án quân sự trung ương');
    expect(qdnd).toContain('Tòa án quân sự khu vực 2 Quân khu 5');
  });

  it('derives the same id for the same natural key, a different one per ministry', () => {
    expect(stableUuid('CAND', 'org_unit', 'C10')).toBe(stableUuid('CAND', 'org_unit', 'C10'));
    expect(stableUuid('CAND', 'org_unit', 'C10')).not.toBe(stableUuid('QDND', 'org_unit', 'C10'));
    expect(stableUuid('CAND', 'org_unit', 'C10')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps an id the database already has for a code', () => {
    const existing = new Map([['C10', '11111111-1111-4111-8111-111111111111']]);
    expect(buildReferenceData('CAND', existing).management.id).toBe('11111111-1111-4111-8111-111111111111');
  });
});
