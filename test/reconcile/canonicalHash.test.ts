import fc from 'fast-check';
import { Client } from 'pg';
import { formatIsoDate } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import type { ContractField, EntityContract, FieldKind } from '../../libs/contracts/contractTypes';
import { columnType } from '../../libs/partner-store';
import { NFC_STABLE_PATTERN, SideSession, SideTable } from '../../libs/reconcile';
import { keyFieldHashes, keyHashes } from '../../libs/reconcile/sideQueries';
import { ScratchDatabase } from '../support/scratchDatabase';

/**
 * The promise of the canonical row hash: the same agreed data gives the same hash on both sides,
 * although the provider's model and the partner store type their columns differently and the data
 * travelled through the pipeline's conversions. The provider side is a table on the cand cluster with
 * the column types a ministry's own model may use for each contract kind (char(n), varchar, int2,
 * float4, plain numeric, json, a json text, a PostgreSQL enum…); the partner side is a table on the qdnd
 * cluster with libs/partner-store's column types. The same values are written to each in the form
 * the pipeline would leave them — texts in NFC on one side and NFD on the other, instants at other
 * offsets, decimals at other scales, JSON with other key order and spacing — and the hashes are
 * computed by the engine's own queries. And the converse: data that differs, even by a NULL against an
 * empty string or by a character moved between neighbouring fields, hashes differently.
 */
const config = loadConfig();

function field(name: string, kind: FieldKind, extra: Partial<ContractField> = {}): ContractField {
  return { name, kind, nullable: name !== 'id', docVi: name, docEn: name, sensitivity: 1, ...extra };
}

/** Contract field, the provider's column type for it, and how a value is written on each side. */
interface Column {
  field: ContractField;
  source: string;
}

const COLUMNS: Column[] = [
  { field: field('id', 'uuid'), source: 'uuid' },
  { field: field('s', 'string'), source: 'text' },
  { field: field('sc', 'string'), source: 'char(8)' },
  { field: field('sv', 'string'), source: 'varchar(40)' },
  { field: field('e', 'enum', { symbols: ['CAND', 'QDND', 'UNKNOWN'] }), source: 'text' },
  { field: field('ee', 'enum', { symbols: ['M', 'F', 'X', 'UNKNOWN'] }), source: 'probe_sex' },
  { field: field('b', 'boolean'), source: 'boolean' },
  { field: field('i', 'int'), source: 'int2' },
  { field: field('l', 'long'), source: 'int4' },
  { field: field('d', 'double'), source: 'float8' },
  { field: field('df', 'double'), source: 'float4' },
  { field: field('n', 'decimal', { precision: 18, scale: 4 }), source: 'numeric' },
  { field: field('nz', 'decimal', { precision: 18, scale: 0 }), source: 'int8' },
  { field: field('dt', 'date'), source: 'date' },
  { field: field('ts', 'timestamp'), source: 'timestamptz' },
  { field: field('j', 'json'), source: 'jsonb' },
  { field: field('jt', 'json'), source: 'json' },
  { field: field('jx', 'json'), source: 'text' },
  { field: field('u', 'uuid'), source: 'uuid' },
];
const FIELDS = COLUMNS.map((c) => c.field);
const contract: EntityContract = {
  entity: 'probe',
  namespace: 'vn.thahs.test',
  docVi: 'probe',
  docEn: 'probe',
  providers: ['cand'],
  keySchema: {},
  valueSchema: {},
  keyFields: ['id'],
  fields: FIELDS,
};

/** A record in the project's canonical representation (docs/agreements.md), plus how each side spells it. */
type Value = string | number | boolean | null;
interface Probe {
  values: Record<string, Value>;
  /** NFC on the provider and NFD in the partner store, or the other way round. */
  nfdOnProvider: boolean;
  /** Offset (minutes) the provider's instant is written at; scale the provider's decimal is written at. */
  offsetMinutes: number;
  decimalPad: number;
}

const VIETNAMESE = ['Nguyễn Văn Ân', 'Trần Thị Ngọc Ánh', 'Đặng Hữu Phước', 'Lê Thị Thủy', 'Phạm Quỳnh Hương', 'Võ Thành Đạt', 'Ưng Hoàng Phúc', 'Ông Ích Khiêm'];
const ODD = ['', ' ', 'a', 'ab', 'A\u030a', '\u212b', 'x\u0301\u0323', 'ﬁ', '\u{1F600}', '"q"', '\\', 'tab\tnl\n', "O'Brien", '1:2', '~', 'Ω', 'NULL', 'null', '{a,b}', ',', '"'];
const textArb = fc.oneof(
  fc.constantFrom(...VIETNAMESE, ...ODD),
  fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\u0000')),
);
/** Fits char(8) and varchar(n) in either normalisation form (NFD is longer). */
const fits =
  (n: number) =>
  (s: string): boolean =>
    [...s.normalize('NFD')].length <= n && [...s.normalize('NFC')].length <= n;
