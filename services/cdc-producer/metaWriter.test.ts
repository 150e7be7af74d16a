import fc from 'fast-check';
import { encodeMeta, type EventMeta, type EventSequence } from '../../libs/events';
import { MetaWriter } from './metaWriter';

const meta = (over: Partial<EventMeta> = {}): EventMeta => ({
  op: 'u',
  position: { lsn: 0x16b374d848n, index: 3 },
  xid: 7421,
  commitTs: 1_796_000_000_000_000,
  ministry: 'cand',
  entity: 'person',
  agreementId: 'tt-cand-qdnd-2025-001',
  agreementVersion: 2,
  sourceEpoch: '7441139201358532123',
  ...over,
});

/** The bytes written, or the error's message: a meta encodeMeta refuses must be refused alike. */
function outcome(f: () => Buffer): string {
  try {
    return f().toString('hex');
  } catch (err) {
    return `refused: ${(err as Error).message}`;
  }
}

describe('MetaWriter', () => {
  it('writes the bytes encodeMeta writes, for any meta a stream or a snapshot makes', () => {
    const writer = new MetaWriter();
    const routes = [{}, {}, {}];
    fc.assert(
      fc.property(
        fc.record({
          route: fc.constantFrom(...routes),
          op: fc.constantFrom('c', 'u', 'd', 'r') as fc.Arbitrary<EventMeta['op']>,
          lsn: fc.oneof(fc.constantFrom(0n, 0x16b374d848n, BigInt(Number.MAX_SAFE_INTEGER)), fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) })),
          index: fc.oneof(fc.nat(20), fc.nat(), fc.constantFrom(9, 10, 99, 100, 999_999, 1_000_000, 2147483647)),
          xid: fc.nat({ max: 4294967295 }),
          commitTs: fc.oneof(fc.maxSafeNat(), fc.integer({ min: -1e15, max: 0 })),
          ministry: fc.constantFrom('cand', 'qdnd', 'bộ'),
          entity: fc.constantFrom('person', 'judgment'),
          agreementId: fc.string(),
          agreementVersion: fc.integer({ min: -3, max: 70_000 }),
          sourceEpoch: fc.constantFrom('7441139201358532123', ''),
          keyId: fc.constantFrom('cand-c10-2025', 'khóa'),
          sequence: fc.option(fc.record({ run: fc.constantFrom('a1b2c3d4e5f60718', ''), seq: fc.maxSafeNat() }), { nil: undefined }) as fc.Arbitrary<EventSequence | undefined>,
        }),
        (r) => {
          const m = meta({ ...r, position: { lsn: r.lsn, index: r.index } });
          expect(outcome(() => writer.write(r.route, m, r.keyId, r.sequence))).toBe(outcome(() => encodeMeta(m, r.keyId, r.sequence)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rebuilds a route’s constant fields when they change (a new run, a new version)', () => {
    const writer = new MetaWriter();
    const route = {};
    for (const [m, seq] of [
      [meta(), { run: 'aaaaaaaaaaaaaaaa', seq: 1 }],
      [meta(), { run: 'bbbbbbbbbbbbbbbb', seq: 1 }],
      [meta({ agreementVersion: 3 }), { run: 'bbbbbbbbbbbbbbbb', seq: 2 }],
      [meta({ entity: 'judgment' }), undefined],
    ] as [EventMeta, EventSequence | undefined][]) {
      expect(writer.write(route, m, 'k', seq)).toEqual(encodeMeta(m, 'k', seq));
    }
  });

  it('refuses an LSN beyond 2^53 as encodeMeta does', () => {
    const m = meta({ position: { lsn: BigInt(Number.MAX_SAFE_INTEGER) + 1n, index: 0 } });
    expect(() => new MetaWriter().write({}, m, 'k', undefined)).toThrow(/exceeds 2\^53/);
  });
});
