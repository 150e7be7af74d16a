import type { StoreValue } from './storeTypes';

const NEEDS_ESCAPE = /["\\]/;

/**
 * A PostgreSQL array literal of these values, exactly as pg writes an array parameter (every element
 * double-quoted, backslashes and quotes escaped, NULL bare), for the apply statements' unnest arrays.
 * pg runs two regular-expression replacements over every element; here one test finds the rare element
 * that needs escaping. arrayLiteral.test.ts holds it equal to pg's own serialisation.
 */
export function arrayLiteral(values: readonly StoreValue[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) {
      out += 'NULL';
      continue;
    }
    // bytea's hex input form: a sealed field's envelope.
    const s = typeof v === 'string' ? v : Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : String(v);
    out += NEEDS_ESCAPE.test(s) ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${s}"`;
  }
  return out + '}';
}
