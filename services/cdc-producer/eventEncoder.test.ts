import { Type } from 'avsc';
import fc from 'fast-check';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { EventEncoder, encodeWire } from './eventEncoder';

describe('wire-format encoding', () => {
  const type = Type.forSchema({
    type: 'record',
    name: 'R',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  });
  const reference = (id: number, v: unknown): Buffer => {
    const head = Buffer.alloc(5);
    head.writeUInt32BE(id, 1);
    return Buffer.concat([head, type.toBuffer(v)]);
  };

  it('frames the Avro body behind magic byte 0 and the schema id, for small and very large values', () => {
    const small = { id: 'a', note: null };
    const large = { id: 'b', note: 'Trại giam '.repeat(40_000) };
    expect(encodeWire(7, type, small)).toEqual(reference(7, small));
    // past the scratch buffer: it grows, and later small values still come out right
    expect(encodeWire(8, type, large)).toEqual(reference(8, large));
    expect(encodeWire(9, type, small)).toEqual(reference(9, small));
    // each call returns its own bytes, not a view of shared scratch space
    const first = encodeWire(1, type, { id: 'x', note: 'one' });
    encodeWire(1, type, { id: 'y', note: 'two' });
    expect(type.fromBuffer(first.subarray(5))).toEqual({ id: 'x', note: 'one' });
  });
});

describe('key encoding', () => {
  const person = loadContracts().get('person');
  const encoder = EventEncoder.compile('tp.cand.A.person', person, 300, 301);
  const keyType = Type.forSchema(person.keySchema as Parameters<typeof Type.forSchema>[0]);

  it('writes what avsc writes for the key schema, whatever the id (uuids, long and non-ASCII text)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 })), (id) => {
        expect(encoder.encodeKey(id).equals(encodeWire(300, keyType, { id }))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
