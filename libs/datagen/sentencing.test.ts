import { day } from './calendar';
import { CIVIL_OFFENCES } from './offences';
import { Prng } from './prng';
import { decideSentence } from './sentencing';

describe('decideSentence (civil courts)', () => {
  const rng = new Prng(42);
  const n = 60_000;
  const counts: Record<string, number> = {};
  const fixedMonths: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = decideSentence(rng, {
      mainOffence: rng.pickWeighted(CIVIL_OFFENCES),
      judgmentDay: day(2020, 1, 1) + rng.int(2000),
      minor: false,
      foreign: false,
      military: false,
      treatment: false,
    });
    counts[s.main] = (counts[s.main] ?? 0) + 1;
    if (s.main === 'FIXED' && s.months !== null) fixedMonths.push(s.months);
  }
  const share = (k: string) => (counts[k] ?? 0) / n;

  it('follows the DOMAIN §5 mix: ~85% fixed term, 2–3% life, ≤0.5% death, rest community', () => {
    expect(share('FIXED')).toBeGreaterThan(0.8);
    expect(share('FIXED')).toBeLessThan(0.9);
    expect(share('LIFE')).toBeGreaterThanOrEqual(0.015);
    expect(share('LIFE')).toBeLessThanOrEqual(0.03);
    expect(share('DEATH')).toBeGreaterThan(0);
    expect(share('DEATH')).toBeLessThanOrEqual(0.005);
    expect(share('SUSPENDED') + share('CTKGG') + share('FINE') + share('WARNING')).toBeGreaterThan(0.07);
  });

  it('draws fixed terms with median about 3 years and p90 about 10 years, within 3 months–30 years', () => {
    fixedMonths.sort((a, b) => a - b);
    const q = (p: number) => fixedMonths[Math.floor(p * (fixedMonths.length - 1))] as number;
    expect(q(0.5)).toBeGreaterThanOrEqual(28);
    expect(q(0.5)).toBeLessThanOrEqual(44);
    expect(q(0.9)).toBeGreaterThanOrEqual(96);
    expect(q(0.9)).toBeLessThanOrEqual(150);
    expect(fixedMonths[0]).toBeGreaterThanOrEqual(3);
    expect(fixedMonths[fixedMonths.length - 1]).toBeLessThanOrEqual(360);
  });

  it('never sentences to death after 1 Jul 2025 for offences that lost the death penalty', () => {
    const r = new Prng(7);
    for (let i = 0; i < 20_000; i++) {
      const o = r.pickWeighted(CIVIL_OFFENCES);
      const s = decideSentence(r, { mainOffence: o, judgmentDay: day(2025, 8, 1), minor: false, foreign: false, military: false, treatment: false });
      if (s.main === 'DEATH') expect(s.offences[0]?.offence.capital).toBe('always');
    }
  });
});
