import fc from 'fast-check';
import { arrayLiteral } from './arrayLiteral';

// pg's own serialisation of an array parameter: what the statements were sent before
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue(v: unknown): unknown };

describe('array literals for the apply statements', () => {
  it("are pg's serialisation of the same array, for every kind of store value", () => {
    const value = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: fc.constantFrom('"', '\\', 'a', ',', '{', '}', ' ', 'ệ', "'") }),
      fc.integer(),
      fc.double({ noNaN: false }),
      fc.boolean(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (values) => {
        expect(arrayLiteral(values)).toBe(prepareValue(values));
      }),
      { numRuns: 500 },
    );
  });

  it('escapes what PostgreSQL would otherwise misread', () => {
    expect(arrayLiteral(['a"b', 'c\\d', null, 7, true])).toBe('{"a\\"b","c\\\\d",NULL,"7","true"}');
  });
});
