import fc from 'fast-check';
import { PgoutputDecoder } from './pgoutputDecoder';
import { encodePgoutput } from './pgoutputEncoder';
import { UNCHANGED_TOAST, type Relation, type TupleValue } from './pgoutputMessages';
import { COLUMN, Tuple } from './tuple';

const relation = (ncols: number): Relation => ({
  oid: 6000 + ncols,
  namespace: 'thahs',
  name: `t${ncols}`,
  replicaIdentity: 'full',
  columns: Array.from({ length: ncols }, (_, i) => ({ name: `c${i}`, isKey: i === 0, flags: i === 0 ? 1 : 0, typeOid: 25, typeMod: -1 })),
});

/** Decodes an Insert carrying `values`, the way a walsender would have sent it. */
function decodeInsert(values: readonly TupleValue[]): { tuple: Tuple; input: Buffer } {
  const rel = relation(values.length);
  const d = new PgoutputDecoder();
  d.decode(encodePgoutput({ tag: 'relation', xid: null, relation: rel }));
  const input = encodePgoutput({ tag: 'insert', xid: null, relation: rel, newTuple: Tuple.fromValues(values) });
  const m = d.decode(input);
  if (m.tag !== 'insert') throw new Error(m.tag);
  return { tuple: m.newTuple, input };
}

describe('Tuple.fromValues', () => {
  const values: TupleValue[] = ['42', 'Nguyễn Văn Ả 🙂', null, UNCHANGED_TOAST, Buffer.from([0, 0xff, 7]), '', 'tail'];

  it('gives back every kind of value', () => {
    const t = Tuple.fromValues(values);
    expect(t.length).toBe(values.length);
    expect(t.values()).toEqual(values);
    values.forEach((v, i) => expect(t.value(i)).toEqual(v));
    expect(t.value(3)).toBe(UNCHANGED_TOAST);
    expect(t.value(2)).toBeNull();
    expect(t.value(5)).toBe('');
    expect(Buffer.isBuffer(t.value(4))).toBe(true);
  });

  it('records kinds and byte spans (UTF-8 lengths, not string lengths)', () => {
    const t = Tuple.fromValues(values);
    expect(Array.from({ length: t.length }, (_, i) => t.kind(i))).toEqual([COLUMN.text, COLUMN.text, COLUMN.null, COLUMN.unchanged, COLUMN.binary, COLUMN.text, COLUMN.text]);
    const name = 'Nguyễn Văn Ả 🙂';
    expect(t.end(1) - t.start(1)).toBe(Buffer.byteLength(name, 'utf8'));
    expect(t.end(1) - t.start(1)).toBeGreaterThan(name.length);
    expect(t.bytes.toString('utf8', t.start(1), t.end(1))).toBe(name);
    expect(t.text(1)).toBe(name);
    for (const i of [2, 3]) expect([t.start(i), t.end(i)]).toEqual([0, 0]);
    expect(t.start(5)).toBe(t.end(5));
    expect(t.bytes.subarray(t.start(4), t.end(4))).toEqual(Buffer.from([0, 0xff, 7]));
    expect(t.bytes.length).toBe(2 + Buffer.byteLength(name) + 3 + 4);
  });

  it('copies binary values in and out, so neither side aliases the tuple', () => {
    const bin = Buffer.from([1, 2, 3]);
    const t = Tuple.fromValues([bin]);
    bin.fill(9);
    const out = t.value(0);
    expect(out).toEqual(Buffer.from([1, 2, 3]));
    (out as Buffer).fill(0);
    expect(t.value(0)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('handles an empty tuple', () => {
    const t = Tuple.fromValues([]);
    expect(t.length).toBe(0);
    expect(t.values()).toEqual([]);
    expect(t.bytes.length).toBe(0);
  });
});

describe('Tuple', () => {
  it('rejects a column index out of range in value()', () => {
    const t = Tuple.fromValues(['a', null]);
    for (const i of [-1, 2, 100, 0.5, Number.NaN]) expect(() => t.value(i)).toThrow(RangeError);
    expect(() => Tuple.fromValues([]).value(0)).toThrow(/column 0 out of range \(tuple has 0\)/);
  });

  it('rejects spans that are not (kind, start, end) triples', () => {
    expect(() => new Tuple(Buffer.alloc(0), new Int32Array(4))).toThrow(RangeError);
  });
});

describe('decoded Tuple', () => {
  it('reads values in place from its own copy of the column data', () => {
    const values: TupleValue[] = ['7', 'Ả', null, UNCHANGED_TOAST, Buffer.from([5, 6]), ''];
    const { tuple } = decodeInsert(values);
    expect(tuple.values()).toEqual(values);
    expect(tuple.kind(0)).toBe(COLUMN.text);
    expect(tuple.kind(4)).toBe(COLUMN.binary);
    expect(tuple.bytes.subarray(tuple.start(1), tuple.end(1))).toEqual(Buffer.from('Ả', 'utf8'));
    for (const i of [2, 3]) expect([tuple.start(i), tuple.end(i)]).toEqual([0, 0]);
  });

  it('is independent of the input buffer once decoded (node-postgres reuses it)', () => {
    const values: TupleValue[] = ['42', 'Nguyễn', null, Buffer.from([1, 2, 3]), UNCHANGED_TOAST];
    const { tuple, input } = decodeInsert(values);
    input.fill(0xee);
    expect(tuple.values()).toEqual(values);
  });

  it('round-trips random tuples through the encoder and decoder', () => {
    const value: fc.Arbitrary<TupleValue> = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => Buffer.from(s, 'utf8').toString('utf8') === s),
      fc.constant(''),
      fc.constant(null),
      fc.constant(UNCHANGED_TOAST),
      fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), (values) => {
        const { tuple, input } = decodeInsert(values);
        input.fill(0);
        expect(tuple.length).toBe(values.length);
        expect(tuple.values()).toEqual(values);
        const ref = Tuple.fromValues(values);
        for (let i = 0; i < values.length; i++) {
          expect(tuple.kind(i)).toBe(ref.kind(i));
          expect(tuple.bytes.subarray(tuple.start(i), tuple.end(i))).toEqual(ref.bytes.subarray(ref.start(i), ref.end(i)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
