import { addMonths, at, dateStr, yearOf, type Day } from './calendar';
import { chooseCourts, chooseInstance } from './courts';
import { Episode, type JudgmentInfo } from './episode';
import { provinceAgency, type GenerationContext } from './generationContext';
import { PROVINCES, type Province } from './geography';
import { drawIdentity, writePerson, type PersonInfo } from './identity';
import { judgmentNo } from './keySpace';
import { generateLegalPersonCase } from './legalPersonCase';
import type { Offence } from './offences';
import { hashInts, Prng, weighted } from './prng';
import { OrderedIds } from './orderedIds';
import type { CourtRef } from './referenceData';
import { RowFactory } from './rowFactory';
import { decideSentence, offenceTable, vnd, type Sentence } from './sentencing';
import type { RowSink } from './tableRow';

/**
 * One judgment and everyone convicted by it (usually one person; gambling, drug and theft rings
 * bring co-defendants), each with their whole enforcement history. Persons are numbered by an
 * ordinal: person `ordinal + k` draws from stream (seed, ordinal + k), so a person's data depends on
 * the seed and its ordinal, not on what was generated before it.
 */
const POPULATION = weighted(PROVINCES.map((p) => [p, p.population] as const));

/** Share of judgment groups that also bring a commercial legal person's case. */
const LEGAL_PERSON_SHARE = { CAND: 0.002, QDND: 0.0003 } as const;

export function ministryTag(ctx: GenerationContext): number {
  return ctx.ministry === 'CAND' ? 0xca0d : 0x9d0d;
}

/** 16-bit tag of the seed's id space (see OrderedIds). */
function idSpace(ctx: GenerationContext): number {
  return hashInts(ctx.seed, ministryTag(ctx)) & 0xffff;
}

/** Ordered ids in bulk loads; random ids when the context asks for them (live workload). */
function idsFor(ctx: GenerationContext, space: number, ordinal: number, counterBase: number, rng: Prng): () => string {
  if (ctx.newId) return ctx.newId;
  if (!ctx.orderedIds) return () => rng.uuid();
  const ids = new OrderedIds(space, ordinal, counterBase, rng);
  return () => ids.next();
}

function groupSize(rng: Prng, offence: Offence): number {
  const x = rng.next();
  const ring = offence.article === 321 || offence.article === 322 || offence.article === 251 || offence.article === 173;
  if (x < (ring ? 0.62 : 0.88)) return 1;
  if (x < (ring ? 0.8 : 0.95)) return 2;
  if (x < (ring ? 0.92 : 0.985)) return 3;
  return 4;
}

interface WrittenJudgment {
  info: JudgmentInfo;
}

function writeJudgment(
  ctx: GenerationContext,
  rng: Prng,
  f: RowFactory,
  province: Province,
  trialDay: Day,
  courts: { trial: CourtRef; appeal: CourtRef },
  persons: number,
  property: boolean,
  forceFirstInstance = false,
): WrittenJudgment {
  const inst = forceFirstInstance ? { instance: 'SO_THAM' as const, suffix: 'HS-ST' } : chooseInstance(rng);
  let court = courts.trial;
  let judgmentDay = trialDay;
  let effective = trialDay + 15 + rng.range(0, 10);
  if (inst.instance === 'PHUC_THAM') {
    court = courts.appeal;
    judgmentDay = trialDay + rng.range(60, 200);
    effective = judgmentDay;
  } else if (inst.instance !== 'SO_THAM') {
    court = ctx.ref.supremeCourt ?? ctx.ref.militaryCentralCourt ?? courts.appeal;
    judgmentDay = trialDay + rng.range(300, 700);
    effective = judgmentDay;
  }
  const year = yearOf(judgmentDay);
  const reporting = provinceAgency(ctx, province, effective);
  const row = f.row('judgment', f.base(reporting, f.entered(at(Math.min(effective, ctx.asOf), 9 * 60))), {
    judgment_no: judgmentNo(ctx.keys.nextJudgmentNo(court.id, year), year, inst.suffix),
    judgment_date: dateStr(judgmentDay),
    court_id: court.id,
    instance: inst.instance,
    effective_date: effective <= ctx.asOf ? dateStr(effective) : null,
    immediately_enforceable: rng.chance(0.01),
    court_fee_vnd: String(200_000 * persons),
    civil_obligation_vnd: property && rng.chance(0.4) ? String(vnd(rng.logNormal(30_000_000, 1), 100_000)) : null,
  });
  return { info: { id: row.id, day: judgmentDay, effective, trialCourt: courts.trial, court } };
}

