import { EventRejection } from './eventRejection';
import type { DeclaredPolicy, PolicyRecord } from './policyResolver';
import { checkSealed } from './sealedFields';

const declared = (sealed?: readonly string[]): DeclaredPolicy => ({
  agreementId: 'TTDL-SEALED',
  version: 2,
  fields: ['id', 'full_name', 'religion'],
  predicate: () => true,
  filterFields: [],
  ...(sealed ? { sealed } : {}),
});
// The decoded record holds a Buffer where the writer schema has bytes; PolicyRecord does not say so.
const record = (r: Record<string, unknown>): PolicyRecord => r as PolicyRecord;

describe('checkSealed', () => {
  it('accepts a field the version seals arriving sealed, or absent', () => {
    expect(() => checkSealed(declared(['religion']), ['religion'], record({ id: 'a', full_name: 'An', religion: Buffer.from([1, 2]) }))).not.toThrow();
    expect(() => checkSealed(declared(['religion']), ['religion'], record({ id: 'a', full_name: 'An', religion: null }))).not.toThrow();
  });

  it('refuses a field the version seals arriving in the clear', () => {
    const check = () => checkSealed(declared(['religion']), [], record({ id: 'a', religion: 'Phật giáo' }));
    expect(check).toThrow(EventRejection);
    expect(check).toThrow(/religion arrived in the clear, but agreement TTDL-SEALED v2 seals it/);
  });

  it('refuses a field arriving sealed that the version does not seal', () => {
    const check = () => checkSealed(declared(), ['religion'], record({ id: 'a', religion: Buffer.from([1]) }));
    expect(check).toThrow(EventRejection);
    expect(check).toThrow(/religion arrived sealed, but agreement TTDL-SEALED v2 does not seal it/);
  });

  it('does not look at the record when the version seals nothing and the writer schema has no bytes field', () => {
    const untouchable = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('the record was walked');
        },
        get: () => {
          throw new Error('the record was read');
        },
      },
    );
    expect(() => checkSealed(declared(), [], record(untouchable))).not.toThrow();
    expect(() => checkSealed(declared([]), [], record(untouchable))).not.toThrow();
    // Either list naming a field means the walk: the same record is then read.
    expect(() => checkSealed(declared(), ['religion'], record(untouchable))).toThrow(/was walked|was read/);
    expect(() => checkSealed(declared(['religion']), [], record(untouchable))).toThrow(/was walked|was read/);
  });
});
