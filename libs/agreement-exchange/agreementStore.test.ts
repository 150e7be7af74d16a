import { microsToMillis } from './agreementStore';

describe('commit times', () => {
  it('floors microseconds to the millisecond, so comparisons with millisecond instants stay exact', () => {
    expect(microsToMillis(1_764_201_600_000_999)).toBe(1_764_201_600_000);
    expect(microsToMillis(1_764_201_600_001_000n)).toBe(1_764_201_600_001);
    expect(microsToMillis(1_764_201_600_000_999n)).toBe(1_764_201_600_000);
    expect(microsToMillis(-1n)).toBe(-1);
    expect(microsToMillis(-1000n)).toBe(-1);
    expect(microsToMillis(-1001n)).toBe(-2);
  });
});
