/**
 * Orders strings by Unicode code point, which is the order of their UTF-8 bytes and hence the order
 * PostgreSQL uses under COLLATE "C". JavaScript's `<` compares UTF-16 code units instead, which puts
 * characters above U+FFFF (stored as surrogates D800-DFFF) before U+E000-U+FFFF; the fix-up below is
 * the standard one for comparing UTF-16 text in code point order.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