const shortTextArb = fc
  .oneof(fc.constantFrom('', 'a', '12', 'Đ', 'ắ', 'ab  c', '  x', 'Hà Nội', 'ẞ'), fc.string({ unit: 'grapheme-ascii', maxLength: 8 }))
  .map((s) => s.replace(/ +$/, ''))
  .filter(fits(8));
const jsonArb = fc.oneof(
  fc.constantFrom('{}', '[]', 'null', '0', '"Đặng"', '{"b": 1, "a": [1, 2.50, {"z": null}]}', '{"note": "Nguyễn", "n": 1e2}'),
  fc
    .jsonValue({ maxDepth: 2 })
    .map((v) => JSON.stringify(v))
    .filter((j) => !j.includes('\\u0000')),
);
const decimalArb = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 99_999_999_999_999n }), fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 4 }))
  .map(([neg, int, frac, places]) => {
    const f = String(frac).padStart(4, '0').slice(0, places).replace(/0+$/, '');
    const s = `${int}${f ? `.${f}` : ''}`;
    return neg && s !== '0' ? `-${s}` : s;
  });
const DATES = [-719162, -1, 0, 11016, 11017, 19417, 19782, 20089, 2932896]; // 0001-01-01, 1969-12-31, epoch, 2000-02-29, 2000-03-01, 2023-02-28, 2024-02-29, 2025-01-01, 9999-12-31
// The canonical instant is µs in a JS number (what the pipeline carries), so ±(2^53 − 1) µs — 1684 to
// 2255 — are the extremes; between them: just before the epoch, the epoch, 2000-02-29, 2024-02-29
// 23:59:59.999999, 2025-06-30 17:00:00.000001.
const INSTANTS = [-Number.MAX_SAFE_INTEGER, -1, 0, 951782400000000, 1709251199999999, 1751302800000001, Number.MAX_SAFE_INTEGER];

const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { nil: null, freq: 4 });
const probeArb: fc.Arbitrary<Probe> = fc.record({
  values: fc.record({
    s: nullable(textArb),
    sc: nullable(shortTextArb),
    sv: nullable(textArb.filter(fits(40))),
    e: nullable(fc.constantFrom('CAND', 'QDND', 'UNKNOWN')),
    ee: nullable(fc.constantFrom('M', 'F', 'X', 'UNKNOWN')),
    b: nullable(fc.boolean()),
    i: nullable(fc.integer({ min: -32768, max: 32767 })),
    l: nullable(fc.integer()),
    d: nullable(fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3), fc.double())),
    df: nullable(fc.float({ noDefaultInfinity: false })),
    n: nullable(decimalArb),
    nz: nullable(fc.bigInt({ min: -999_999_999_999_999_999n, max: 999_999_999_999_999_999n }).map(String)),
    dt: nullable(fc.oneof(fc.constantFrom(...DATES), fc.integer({ min: -719162, max: 2932896 }))),
    ts: nullable(fc.oneof(fc.constantFrom(...INSTANTS), fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }))),
    j: nullable(jsonArb),
    jt: nullable(jsonArb),
    jx: nullable(jsonArb),
    u: nullable(fc.uuid()),
  }) as fc.Arbitrary<Record<string, Value>>,
  nfdOnProvider: fc.boolean(),
  offsetMinutes: fc.constantFrom(0, 420, -570, 840, -720, 345),
  decimalPad: fc.integer({ min: 0, max: 3 }),
});

const nfc = (s: string, nfd: boolean): string => (nfd ? s.normalize('NFD') : s.normalize('NFC'));

