import type { MinistryCode } from '../model/codes';
import { addMonths, at, type Day, type Instant } from './calendar';
import type { Province } from './geography';
import type { KeySpace } from './keySpace';
import { COMMUNE_POLICE_ENFORCE, DISTRICT_POLICE_ABOLISHED, PROVINCES_MERGED, type ReferenceData, type UnitRef } from './referenceData';
import type { District, OldCommune } from './places';

/** Everything a generator needs besides its random stream. */
export interface GenerationContext {
  ministry: MinistryCode;
  ref: ReferenceData;
  keys: KeySpace;
  seed: number;
  /** The simulated "today": nothing happens after it. */
  asOf: Day;
  horizon: Instant;
  /** Judgment dates are drawn from [windowFrom, windowTo]. */
  windowFrom: Day;
  windowTo: Day;
  /** Bulk loads use ordered ids (see OrderedIds); live writers use random ones. */
  orderedIds: boolean;
  /**
   * Id source for live writers: ids must be unique across runs, so they do not come from the
   * seeded stream (a re-run with the same seed would repeat them).
   */
  newId?: () => string;
}

export const DEFAULT_AS_OF = '2026-11-01';

/** Default window: judgments of the last 14 years before the as-of day, up to 10 days before it. */
export function generationWindow(asOf: Day): { windowFrom: Day; windowTo: Day; horizon: Instant } {
  return { windowFrom: addMonths(asOf, -14 * 12), windowTo: asOf - 10, horizon: at(asOf, 17 * 60) };
}

/** Where an enforcement dossier is executed from (provincial THAHS agency / military-region agency). */
export function provinceAgency(ctx: GenerationContext, province: Province, d: Day): UnitRef {
  const r = ctx.ref;
  if (ctx.ministry === 'QDND') return r.regionAgencies.get(province.militaryRegion) ?? r.management;
  const code = d < PROVINCES_MERGED ? province.code : province.mergedInto;
  return r.provincePolice.get(code) ?? r.management;
}

/** The body that executes community sentences on day `d` (district police → provincial → commune police). */
export function communityAgency(ctx: GenerationContext, province: Province, district: District, commune: OldCommune, d: Day): UnitRef {
  const r = ctx.ref;
  if (ctx.ministry === 'QDND') return r.regionAgencies.get(province.militaryRegion) ?? r.management;
  if (d < DISTRICT_POLICE_ABOLISHED) return r.districtPolice.get(district.key) ?? provinceAgency(ctx, province, d);
  if (d < COMMUNE_POLICE_ENFORCE) return provinceAgency(ctx, province, d);
  return r.newCommunePolice.get(commune.successor.key) ?? provinceAgency(ctx, province, d);
}

/** The commune People's Committee that supervises someone living in `commune` on day `d`. */
export function communeCouncil(ctx: GenerationContext, commune: OldCommune, d: Day): UnitRef {
  const r = ctx.ref;
  const u = d < PROVINCES_MERGED ? r.oldCommuneCouncils.get(commune.key) : r.newCommuneCouncils.get(commune.successor.key);
  return u ?? r.management;
}
