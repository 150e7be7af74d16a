/**
 * Exact comparison of decimals held as text (the canonical form of Avro decimals in this project),
 * because converting to a JS number would round values that PostgreSQL `numeric` compares exactly.
 */
export interface DecimalParts {
  negative: boolean;
  /** Integer digits without leading zeros ('' for zero). */
  int: string;
  /** Fraction digits without trailing zeros ('' when none). */
  frac: string;
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses plain decimal notation ('-1234.50', '0', '7'); no exponent, no '+' sign. */
export function parseDecimalText(text: string): DecimalParts | null {
  const m = DECIMAL_RE.exec(text);
  if (!m) return null;
  const int = m[2].replace(/^0+/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return { negative: m[1] === '-' && (int !== '' || frac !== ''), int, frac };
}

function compareMagnitude(a: DecimalParts, b: DecimalParts): number {
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  // Trailing zeros are stripped, so plain string order of the fractions is numeric order.
  if (a.frac !== b.frac) return a.frac < b.frac ? -1 : 1;
  return 0;
}

export function compareDecimalParts(a: DecimalParts, b: DecimalParts): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const m = compareMagnitude(a, b);
  return a.negative && m !== 0 ? -m : m;
}

/** The shortest plain text of the value: '-12.5', '0', '100'. */
export function formatDecimalParts(p: DecimalParts): string {
  const body = (p.int === '' ? '0' : p.int) + (p.frac === '' ? '' : `.${p.frac}`);
  return p.negative ? `-${body}` : body;
}
