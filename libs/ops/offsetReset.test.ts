import type { PartitionPosition } from './groupPositions';
import { partitionKey } from './kafkaAdmin';
import { planReset } from './offsetReset';

const p = (partition: number, low: number, high: number, committed: number | null): PartitionPosition => ({
  topic: 't',
  partition,
  low: BigInt(low),
  high: BigInt(high),
  committed: committed === null ? null : BigInt(committed),
  lag: 0n,
});

describe('planReset', () => {
  const positions = [p(0, 0, 100, 40), p(1, 10, 50, null), p(2, 0, 30, 30)];

  it('to-earliest repeats what was consumed; an uncommitted partition starts at low anyway', () => {
    const plan = planReset('g', positions, { kind: 'earliest' });
    expect(plan.rows.map((r) => [r.partition, r.current, r.target, r.effect, r.events])).toEqual([
      [0, 40n, 0n, 'repeat', 40n],
      [1, null, 10n, 'none', 0n],
      [2, 30n, 0n, 'repeat', 30n],
    ]);
    expect([plan.repeated, plan.skipped]).toEqual([70n, 0n]);
  });

  it('to-latest skips what is not consumed yet, and says how much', () => {
    const plan = planReset('g', positions, { kind: 'latest' });
    expect(plan.rows.map((r) => [r.effect, r.events])).toEqual([
      ['skip', 60n],
      ['skip', 40n],
      ['none', 0n],
    ]);
    expect(plan.skipped).toBe(100n);
  });

  it('moves an offset outside the retained range to its nearest end and says so', () => {
    const plan = planReset('g', positions, { kind: 'offset', offset: 5n });
    expect(plan.rows.map((r) => [r.target, r.clampedFrom])).toEqual([
      [5n, undefined],
      [10n, 5n],
      [5n, undefined],
    ]);
  });

  it('to-datetime takes the offsets found for the instant, per partition', () => {
    const at = new Map([
      [partitionKey('t', 0), 20n],
      [partitionKey('t', 1), 50n],
      [partitionKey('t', 2), 30n],
    ]);
    const plan = planReset('g', positions, { kind: 'datetime', atMs: 0 }, at);
    expect(plan.rows.map((r) => [r.target, r.effect])).toEqual([
      [20n, 'repeat'],
      [50n, 'skip'],
      [30n, 'none'],
    ]);
    expect(() => planReset('g', positions, { kind: 'datetime', atMs: 0 }, new Map())).toThrow(/no offset for the requested time/);
  });
});
