import type { Type } from 'avsc';
import fc from 'fast-check';
import { contractFromSchemas, loadContracts, projectContract, type ContractField, type EntityContract, type FieldKind } from '../../libs/contracts';
import { Relation, RelationColumn, Tuple, TupleValue, UNCHANGED_TOAST } from '../../libs/pgoutput';
import { ContractDriftError } from './cdcErrors';
import { parserFor, ValueFormatError } from './columnValueParser';
import { ContractBinding } from './contractBinding';
import { encodeWire, EventEncoder } from './eventEncoder';
import { RowEncoder, textReaders } from './rowEncoder';

const OID: Record<FieldKind, number> = { string: 25, uuid: 2950, enum: 16400, json: 3802, boolean: 16, int: 23, long: 20, double: 701, decimal: 1700, date: 1082, timestamp: 1184 };
const LSN = 0x16b3748n;

/** The table: the contract's fields in a shuffled column order, with extra columns the contract does not name. */
function relationFor(contract: EntityContract, order: readonly number[]): Relation {
  const cols: RelationColumn[] = order.map((i) => ({
    name: contract.fields[i].name,
    isKey: contract.fields[i].name === 'id',
    flags: 0,
    typeOid: OID[contract.fields[i].kind],
    typeMod: -1,
  }));
  cols.splice(1, 0, { name: 'internal_note', isKey: false, flags: 0, typeOid: 25, typeMod: -1 });
  return { oid: 1, namespace: 'thahs', name: contract.entity, replicaIdentity: 'full', columns: cols };
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Text as PostgreSQL prints each kind (DateStyle ISO, TimeZone UTC), and now and then a shape it does not. */
function textOf(f: ContractField): fc.Arbitrary<string> {
  const odd = fc.constantFrom('', ' 1', '1e3', '0x10', '-', 'NaN', 'Infinity', 't', 'x', '2020-13-45', '99999999999', '-0', '007', '12.50', 'Nam');
  const canonical: Record<FieldKind, fc.Arbitrary<string>> = {
    string: fc.string({ unit: 'grapheme', maxLength: 60 }),
    json: fc.json({ maxDepth: 1 }),
    uuid: fc.uuid(),
    enum: fc.constantFrom(...(f.symbols ?? ['X'])),
    boolean: fc.constantFrom('t', 'f'),
    int: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(String),
    long: fc.oneof(fc.maxSafeInteger().map(String), fc.integer().map(String), fc.constantFrom('9007199254740993', '-9007199254740991', '2251799813685248')),
    double: fc.oneof(fc.double().map(String), fc.constantFrom('NaN', 'Infinity', '-Infinity', '1.5e-7')),
    decimal: fc.tuple(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), fc.nat(99)).map(([i, c]) => `${i}.${pad(c, 2)}`),
    date: fc.date({ min: new Date('1900-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    timestamp: fc
      .tuple(
        fc.date({ min: new Date('1950-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
        fc.nat(999_999),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom('+00', '-05', '+07:00', '+0530', '+05:30:15', '', '-03:30'),
        fc.constantFrom(' ', 'T'),
      )
      .map(([d, us, digits, zone, sep]) => {
        const base = d.toISOString().slice(0, 19).replace('T', sep);
        return `${base}${digits ? `.${pad(us, 6).slice(0, digits)}` : ''}${zone}`;
      }),
  };
  return fc.oneof({ weight: 12, arbitrary: canonical[f.kind] }, { weight: 1, arbitrary: odd });
}

/** What the producer published before RowEncoder: text parsed into a record, then avsc's encoding of it. */
function reference(contract: EntityContract, enc: EventEncoder, values: ReadonlyMap<string, string | null>): Buffer | string {
  // a nullable field's value is written by its union's non-null branch
  const branch = (t: Type): Type => (t as unknown as { types?: Type[] }).types?.find((b) => b.typeName !== 'null') ?? t;
  const avroFields = new Map((enc.valueType as unknown as { fields: { name: string; type: Type }[] }).fields.map((f) => [f.name, branch(f.type)]));
  const record: Record<string, unknown> = {};
  for (const f of contract.fields) {
    const v = values.get(f.name) ?? null;
    if (v === null) {
      if (!f.nullable) return `${f.name}: null in a field the contract requires`;
      record[f.name] = null;
      continue;
    }
    try {
      record[f.name] = parserFor(f.kind)(v);
    } catch (err) {
      if (err instanceof ValueFormatError) return `${f.name}: ${err.message}`;
      throw err;
    }
    if (f.symbols && !f.symbols.includes(v)) return `${f.name}: a code of ${v.length} characters that is not in the contract enum`;
    try {
      avroFields.get(f.name)!.toBuffer(record[f.name]);
    } catch (err) {
      return `${f.name}: ${(err as Error).message}`;
    }
  }
  return encodeWire(enc.valueSchemaId, enc.valueType, record);
}

/** The table's binding with the writer of one projection of its contract (the whole contract by default). */
function writerOf(contract: EntityContract, rel: Relation, enc: EventEncoder, projected: EntityContract = contract): { binding: ContractBinding; rows: RowEncoder } {
  const binding = new ContractBinding('cand', contract, rel);
  return { binding, rows: binding.encoder(projected, enc.valueType, enc.valueSchemaId) };
}

function encodeRow(rows: RowEncoder, newTuple: Tuple, oldTuple: Tuple | null = null): Buffer | string {
  try {
    return rows.encode(newTuple, oldTuple, LSN);
  } catch (err) {
    if (err instanceof ContractDriftError) return `${err.field}: ${err.reason}`;
    throw err;
  }
}

/** The kinds no contract has yet (long, double) and the decimal/boolean/date unions, on top of person's fields. */
const person = loadContracts().get('person');
const synthetic = contractFromSchemas(
  'probe',
  { ...person.keySchema, namespace: 'vn.thahs.probe' },
  {
    ...person.valueSchema,
    namespace: 'vn.thahs.probe',
    fields: [
      ...(person.valueSchema.fields as object[]),
      { name: 'count', type: 'long', doc: 'Số | Count', 'x-sensitivity': 1 },
      { name: 'ratio', type: ['null', 'double'], default: null, doc: 'Tỷ lệ | Ratio', 'x-sensitivity': 1 },
      { name: 'amount', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 }], default: null, doc: 'Số tiền | Amount', 'x-sensitivity': 1 },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' }, doc: 'Lúc | At', 'x-sensitivity': 1 },
      { name: 'flag', type: ['null', 'boolean'], default: null, doc: 'Cờ | Flag', 'x-sensitivity': 1 },
      { name: 'day', type: ['null', { type: 'int', logicalType: 'date' }], default: null, doc: 'Ngày | Day', 'x-sensitivity': 1 },
    ],
  },
);

const contracts = [
  ...loadContracts()
    .entities()
    .map((e) => loadContracts().get(e)),
  synthetic,
];

describe('RowEncoder writes what parsing the text and encoding the record with avsc wrote', () => {
  it.each(contracts.map((c) => [c.entity, c] as const))('%s: same bytes, or the same refusal', (_entity, contract) => {
    const enc = EventEncoder.compile(`thahs.cand.${contract.entity}`, contract, 3, 41);
    const row = fc.record(Object.fromEntries(contract.fields.map((f) => [f.name, fc.option(textOf(f), { freq: 6 })])) as Record<string, fc.Arbitrary<string | null>>);
    fc.assert(
      fc.property(row, fc.nat(), (values, seed) => {
        const order = contract.fields.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101));
        const rel = relationFor(contract, order);
        const { rows } = writerOf(contract, rel, enc);
        const tupleValues: TupleValue[] = rel.columns.map((c) => (c.name === 'internal_note' ? 'không công bố' : values[c.name]));
        const expected = reference(contract, enc, new Map(Object.entries(values)));
        const actual = encodeRow(rows, Tuple.fromValues(tupleValues));
        if (typeof expected === 'string' || typeof actual === 'string') expect(actual).toEqual(expected);
        else expect(actual.equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  // An agreement's projection: only its fields, every one but the key in a ["null", T] union.
  it.each(contracts.map((c) => [c.entity, c] as const))('%s, projected to a random subset of its fields: same bytes, or the same refusal', (_entity, contract) => {
    const names = contract.fields.map((f) => f.name);
    const row = fc.record(Object.fromEntries(contract.fields.map((f) => [f.name, fc.option(textOf(f), { freq: 6 })])) as Record<string, fc.Arbitrary<string | null>>);
    fc.assert(
      fc.property(fc.subarray(names), row, (subset, values) => {
        const { projected } = projectContract(contract, subset);
        const enc = EventEncoder.compile(`thahs.cand.TTDL-X.${contract.entity}`, projected, 3, 41);
        const rel = relationFor(
          contract,
          contract.fields.map((_, i) => i),
        );
        const { rows } = writerOf(contract, rel, enc, projected);
        const tupleValues: TupleValue[] = rel.columns.map((c) => (c.name === 'internal_note' ? 'không công bố' : values[c.name]));
        const expected = reference(projected, enc, new Map(Object.entries(values)));
        const actual = encodeRow(rows, Tuple.fromValues(tupleValues));
        if (typeof expected === 'string' || typeof actual === 'string') expect(actual).toEqual(expected);
        else expect(actual.equals(expected)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('RowEncoder with unchanged TOAST values and unexpected tuples', () => {
  const contract = loadContracts().get('person');
  const enc = EventEncoder.compile('thahs.cand.person', contract, 3, 41);
  const rel = relationFor(
    contract,
    contract.fields.map((_, i) => i),
  );
  const { binding, rows } = writerOf(contract, rel, enc);
  const row = (): TupleValue[] =>
    rel.columns.map((c) => {
      const f = contract.fields.find((x) => x.name === c.name);
      if (!f) return 'ngoài hợp đồng';
      if (f.kind === 'uuid') return '5f0c4f0e-8d2a-4c57-9a53-0d5d8f3e1a11';
      if (f.kind === 'enum') return f.symbols![0];
      if (f.kind === 'date') return '1990-02-03';
      if (f.kind === 'timestamp') return '2024-05-06 07:08:09.123456+00';
      if (f.kind === 'int') return '12';
      if (f.kind === 'boolean') return 't';
      return f.nullable ? null : 'Văn bản';
    });
  const col = (name: string): number => rel.columns.findIndex((c) => c.name === name);

  it('takes an unchanged TOAST value from the old row, and refuses it without one', () => {
    const old = row();
    old[col('full_name')] = 'Nguyễn Văn Một';
    const changed = [...old];
    changed[col('full_name')] = UNCHANGED_TOAST;
    const fromOld = encodeRow(rows, Tuple.fromValues(changed), Tuple.fromValues(old));
    expect(fromOld).toEqual(encodeRow(rows, Tuple.fromValues(old)));
    expect(encodeRow(rows, Tuple.fromValues(changed))).toBe('full_name: unchanged TOAST value without the old row (REPLICA IDENTITY FULL is required)');
  });

  it('refuses binary column data and names the LSN', () => {
    const values = row();
    values[col('full_name')] = Buffer.from('Nguyễn');
    expect(() => rows.encode(Tuple.fromValues(values), null, LSN)).toThrow(/person\.full_name: binary tuple data is not expected \(at LSN 0\/16B3748\)/);
  });

  it('reads the key from the id column, and refuses a change without it', () => {
    const values = row();
    expect(binding.keyOf(Tuple.fromValues(values))).toBe('5f0c4f0e-8d2a-4c57-9a53-0d5d8f3e1a11');
    values[col('id')] = null;
    expect(() => binding.keyOf(Tuple.fromValues(values))).toThrow(ContractDriftError);
  });

  it('returns bytes of its own, not a view of its scratch space', () => {
    const a = row();
    const first = rows.encode(Tuple.fromValues(a), null, LSN);
    const copy = Buffer.from(first);
    const b = row();
    b[col('full_name')] = 'Trần Thị Hai';
    rows.encode(Tuple.fromValues(b), null, LSN);
    expect(first.equals(copy)).toBe(true);
  });
});

describe('fast text readers agree with the text parsers', () => {
  it('timestamps', () => {
    const { readTimestamp, parseTimestampMicros } = textReaders;
    fc.assert(
      fc.property(textOf({ kind: 'timestamp' } as ContractField), (t) => {
        const b = Buffer.from(t);
        const fast = readTimestamp(b, 0, b.length);
        let slow: number | null;
        try {
          slow = parseTimestampMicros(t);
        } catch {
          slow = null;
        }
        // the fast reader may decline a shape (null) but never disagree
        if (fast !== null) expect(fast).toBe(slow);
      }),
      { numRuns: 2000 },
    );
  });
});
