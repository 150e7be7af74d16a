import { CopyValueError, copyValue, escapeCopyText } from './copyText';

describe('COPY text encoding', () => {
  it('escapes the characters COPY treats specially and nothing else', () => {
    expect(escapeCopyText('Nguyễn Văn A')).toBe('Nguyễn Văn A');
    expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  });

  it('encodes nulls, numbers, booleans and JSON', () => {
    expect(copyValue(null, 't', 'c')).toBe('\\N');
    expect(copyValue(undefined, 't', 'c')).toBe('\\N');
    expect(copyValue(42, 't', 'c')).toBe('42');
    expect(copyValue(true, 't', 'c')).toBe('t');
    expect(copyValue({ note: 'x\ty' }, 't', 'c')).toBe('{"note":"x\\\\ty"}');
  });

  it('refuses values COPY cannot carry, naming the column', () => {
    expect(() => copyValue(Number.NaN, 'penalty', 'term_years')).toThrow(CopyValueError);
    expect(() => copyValue(Number.NaN, 'penalty', 'term_years')).toThrow(/penalty\.term_years/);
  });
});
