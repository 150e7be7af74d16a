import type { Instance } from '../model/codes';
import type { Day } from './calendar';
import type { GenerationContext } from './generationContext';
import type { Province } from './geography';
import type { District } from './places';
import type { Prng } from './prng';
import { PROVINCES_MERGED, zoneOf, type CourtRef } from './referenceData';
import type { MilitaryRegion } from '../model/codes';

/**
 * Which court tries a case and which hears the appeal, by date (three-tier courts from 1 Jul 2025:
 * regional courts try, provincial courts hear appeals; before that district/provincial courts tried
 * and provincial/high courts heard appeals) and by ministry (military courts for qdnd).
 */
export interface CourtChoice {
  trial: CourtRef;
  appeal: CourtRef;
}

export function chooseCourts(ctx: GenerationContext, rng: Prng, d: Day, province: Province, district: District, region: MilitaryRegion | null, serious: boolean): CourtChoice {
  const r = ctx.ref;
  if (ctx.ministry === 'QDND') {
    const mr = region ?? province.militaryRegion;
    const regionCourt = r.militaryRegionCourts.get(mr) ?? r.militaryCentralCourt;
    const areas = r.militaryAreaCourts.get(mr) ?? [];
    const central = r.militaryCentralCourt as CourtRef;
    if (!serious && areas.length > 0) return { trial: rng.pick(areas), appeal: regionCourt ?? central };
    return { trial: regionCourt ?? central, appeal: central };
  }
  const supreme = r.supremeCourt as CourtRef;
  if (d < PROVINCES_MERGED) {
    const provincial = r.provincialCourts.get(province.code) as CourtRef;
    const high = r.highCourts.get(zoneOf(province.militaryRegion)) ?? supreme;
    const districtCourt = r.districtCourts.get(district.key);
    if (!serious && districtCourt) return { trial: districtCourt, appeal: provincial };
    return { trial: provincial, appeal: high };
  }
  const regional = r.regionalCourts.get(province.mergedInto) ?? [];
  const provincial = r.provincialCourts.get(province.mergedInto) as CourtRef;
  if (regional.length > 0) return { trial: rng.pick(regional), appeal: provincial };
  return { trial: provincial, appeal: supreme };
}

export interface InstanceChoice {
  instance: Instance;
  suffix: string;
}

export function chooseInstance(rng: Prng): InstanceChoice {
  const x = rng.next();
  if (x < 0.88) return { instance: 'SO_THAM', suffix: 'HS-ST' };
  if (x < 0.99) return { instance: 'PHUC_THAM', suffix: 'HS-PT' };
  if (x < 0.997) return { instance: 'GIAM_DOC_THAM', suffix: 'HS-GĐT' };
  return { instance: 'TAI_THAM', suffix: 'HS-TT' };
}