function detainedFrom(rng: Prng, sentence: Sentence, trialDay: Day): Day | null {
  const custodial = sentence.main === 'FIXED' || sentence.main === 'LIFE' || sentence.main === 'DEATH';
  if (!custodial) return null;
  if (sentence.main !== 'DEATH' && rng.chance(0.25)) return null;
  return trialDay - rng.range(60, 330);
}

/** A recidivist's earlier, completed conviction (only when it falls inside the generation window). */
function earlierConviction(ctx: GenerationContext, rng: Prng, f: RowFactory, person: PersonInfo, laterArrest: Day): void {
  const military = ctx.ministry === 'QDND';
  const offence = rng.pickWeighted(offenceTable(military));
  const provisional = laterArrest - 3 * 365;
  const sentence = decideSentence(rng, { mainOffence: offence, judgmentDay: provisional, minor: false, foreign: person.foreign, military, treatment: false });
  if (sentence.main === 'LIFE' || sentence.main === 'DEATH') return;
  const months = (sentence.months ?? 6) + rng.range(6, 36);
  const trialDay = addMonths(laterArrest, -months) - 60;
  if (trialDay < ctx.windowFrom) return;
  const courts = chooseCourts(ctx, rng, trialDay, person.province, person.district, person.region, false);
  const j = writeJudgment(ctx, rng, f, person.province, trialDay, courts, 1, offence.property === true, true);
  new Episode(ctx, rng, f, person, j.info, sentence, laterArrest - 1, detainedFrom(rng, sentence, trialDay)).run();
}

/**
 * Generates the judgment group starting at `ordinal` with at most `maxPersons` persons into `sink`;
 * returns how many persons it generated (≥ 1).
 */
export function generateJudgmentGroup(ctx: GenerationContext, ordinal: number, maxPersons: number, sink: RowSink): number {
  const tag = ministryTag(ctx);
  const rng = new Prng(ctx.seed, ordinal, tag, 0);
  const space = idSpace(ctx);
  const f = new RowFactory(ctx.ministry, rng, sink, ctx.horizon, idsFor(ctx, space, ordinal, 0xc00, rng));
  const military = ctx.ministry === 'QDND';
  const offence = rng.pickWeighted(offenceTable(military));
  const size = Math.max(1, Math.min(maxPersons, groupSize(rng, offence)));
  const trialDay = ctx.windowFrom + rng.int(Math.max(1, ctx.windowTo - ctx.windowFrom + 1));
  const province = rng.pickWeighted(POPULATION);
  const serious = (offence.clauses[0]?.[0] ?? 0) >= 36 ? rng.chance(0.6) : rng.chance(0.15);

  const members: { rng: Prng; f: RowFactory; person: PersonInfo }[] = [];
  for (let k = 0; k < size; k++) {
    const mrng = new Prng(ctx.seed, ordinal + k, tag, 1);
    const mf = new RowFactory(ctx.ministry, mrng, sink, ctx.horizon, idsFor(ctx, space, ordinal + k, 0, mrng));
    const minor = !military && mrng.chance(0.012);
    members.push({ rng: mrng, f: mf, person: drawIdentity(ctx, mrng, mf, trialDay, { province, minor }) });
  }
  const lead = members[0] as (typeof members)[number];
  const courts = chooseCourts(ctx, rng, trialDay, province, lead.person.district, lead.person.region, serious);
  const judgment = writeJudgment(ctx, rng, f, province, trialDay, courts, size, offence.property === true);

  for (const m of members) {
    const minor = m.person.birth > trialDay - 18 * 365;
    const treatment = !military && !minor && m.rng.chance(0.003);
    const sentence = decideSentence(m.rng, { mainOffence: offence, judgmentDay: judgment.info.day, minor, foreign: m.person.foreign, military, treatment });
    const arrest = detainedFrom(m.rng, sentence, trialDay);
    if (m.person.priorConvictions > 0 && m.rng.chance(0.4)) earlierConviction(ctx, m.rng, m.f, m.person, arrest ?? trialDay - 90);
    new Episode(ctx, m.rng, m.f, m.person, judgment.info, sentence, ctx.asOf, arrest).run();
    writePerson(m.rng, m.f, m.person, provinceAgency(ctx, m.person.province, judgment.info.effective));
  }

  if (rng.chance(LEGAL_PERSON_SHARE[ctx.ministry])) {
    const lrng = new Prng(ctx.seed, ordinal, tag, 9);
    generateLegalPersonCase(ctx, lrng, sink, idsFor(ctx, space, ordinal, 0xe00, lrng));
  }
  return size;
}