/** An instant written at another offset, to the microsecond (what a source's own session might have stored). */
function atOffset(us: number, minutes: number): string {
  const local = BigInt(us) + BigInt(minutes) * 60_000_000n;
  const seconds = local >= 0n ? local / 1_000_000n : -((-local + 999_999n) / 1_000_000n);
  const fraction = String(local - seconds * 1_000_000n).padStart(6, '0');
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (minutes === 0) return `${whole}.${fraction}Z`;
  const a = Math.abs(minutes);
  return `${whole}.${fraction}${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * The same JSON with other spacing (a json or text column keeps what it was given; jsonb does not):
 * whitespace after every structural character outside strings, number tokens left exactly as written.
 */
function respaced(json: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const ch of json) {
    out += ch;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === ',' || ch === ':' || ch === '{' || ch === '[') out += ch === ',' ? '\n  ' : ' ';
  }
  return ` ${out} `;
}

/** The provider's spelling (text parameters, cast by the column type). */
function providerValue(c: Column, p: Probe): string | null {
  const v = p.values[c.field.name];
  if (v === null || v === undefined) return null;
  switch (c.field.name) {
    case 's':
    case 'sv':
      return nfc(v as string, p.nfdOnProvider);
    case 'sc':
      return nfc(v as string, p.nfdOnProvider);
    case 'u':
      return (v as string).toUpperCase();
    case 'd':
    case 'df':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'n':
      return `${v as string}${(v as string).includes('.') ? '' : '.'}${'0'.repeat(p.decimalPad)}`.replace(/\.$/, '');
    case 'dt':
      return formatIsoDate(v as number);
    case 'ts':
      return atOffset(v as number, p.offsetMinutes);
    case 'jt':
    case 'jx':
      return respaced(v as string);
    default:
      return String(v);
  }
}

/** The partner store's value as the apply consumer writes it (columnKinds: dates as days, instants as µs). */
function partnerExpression(c: Column, param: string): string {
  switch (c.field.kind) {
    case 'date':
      return `(DATE '1970-01-01' + ${param}::integer)`;
    case 'timestamp':
      return `(TIMESTAMPTZ 'epoch' + ${param}::bigint * INTERVAL '1 microsecond')`;
    default:
      return `${param}::${columnType(c.field)}`;
  }
}

function partnerValue(c: Column, p: Probe): string | null {
  const v = p.values[c.field.name];
  if (v === null || v === undefined) return null;
  switch (c.field.name) {
    case 's':
    case 'sv':
      return nfc(v as string, !p.nfdOnProvider);
    case 'sc': {
      // pgoutput sends char(n) blank-padded; the producer passes the text on as it is.
      const t = nfc(v as string, !p.nfdOnProvider);
      const provider = [...nfc(v as string, p.nfdOnProvider)].length;
      return t + ' '.repeat(Math.max(0, 8 - provider));
    }
    case 'd':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'df':
      // float4 reaches the partner as a double parsed from float4's shortest text: computed by the server below.
      return Object.is(v, -0) ? '-0' : String(v);
    default:
      return String(v);
  }
}

const idOf = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('canonical row hash: equal on both sides for the same data, whatever the column types (real PostgreSQL)', () => {
  let provider: ScratchDatabase;
  let receiver: ScratchDatabase;
  let src: Client;
  let dst: Client;

  beforeAll(async () => {
    [provider, receiver] = await Promise.all([ScratchDatabase.create(config.candPgUrl, 'hash_p'), ScratchDatabase.create(config.qdndPgUrl, 'hash_r')]);
    src = new Client({ connectionString: provider.url, options: '-c extra_float_digits=1' });
    dst = new Client({ connectionString: receiver.url, options: '-c extra_float_digits=1' });
    await Promise.all([src.connect(), dst.connect()]);
    await src.query(`CREATE TYPE probe_sex AS ENUM ('M', 'F', 'X', 'UNKNOWN')`);
    await src.query(`CREATE SCHEMA thahs`);
    await src.query(`CREATE TABLE thahs.probe (${COLUMNS.map((c) => `"${c.field.name}" ${c.source}${c.field.name === 'id' ? ' PRIMARY KEY' : ''}`).join(', ')})`);
    await dst.query(`CREATE SCHEMA partner_cand`);
    await dst.query(
      `CREATE TABLE partner_cand.probe (${COLUMNS.map((c) => `"${c.field.name}" ${c.field.name === 'id' ? 'uuid PRIMARY KEY' : columnType(c.field)}`).join(', ')}, _source_lsn pg_lsn)`,
    );
  });

  afterAll(async () => {
    await Promise.all([src?.end(), dst?.end()]);
    await Promise.all([provider?.drop(), receiver?.drop()]);
  });

  async function load(probes: readonly Probe[]): Promise<void> {
    await Promise.all([src.query('TRUNCATE thahs.probe'), dst.query('TRUNCATE partner_cand.probe')]);
    if (probes.length === 0) return;
    const sp: (string | null)[] = [];
    const dp: (string | null)[] = [];
    const sRows: string[] = [];
    const dRows: string[] = [];
    probes.forEach((p, i) => {
      const values = { ...p.values, id: idOf(i) };
      const q = { ...p, values };
      sRows.push(
        `(${COLUMNS.map((c) => (sp.push(providerValue(c, q)), `$${sp.length}::${c.source === 'char(8)' ? 'text' : c.source === 'varchar(40)' ? 'text' : c.source}`)).join(', ')})`,
      );
      dRows.push(
        `(${COLUMNS.map((c) => {
          dp.push(partnerValue(c, q));
          const param = `$${dp.length}`;
          return c.field.name === 'df' ? `${param}::float4::text::float8` : partnerExpression(c, param);
        }).join(', ')})`,
      );
    });
    const names = COLUMNS.map((c) => `"${c.field.name}"`).join(', ');
    await src.query(`INSERT INTO thahs.probe (${names}) VALUES ${sRows.join(', ')}`, sp);
    await dst.query(`INSERT INTO partner_cand.probe (${names}) VALUES ${dRows.join(', ')}`, dp);
  }

  /** Row and field hashes of every key on both sides, as the engine computes them. */
  async function hashes(n: number): Promise<{ p: Map<string, string>; r: Map<string, string>; pf: Map<string, string[]>; rf: Map<string, string[]> }> {
    const [ps, rs] = await Promise.all([SideSession.open(provider.url, 'provider', 1), SideSession.open(receiver.url, 'partner', 1)]);
    try {
      const [pt, rt] = await Promise.all([SideTable.load(ps, 'thahs', contract, FIELDS, null), SideTable.load(rs, 'partner_cand', contract, FIELDS, null)]);
      const keys = Array.from({ length: n }, (_, i) => idOf(i));
      const [p, r, pf, rf] = await Promise.all([keyHashes(ps, pt, keys), keyHashes(rs, rt, keys), keyFieldHashes(ps, pt, keys), keyFieldHashes(rs, rt, keys)]);
      return { p, r, pf, rf };
    } finally {
      await Promise.all([ps.close(), rs.close()]);
    }
  }

  it('gives equal hashes for the same data: random records of every kind (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(probeArb, { minLength: 1, maxLength: 25 }), async (probes) => {
        await load(probes);
        const h = await hashes(probes.length);
        for (let i = 0; i < probes.length; i++) {
          const k = idOf(i);
          const differing = FIELDS.filter((_, j) => h.pf.get(k)![j] !== h.rf.get(k)![j]).map((f) => f.name);
          expect({ key: k, differing }).toEqual({ key: k, differing: [] });
          expect(h.p.get(k)).toBe(h.r.get(k));
        }
      }),
      { numRuns: 60 },
    );
  });

  const base: Probe = {
    values: {
      s: 'Nguyễn Văn Ân',
      sc: '079',
      sv: 'Hà Nội',
      e: 'CAND',
      ee: 'M',
      b: true,
      i: -32768,
      l: 2147483647,
      d: 5e-324,
      df: 0.1,
      n: '-99999999999999.9999',
      nz: '-999999999999999999',
      dt: 11016,
      ts: 951782400000000,
      j: '{"a": "Đặng", "b": [1, 2.50]}',
      jt: '{"z": 1, "a": 2}',
      jx: '[1, "x"]',
      u: '6f1c1d5e-1111-4aaa-8bbb-000000000001',
    },
    nfdOnProvider: true,
    offsetMinutes: 420,
    decimalPad: 2,
  };
  const nulls: Probe = { ...base, values: Object.fromEntries(Object.keys(base.values).map((k) => [k, null])) };
  const empties: Probe = { ...base, values: { ...nulls.values, s: '', sc: '', sv: '', jx: '""' } };

  it('covers the edge values by name: Vietnamese NFD against NFC, leap days, offsets, extreme decimals, nulls and empty strings', async () => {
    const edge: Probe[] = [
      base,
      { ...base, nfdOnProvider: false, offsetMinutes: -570, decimalPad: 0, values: { ...base.values, dt: 19782, ts: 1709164800999999, n: '0.0001', d: -0, df: -0 } },
      { ...base, values: { ...base.values, dt: -719162, ts: -Number.MAX_SAFE_INTEGER, d: NaN, df: Infinity, i: 32767, l: -2147483648, nz: '999999999999999999' } },
      { ...base, values: { ...base.values, dt: 2932896, ts: Number.MAX_SAFE_INTEGER, d: -Infinity, n: '99999999999999.9999', sc: 'ắ', s: 'x\u0301\u0323', sv: '\u212b' } },
      nulls,
      empties,
    ];
    await load(edge);
    const h = await hashes(edge.length);
    for (let i = 0; i < edge.length; i++) expect(h.p.get(idOf(i))).toBe(h.r.get(idOf(i)));
    // NULL and '' are different data: a record of NULLs and one of empty strings must not collide.
    expect(h.p.get(idOf(4))).not.toBe(h.p.get(idOf(5)));
  });

  it('gives different hashes for different data, and names exactly the field that differs', async () => {
    const variants: [string, Probe][] = [
      ['s', { ...base, values: { ...base.values, s: 'Nguyễn Văn An' } }],
      ['s', { ...base, values: { ...base.values, s: null } }],
      ['sc', { ...base, values: { ...base.values, sc: '0790' } }],
      ['ts', { ...base, values: { ...base.values, ts: 951782400000001 } }],
      ['dt', { ...base, values: { ...base.values, dt: 11017 } }],
      ['n', { ...base, values: { ...base.values, n: '-99999999999999.9998' } }],
      ['j', { ...base, values: { ...base.values, j: '{"a": "Đặng", "b": [1, 2.51]}' } }],
      ['b', { ...base, values: { ...base.values, b: false } }],
      ['ee', { ...base, values: { ...base.values, ee: 'F' } }],
    ];
    await load([base, ...variants.map(([, p]) => p)]);
    const h = await hashes(variants.length + 1);
    variants.forEach(([name], i) => {
      const k = idOf(i + 1);
      const ref = idOf(0);
      // Compared with the base record on the provider side: only the changed field's hash moves.
      const moved = FIELDS.filter((f, j) => f.name !== 'id' && h.pf.get(k)![j] !== h.pf.get(ref)![j]).map((f) => f.name);
      expect(moved).toEqual([name]);
    });
  });

  it('keeps neighbouring fields apart: moving a character from one field to the next changes the hash', async () => {
    const a: Probe = { ...nulls, values: { ...nulls.values, s: 'ab', sc: 'c' } };
    const b: Probe = { ...nulls, values: { ...nulls.values, s: 'a', sc: 'bc' } };
    const c: Probe = { ...nulls, values: { ...nulls.values, s: 'ab', sc: null } };
    const d: Probe = { ...nulls, values: { ...nulls.values, s: null, sc: 'ab' } };
    await load([a, b, c, d]);
    const h = await hashes(4);
    expect(new Set([0, 1, 2, 3].map((i) => h.p.get(idOf(i)))).size).toBe(4);
  });

  it('skips NFC normalisation only for texts that are NFC already: every code point of the pattern and every pair of them (PostgreSQL as oracle)', async () => {
    const ranges = `(SELECT g FROM generate_series(1, 767) g UNION ALL SELECT g FROM generate_series(7680, 7935) g)`;
    const single = await src.query<{ n: string; bad: string }>(
      `SELECT count(*)::text AS n, count(*) FILTER (WHERE NOT (chr(g) IS NFC NORMALIZED) OR NOT (chr(g) ~ $1))::text AS bad FROM ${ranges} x`,
      [NFC_STABLE_PATTERN],
    );
    expect(single.rows[0]).toEqual({ n: String(767 + 256), bad: '0' });
    const pairs = await src.query<{ n: string; bad: string }>(
      `SELECT count(*)::text AS n, count(*) FILTER (WHERE NOT ((chr(a.g) || chr(b.g)) IS NFC NORMALIZED))::text AS bad FROM ${ranges} a, ${ranges} b`,
    );
    expect(pairs.rows[0]).toEqual({ n: String((767 + 256) ** 2), bad: '0' });
    // And the pattern rejects what needs normalising (a combining mark, a singleton like U+212B).
    const rejects = await src.query<{ m: boolean[] }>(`SELECT ARRAY['a' || chr(769) ~ $1, chr(8491) ~ $1, 'Nguyễn' ~ $1, '' ~ $1] AS m`, [NFC_STABLE_PATTERN]);
    expect(rejects.rows[0].m).toEqual([false, false, true, true]);
  });
});
