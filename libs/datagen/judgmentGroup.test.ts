import { parseDay } from './calendar';
import { generationWindow, type GenerationContext } from './generationContext';
import { generateJudgmentGroup } from './judgmentGroup';
import { KeySpace } from './keySpace';
import { buildReferenceData } from './referenceData';
import type { RowSink, TableRow } from './tableRow';
import type { ExchangedTable } from '../model/exchangedTables';

class Capture implements RowSink {
  readonly rows: [ExchangedTable, Record<string, unknown>][] = [];
  add<T extends ExchangedTable>(table: T, row: TableRow<T>): void {
    this.rows.push([table, { ...(row as unknown as Record<string, unknown>) }]);
  }
  of(table: ExchangedTable): Record<string, unknown>[] {
    return this.rows.filter(([t]) => t === table).map(([, r]) => r);
  }
}

const refs = { CAND: buildReferenceData('CAND'), QDND: buildReferenceData('QDND') };

function context(ministry: 'CAND' | 'QDND', seed: number): GenerationContext {
  const asOf = parseDay('2026-11-01');
  return { ministry, ref: refs[ministry], keys: new KeySpace(), seed, asOf, orderedIds: true, ...generationWindow(asOf) };
}

function generate(ministry: 'CAND' | 'QDND', seed: number, persons: number): Capture {
  const ctx = context(ministry, seed);
  const sink = new Capture();
  let done = 0;
  while (done < persons) done += generateJudgmentGroup(ctx, done, persons - done, sink);
  return sink;
}

describe('generateJudgmentGroup', () => {
  const cand = generate('CAND', 11, 800);

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generate('CAND', 11, 200).rows).toEqual(generate('CAND', 11, 200).rows);
    const other = generate('CAND', 12, 200)
      .of('person')
      .map((p) => p.national_id);
    const same = generate('CAND', 11, 200)
      .of('person')
      .map((p) => p.national_id);
    expect(other).not.toEqual(same);
  });

  it('generates exactly the persons asked for, with unique ids and ID numbers', () => {
    const persons = cand.of('person');
    expect(persons).toHaveLength(800);
    const ids = new Set(cand.rows.map(([, r]) => r.id));
    expect(ids.size).toBe(cand.rows.length);
    const nids = persons.map((p) => p.national_id).filter((x) => x !== null);
    expect(new Set(nids).size).toBe(nids.length);
  });

  it('follows the ID-number rule: province code, century/sex digit, birth year, 12 digits', () => {
    for (const p of cand.of('person')) {
      const nid = p.national_id as string | null;
      if (nid === null) {
        expect(p.nationality).not.toBe('VN');
        expect(p.passport_no).toMatch(/^[A-Z0-9]+$/);
        continue;
      }
      expect(nid).toMatch(/^\d{12}$/);
      const year = Number((p.date_of_birth as string).slice(0, 4));
      const digit = Number(nid[3]);
      expect(digit).toBe((year >= 2000 ? 2 : 0) + (p.sex === 'F' ? 1 : 0));
      expect(nid.slice(4, 6)).toBe(String(year % 100).padStart(2, '0'));
    }
  });

  it('makes about 13% of persons female and names them họ + đệm + tên', () => {
    const persons = cand.of('person');
    const female = persons.filter((p) => p.sex === 'F').length / persons.length;
    expect(female).toBeGreaterThan(0.09);
    expect(female).toBeLessThan(0.17);
    const kinh = persons.filter((p) => p.ethnicity === 'Kinh');
    for (const p of kinh) expect((p.full_name as string).split(' ').length).toBeGreaterThanOrEqual(2);
    const nguyen = kinh.filter((p) => (p.full_name as string).startsWith('Nguyễn ')).length / kinh.length;
    expect(nguyen).toBeGreaterThan(0.3);
    expect(nguyen).toBeLessThan(0.46);
  });

  it('links every row to rows of the same subtree or to reference data', () => {
    const ids = new Set(cand.rows.map(([, r]) => r.id));
    const units = new Set(refs.CAND.orgUnits.map((u) => u.id));
    const courts = new Set(refs.CAND.courts.map((c) => c.id));
    for (const [, r] of cand.rows) {
      for (const [k, v] of Object.entries(r)) {
        if (!k.endsWith('_id') || v === null || k === 'national_id' || k === 'legal_rep_national_id') continue;
        if (k === 'court_id') expect(courts.has(v as string)).toBe(true);
        else if (/unit_id$/.test(k)) expect(units.has(v as string)).toBe(true);
        else expect(ids.has(v as string)).toBe(true);
      }
    }
  });

  it('keeps every instant at or before the simulated today', () => {
    const horizon = context('CAND', 1).horizon;
    for (const [, r] of cand.rows) {
      for (const k of ['created_at', 'updated_at', 'event_at', 'opened_at', 'closed_at', 'from_at', 'to_at']) {
        const v = r[k];
        if (typeof v === 'string') expect(Date.parse(v)).toBeLessThanOrEqual(horizon);
      }
    }
  });

  it('writes addresses with the 34 new provinces after 1 Jul 2025 and the old ones before', () => {
    for (const p of cand.of('person')) {
      if (p.permanent_address === null) continue;
      const post = (p.updated_at as string) >= '2025-06-30T17:00:00.000Z';
      const oldOnly =
        /tỉnh (Hà Giang|Bắc Kạn|Yên Bái|Vĩnh Phúc|Hòa Bình|Bắc Giang|Hải Dương|Thái Bình|Hà Nam|Nam Định|Quảng Bình|Quảng Nam|Kon Tum|Bình Định|Phú Yên|Ninh Thuận|Bình Thuận|Đắk Nông|Bình Phước|Bình Dương|Bà Rịa – Vũng Tàu|Long An|Tiền Giang|Bến Tre|Trà Vinh|Hậu Giang|Sóc Trăng|Bạc Liêu|Kiên Giang)$/;
      if (post) expect(p.permanent_address).not.toMatch(oldOnly);
      if (post) expect(p.permanent_address).not.toMatch(/ huyện | quận /);
    }
  });

  it('gives qdnd military courts and mostly serving soldiers', () => {
    const q = generate('QDND', 3, 400);
    const courts = new Map(refs.QDND.courts.map((c) => [c.id, c.court_kind]));
    for (const j of q.of('judgment')) expect(String(courts.get(j.court_id as string))).toMatch(/^TAQS_/);
    const persons = q.of('person');
    const military = persons.filter((p) => p.is_military === true);
    expect(military.length / persons.length).toBeGreaterThan(0.8);
    for (const p of military) {
      expect(p.military_rank).toEqual(expect.any(String));
      expect(p.military_unit_id).toEqual(expect.any(String));
    }
  });
});
