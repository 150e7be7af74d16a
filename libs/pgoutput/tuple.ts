import { UNCHANGED_TOAST, type TupleValue } from './pgoutputMessages';
import { utf8Text } from './utf8Text';

/** How pgoutput sent one column of a row image. */
export const COLUMN = { text: 0, null: 1, unchanged: 2, binary: 3 } as const;
export type ColumnKind = (typeof COLUMN)[keyof typeof COLUMN];

/**
 * One row image (new, old or key tuple) with its column values left as the bytes pgoutput sent.
 *
 * A producer publishing 36-column rows used to turn every value into a JS string, then parse it, then
 * have Avro write it back out as bytes: the strings and the record object holding them were most of the
 * producer's garbage. Here the values stay in one buffer (a copy of the tuple's part of the message, so
 * it outlives node-postgres's reused receive buffer) and consumers read them in place by span;
 * `value(i)` still gives the text form where a string is wanted.
 */
export class Tuple {
  /** Per column from `base`: kind, start, end — offsets into `bytes` (start = end = 0 for null and unchanged). */
  private readonly spans: Int32Array;
  private readonly base: number;
  private readonly columns: number;

  /**
   * `spans` may be a slab shared by many tuples (the decoder's): this tuple's columns are then the
   * `columns` triples from `base`. A typed array of its own per row image cost more than decoding the
   * row: beyond 64 bytes V8 gives each one an off-heap backing store that the GC tracks.
   */
  constructor(
    readonly bytes: Buffer,
    spans: Int32Array,
    base = 0,
    columns?: number,
  ) {
    if (columns === undefined) {
      if ((spans.length - base) % 3 !== 0) throw new RangeError('tuple spans come in threes (kind, start, end)');
      columns = (spans.length - base) / 3;
    }
    if (base < 0 || columns < 0 || base + 3 * columns > spans.length) throw new RangeError(`tuple spans ${base}..${base + 3 * columns} outside the ${spans.length} given`);
    this.spans = spans;
    this.base = base;
    this.columns = columns;
  }

  /** A tuple from values in their text form (snapshot rows read over SQL, tests). */
  static fromValues(values: readonly TupleValue[]): Tuple {
    let size = 0;
    for (const v of values) {
      if (typeof v === 'string') size += Buffer.byteLength(v, 'utf8');
      else if (Buffer.isBuffer(v)) size += v.length;
    }
    const bytes = Buffer.allocUnsafe(size);
    const spans = new Int32Array(values.length * 3);
    let p = 0;
    for (let i = 0, s = 0; i < values.length; i++, s += 3) {
      const v = values[i];
      if (v === null) spans[s] = COLUMN.null;
      else if (v === UNCHANGED_TOAST) spans[s] = COLUMN.unchanged;
      else {
        const n = typeof v === 'string' ? bytes.write(v, p, 'utf8') : v.copy(bytes, p);
        spans[s] = typeof v === 'string' ? COLUMN.text : COLUMN.binary;
        spans[s + 1] = p;
        spans[s + 2] = p + n;
        p += n;
      }
    }
    return new Tuple(bytes, spans);
  }

  get length(): number {
    return this.columns;
  }

  /** Unchecked, like start, end and text: they are the per-column hot path. value(i) checks i. */
  kind(i: number): ColumnKind {
    return this.spans[this.base + i * 3] as ColumnKind;
  }

  start(i: number): number {
    return this.spans[this.base + i * 3 + 1];
  }

  end(i: number): number {
    return this.spans[this.base + i * 3 + 2];
  }

  /** Column i as text (string), null, UNCHANGED_TOAST, or a copy of its binary bytes. */
  value(i: number): TupleValue {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`column ${i} out of range (tuple has ${this.length})`);
    const s = this.base + i * 3;
    switch (this.spans[s]) {
      case COLUMN.null:
        return null;
      case COLUMN.unchanged:
        return UNCHANGED_TOAST;
      case COLUMN.binary:
        return Buffer.from(this.bytes.subarray(this.spans[s + 1], this.spans[s + 2]));
      default:
        return this.text(i);
    }
  }

  /** Column i's bytes decoded as UTF-8, whatever its kind says (callers check the kind first). */
  text(i: number): string {
    const s = this.base + i * 3;
    return utf8Text(this.bytes, this.spans[s + 1], this.spans[s + 2]);
  }

  values(): TupleValue[] {
    const out = new Array<TupleValue>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.value(i);
    return out;
  }
}
