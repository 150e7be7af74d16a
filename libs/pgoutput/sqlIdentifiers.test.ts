import { IdentifierError } from './errors';
import { checkIdentifier, identifierLiteral, quoteIdentifier } from './sqlIdentifiers';

describe('sql identifiers', () => {
  it('quotes plain lower-case names', () => {
    expect(quoteIdentifier('slot', 'thahs_cand_1')).toBe('"thahs_cand_1"');
    expect(identifierLiteral('slot', '_x')).toBe("'_x'");
    expect(checkIdentifier('table', 'a'.repeat(63))).toBe('a'.repeat(63));
  });

  it('refuses anything that would need escaping or is not a valid slot name', () => {
    for (const bad of ['', 'A', '1abc', 'a-b', 'a b', 'a"b', "a'b", 'a;drop', 'a'.repeat(64), 'tên']) {
      expect(() => quoteIdentifier('publication', bad)).toThrow(IdentifierError);
    }
  });
});
