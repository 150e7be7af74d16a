/**
 * Buffer#toString(enc, start, end) normalises its arguments and dispatches on the encoding before
 * reaching the native utf8Slice; names and column values are mostly short, so that wrapper costs about
 * as much as the copy itself. utf8Slice has been on Buffer.prototype since early Node, only untyped.
 */
interface Utf8SliceBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}
const hasUtf8Slice = typeof (Buffer.prototype as Partial<Utf8SliceBuffer>).utf8Slice === 'function';

export function utf8Text(buf: Buffer, start: number, end: number): string {
  if (start === end) return '';
  return hasUtf8Slice ? (buf as Utf8SliceBuffer).utf8Slice(start, end) : buf.toString('utf8', start, end);
}
