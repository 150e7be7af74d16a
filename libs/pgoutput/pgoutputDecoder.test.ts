import fc from 'fast-check';
import { PgoutputDecodeError } from './errors';
import { PgoutputDecoder } from './pgoutputDecoder';
import { encodePgoutput } from './pgoutputEncoder';
import { isUnchangedToast, UNCHANGED_TOAST, type PgoutputMessage, type Relation, type TupleValue } from './pgoutputMessages';
import { Tuple } from './tuple';
import { plainMessage } from '../../test/support/plainMessage';

// Byte builders: every test message below is spelled out field by field, as the protocol documents it.
const u8 = (n: number): Buffer => Buffer.from([n]);
const ch = (c: string): Buffer => Buffer.from(c, 'latin1');
const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), u8(0)]);
const text = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([ch('t'), i32(b.length), b]);
};
const msg = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

const plain = plainMessage;

const PG_EPOCH_US = 946_684_800_000_000n;
/** 2024-05-06T07:08:09.123456Z as µs since 2000-01-01 (what the wire carries). */
const WIRE_TIME = 768_208_089_123_456n;
const UNIX_TIME = WIRE_TIME + PG_EPOCH_US;

const PERSON_OID = 16_390;
/** Relation: public.person(id int8 key, full_name text, note text), REPLICA IDENTITY DEFAULT. */
function personRelation(xid?: number): Buffer {
  return msg(
    ch('R'),
    xid === undefined ? Buffer.alloc(0) : u32(xid),
    u32(PERSON_OID),
    cstr('public'),
    cstr('person'),
    ch('d'),
    i16(3),
    u8(1),
    cstr('id'),
    u32(20),
    i32(-1),
    u8(0),
    cstr('full_name'),
    u32(1043),
    i32(104),
    u8(0),
    cstr('note'),
    u32(25),
    i32(-1),
  );
}

function decoderWithPerson(): PgoutputDecoder {
  const d = new PgoutputDecoder();
  d.decode(personRelation());
  return d;
}

function expectDecodeError(fn: () => unknown, tag: string, reason: RegExp): PgoutputDecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PgoutputDecodeError);
    const e = err as PgoutputDecodeError;
    expect(e.tag).toBe(tag);
    expect(e.reason).toMatch(reason);
    return e;
  }
  throw new Error('expected a PgoutputDecodeError');
}

describe('PgoutputDecoder, protocol 1 messages', () => {
  it('decodes Begin and Commit, with timestamps moved to the Unix epoch', () => {
    const d = new PgoutputDecoder();
    expect(d.decode(msg(ch('B'), u64(0x16b374d848n), u64(WIRE_TIME), u32(4_000_000_123)))).toEqual({
      tag: 'begin',
      finalLsn: 0x16b374d848n,
      commitTime: UNIX_TIME,
      xid: 4_000_000_123,
    });
    expect(d.decode(msg(ch('C'), u8(0), u64(0x16b374d848n), u64(0x16b374d878n), u64(WIRE_TIME)))).toEqual({
      tag: 'commit',
      flags: 0,
      commitLsn: 0x16b374d848n,
      endLsn: 0x16b374d878n,
      commitTime: UNIX_TIME,
    });
  });

  it('decodes Relation into the cache, mapping flags, identity and the empty pg_catalog namespace', () => {
    const d = new PgoutputDecoder();
    const m = d.decode(personRelation());
    const expected: Relation = {
      oid: PERSON_OID,
      namespace: 'public',
      name: 'person',
      replicaIdentity: 'default',
      columns: [
        { name: 'id', isKey: true, flags: 1, typeOid: 20, typeMod: -1 },
        { name: 'full_name', isKey: false, flags: 0, typeOid: 1043, typeMod: 104 },
        { name: 'note', isKey: false, flags: 0, typeOid: 25, typeMod: -1 },
      ],
    };
    expect(m).toEqual({ tag: 'relation', xid: null, relation: expected });
    expect(d.relations.get(PERSON_OID, null)).toEqual(expected);

    const cat = d.decode(msg(ch('R'), u32(42), cstr(''), cstr('pg_thing'), ch('f'), i16(0)));
    expect(cat.tag === 'relation' && cat.relation).toMatchObject({ namespace: 'pg_catalog', replicaIdentity: 'full', columns: [] });
    const idx = d.decode(msg(ch('R'), u32(43), cstr('s'), cstr('t'), ch('i'), i16(0)));
    expect(idx.tag === 'relation' && idx.relation.replicaIdentity).toBe('index');
    const nothing = d.decode(msg(ch('R'), u32(44), cstr('s'), cstr('t'), ch('n'), i16(0)));
    expect(nothing.tag === 'relation' && nothing.relation.replicaIdentity).toBe('nothing');
  });

  it('decodes Insert with text (UTF-8), null and empty-string values, attaching the relation', () => {
    const d = decoderWithPerson();
    const m = d.decode(msg(ch('I'), u32(PERSON_OID), ch('N'), i16(3), text('42'), text('Nguyễn Văn Ả'), ch('n')));
    expect(plain(m)).toEqual({ tag: 'insert', xid: null, relation: d.relations.get(PERSON_OID, null), newTuple: ['42', 'Nguyễn Văn Ả', null] });
    const empty = d.decode(msg(ch('I'), u32(PERSON_OID), ch('N'), i16(3), text('1'), text(''), ch('n')));
    expect(empty.tag === 'insert' && empty.newTuple.values()).toEqual(['1', '', null]);
  });

  it("keeps unchanged TOAST ('u') distinct from null and from any string", () => {
    const d = decoderWithPerson();
    const m = d.decode(msg(ch('U'), u32(PERSON_OID), ch('N'), i16(3), text('42'), ch('n'), ch('u')));
    if (m.tag !== 'update') throw new Error(m.tag);
    expect(m.keyTuple).toBeNull();
    expect(m.oldTuple).toBeNull();
    const [id, name, note] = m.newTuple.values();
    expect(id).toBe('42');
    expect(name).toBeNull();
    expect(note).toBe(UNCHANGED_TOAST);
    expect(typeof note).toBe('symbol');
    expect(isUnchangedToast(note)).toBe(true);
    expect(isUnchangedToast(name)).toBe(false);
    expect(isUnchangedToast('u')).toBe(false);
  });

  it("decodes Update with a key tuple ('K') and with a whole old row ('O')", () => {
    const d = decoderWithPerson();
    const k = d.decode(msg(ch('U'), u32(PERSON_OID), ch('K'), i16(3), text('41'), ch('n'), ch('n'), ch('N'), i16(3), text('42'), text('x'), ch('u')));
    expect(plain(k)).toMatchObject({ tag: 'update', keyTuple: ['41', null, null], oldTuple: null, newTuple: ['42', 'x', UNCHANGED_TOAST] });
    const o = d.decode(msg(ch('U'), u32(PERSON_OID), ch('O'), i16(3), text('42'), text('a'), text('b'), ch('N'), i16(3), text('42'), text('c'), text('b')));
    expect(plain(o)).toMatchObject({ tag: 'update', keyTuple: null, oldTuple: ['42', 'a', 'b'], newTuple: ['42', 'c', 'b'] });
  });

  it("decodes Delete with a key tuple ('K') or a whole old row ('O')", () => {
    const d = decoderWithPerson();
    expect(plain(d.decode(msg(ch('D'), u32(PERSON_OID), ch('K'), i16(3), text('42'), ch('n'), ch('n'))))).toMatchObject({
      tag: 'delete',
      keyTuple: ['42', null, null],
      oldTuple: null,
    });
    expect(plain(d.decode(msg(ch('D'), u32(PERSON_OID), ch('O'), i16(3), text('42'), text('a'), ch('n'))))).toMatchObject({
      tag: 'delete',
      keyTuple: null,
      oldTuple: ['42', 'a', null],
    });
  });

  it('decodes Truncate with its options and relations', () => {
    const d = decoderWithPerson();
    d.decode(msg(ch('R'), u32(7), cstr('public'), cstr('other'), ch('d'), i16(0)));
    const m = d.decode(msg(ch('T'), i32(2), u8(3), u32(PERSON_OID), u32(7)));
    if (m.tag !== 'truncate') throw new Error(m.tag);
    expect(m.cascade).toBe(true);
    expect(m.restartIdentity).toBe(true);
    expect(m.relations.map((r) => r.name)).toEqual(['person', 'other']);
    const plain = d.decode(msg(ch('T'), i32(1), u8(0), u32(7)));
    expect(plain).toMatchObject({ tag: 'truncate', cascade: false, restartIdentity: false });
  });

  it('decodes logical messages (heartbeats) and copies their content out of the input buffer', () => {
    const d = new PgoutputDecoder();
    const input = msg(ch('M'), u8(0), u64(0x1_0000_0010n), cstr('thahs.heartbeat'), i32(5), Buffer.from('hello'));
    const m = d.decode(input);
    expect(m).toMatchObject({ tag: 'message', xid: null, transactional: false, lsn: 0x1_0000_0010n, prefix: 'thahs.heartbeat' });
    input.fill(0);
    expect(m.tag === 'message' && m.content.toString()).toBe('hello');
    const tx = d.decode(msg(ch('M'), u8(1), u64(5n), cstr('p'), i32(0)));
    expect(tx).toMatchObject({ tag: 'message', transactional: true, content: Buffer.alloc(0) });
  });

  it('decodes Origin and Type', () => {
    const d = new PgoutputDecoder();
    expect(d.decode(msg(ch('O'), u64(0xabcn), cstr('pg_16400')))).toEqual({ tag: 'origin', originLsn: 0xabcn, name: 'pg_16400' });
    expect(d.decode(msg(ch('Y'), u32(16_500), cstr('public'), cstr('sentence_status')))).toEqual({
      tag: 'type',
      xid: null,
      typeOid: 16_500,
      namespace: 'public',
      name: 'sentence_status',
    });
  });

  it("copies binary ('b') values", () => {
    const d = decoderWithPerson();
    const input = msg(ch('I'), u32(PERSON_OID), ch('N'), i16(3), ch('b'), i32(3), Buffer.from([1, 2, 3]), ch('n'), ch('n'));
    const m = d.decode(input);
    input.fill(0);
    expect(m.tag === 'insert' && m.newTuple.values()).toEqual([Buffer.from([1, 2, 3]), null, null]);
  });

  it('decodes a payload in place inside a larger frame buffer', () => {
    const d = decoderWithPerson();
    const payload = msg(ch('I'), u32(PERSON_OID), ch('N'), i16(3), text('7'), ch('n'), ch('n'));
    const frame = Buffer.concat([Buffer.alloc(25, 0xee), payload, Buffer.alloc(9, 0xee)]);
    const m = d.decode(frame, 25, 25 + payload.length);
    expect(m.tag === 'insert' && m.newTuple.values()).toEqual(['7', null, null]);
  });
});

describe('PgoutputDecoder, protocol 2 streamed transactions', () => {
  it('reads the xid of messages inside a streamed block, and not outside', () => {
    const d = decoderWithPerson();
    expect(d.decode(msg(ch('S'), u32(700), u8(1)))).toEqual({ tag: 'streamStart', xid: 700, firstSegment: true });
    expect(d.currentStreamXid).toBe(700);
    expect(plain(d.decode(msg(ch('I'), u32(700), u32(PERSON_OID), ch('N'), i16(3), text('1'), ch('n'), ch('n'))))).toMatchObject({
      tag: 'insert',
      xid: 700,
      newTuple: ['1', null, null],
    });
    // A change of a subtransaction carries the subtransaction's xid.
    expect(plain(d.decode(msg(ch('U'), u32(701), u32(PERSON_OID), ch('N'), i16(3), text('1'), text('z'), ch('u'))))).toMatchObject({
      tag: 'update',
      xid: 701,
      newTuple: ['1', 'z', UNCHANGED_TOAST],
    });
    expect(d.decode(msg(ch('D'), u32(700), u32(PERSON_OID), ch('K'), i16(3), text('1'), ch('n'), ch('n')))).toMatchObject({ tag: 'delete', xid: 700 });
    expect(d.decode(msg(ch('T'), u32(700), i32(1), u8(0), u32(PERSON_OID)))).toMatchObject({ tag: 'truncate', xid: 700 });
    expect(d.decode(msg(ch('M'), u32(700), u8(1), u64(9n), cstr('p'), i32(1), Buffer.from('x')))).toMatchObject({
      tag: 'message',
      xid: 700,
      transactional: true,
    });
    expect(d.decode(msg(ch('Y'), u32(700), u32(16_500), cstr('public'), cstr('t')))).toMatchObject({ tag: 'type', xid: 700 });
    expect(d.decode(msg(ch('E')))).toEqual({ tag: 'streamStop' });
    expect(d.currentStreamXid).toBeNull();

    // Another transaction decoded between two blocks of the streamed one: no xid on the wire.
    expect(d.decode(msg(ch('I'), u32(PERSON_OID), ch('N'), i16(3), text('2'), ch('n'), ch('n')))).toMatchObject({ tag: 'insert', xid: null });

    expect(d.decode(msg(ch('S'), u32(700), u8(0)))).toEqual({ tag: 'streamStart', xid: 700, firstSegment: false });
    d.decode(msg(ch('E')));
    expect(d.decode(msg(ch('c'), u32(700), u8(0), u64(0x500n), u64(0x540n), u64(WIRE_TIME)))).toEqual({
      tag: 'streamCommit',
      xid: 700,
      flags: 0,
      commitLsn: 0x500n,
      endLsn: 0x540n,
      commitTime: UNIX_TIME,
    });
    expect(d.decode(msg(ch('A'), u32(800), u32(801)))).toEqual({ tag: 'streamAbort', xid: 800, subXid: 801 });
  });

  it('keeps a Relation sent inside a stream apart until Stream Commit, and drops it on Stream Abort', () => {
    const d = decoderWithPerson();
    const widened = (xid: number): Buffer =>
      msg(
        ch('R'),
        u32(xid),
        u32(PERSON_OID),
        cstr('public'),
        cstr('person'),
        ch('d'),
        i16(4),
        u8(1),
        cstr('id'),
        u32(20),
        i32(-1),
        u8(0),
        cstr('full_name'),
        u32(1043),
        i32(104),
        u8(0),
        cstr('note'),
        u32(25),
        i32(-1),
        u8(0),
        cstr('unit_code'),
        u32(25),
        i32(-1),
      );

    d.decode(msg(ch('S'), u32(900), u8(1)));
    const r = d.decode(widened(900));
    expect(r).toMatchObject({ tag: 'relation', xid: 900 });
    const inStream = d.decode(msg(ch('I'), u32(900), u32(PERSON_OID), ch('N'), i16(4), text('1'), ch('n'), ch('n'), text('U1')));
    expect(inStream.tag === 'insert' && inStream.relation.columns.length).toBe(4);
    d.decode(msg(ch('E')));
    // Outside the stream the committed shape still applies.
    expect(d.relations.get(PERSON_OID, null)?.columns.length).toBe(3);
    const outside = d.decode(msg(ch('I'), u32(PERSON_OID), ch('N'), i16(3), text('2'), ch('n'), ch('n')));
    expect(outside.tag === 'insert' && outside.relation.columns.length).toBe(3);

    // A subtransaction abort keeps it; the toplevel commit makes it current.
    d.decode(msg(ch('A'), u32(900), u32(901)));
    expect(d.relations.openStreams).toBe(1);
    d.decode(msg(ch('c'), u32(900), u8(0), u64(1n), u64(2n), u64(WIRE_TIME)));
    expect(d.relations.get(PERSON_OID, null)?.columns.length).toBe(4);
    expect(d.relations.openStreams).toBe(0);

    // A toplevel abort drops it.
    d.decode(msg(ch('S'), u32(950), u8(1)));
    d.decode(msg(ch('R'), u32(950), u32(PERSON_OID), cstr('public'), cstr('person'), ch('f'), i16(1), u8(1), cstr('id'), u32(20), i32(-1)));
    d.decode(msg(ch('E')));
    d.decode(msg(ch('A'), u32(950), u32(950)));
    expect(d.relations.get(PERSON_OID, null)?.replicaIdentity).toBe('default');
    expect(d.relations.openStreams).toBe(0);
  });

  it('rejects stream framing that breaks the protocol', () => {
    const d = new PgoutputDecoder();
    expectDecodeError(() => d.decode(msg(ch('E'))), 'E', /outside a streamed block/);
    d.decode(msg(ch('S'), u32(1), u8(1)));
    expectDecodeError(() => d.decode(msg(ch('S'), u32(2), u8(1))), 'S', /inside the streamed block of xid 1/);
    expectDecodeError(() => d.decode(msg(ch('c'), u32(1), u8(0), u64(1n), u64(2n), u64(0n))), 'c', /inside a streamed block/);
    expectDecodeError(() => d.decode(msg(ch('A'), u32(1), u32(1))), 'A', /inside a streamed block/);
    d.resetSession();
    expect(d.currentStreamXid).toBeNull();
  });
});

describe('PgoutputDecoder, malformed input', () => {
  it('fails with typed errors naming the tag and the offset', () => {
    const d = decoderWithPerson();
    expectDecodeError(() => d.decode(msg(ch('Z'), u32(1))), 'Z', /unknown message type 0x5a/);
    expectDecodeError(() => d.decode(msg(ch('B'), u64(1n))), 'B', /truncated commit time/);
    expectDecodeError(() => d.decode(msg(ch('E'), u8(0))), 'E', /outside a streamed block/);
    expectDecodeError(() => d.decode(msg(ch('B'), u64(1n), u64(1n), u32(1), u8(0))), 'B', /1 trailing byte/);
    expectDecodeError(() => d.decode(msg(ch('I'), u32(99), ch('N'), i16(0))), 'I', /relation oid 99 unknown/);
    expectDecodeError(() => d.decode(msg(ch('I'), u32(PERSON_OID), ch('X'), i16(0))), 'I', /expected 'N' tuple/);
    expectDecodeError(() => d.decode(msg(ch('I'), u32(PERSON_OID), ch('N'), i16(1), ch('q'))), 'I', /unknown column kind 0x71 at column 0/);
    expectDecodeError(() => d.decode(msg(ch('I'), u32(PERSON_OID), ch('N'), i16(2), text('1'))), 'I', /truncated tuple at column 1/);
    expectDecodeError(() => d.decode(msg(ch('I'), u32(PERSON_OID), ch('N'), i16(1), ch('t'), i32(10), Buffer.from('abc'))), 'I', /length 10 exceeds/);
    expectDecodeError(() => d.decode(msg(ch('D'), u32(PERSON_OID), ch('N'), i16(0))), 'D', /expected 'K' or 'O'/);
    expectDecodeError(() => d.decode(msg(ch('R'), u32(1), cstr('s'), cstr('t'), ch('x'), i16(0))), 'R', /unknown replica identity/);
    expectDecodeError(() => d.decode(msg(ch('R'), u32(1), Buffer.from('unterminated'))), 'R', /unterminated namespace/);
    expectDecodeError(() => d.decode(msg(ch('M'), u8(0), u64(1n), cstr('p'), i32(100), Buffer.from('x'))), 'M', /truncated content/);
    const e = expectDecodeError(() => d.decode(Buffer.alloc(0)), '?', /empty/);
    expect(e.at(0x10n).lsn).toBe(0x10n);
    expect(e.message).toMatch(/XLogData start 0\/10/);
  });

  it('never reads past the given end, even when the buffer goes on', () => {
    const d = decoderWithPerson();
    const whole = msg(ch('I'), u32(PERSON_OID), ch('N'), i16(3), text('1'), text('abc'), ch('n'));
    const cut = whole.length - 3;
    expectDecodeError(() => d.decode(whole, 0, cut), 'I', /exceeds the message|truncated/);
  });
});

// Round trip against the encoder (which writes what the walsender writes), over generated messages.
describe('PgoutputDecoder round trip', () => {
  const relation: Relation = {
    oid: 5000,
    namespace: 'thahs',
    name: 'offender',
    replicaIdentity: 'full',
    columns: [
      { name: 'id', isKey: true, flags: 1, typeOid: 20, typeMod: -1 },
      { name: 'a', isKey: false, flags: 0, typeOid: 25, typeMod: -1 },
      { name: 'b', isKey: false, flags: 0, typeOid: 1082, typeMod: -1 },
    ],
  };
  const value: fc.Arbitrary<TupleValue> = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constant(null),
    fc.constant(UNCHANGED_TOAST),
    fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
  );
  const tuple = fc.array(value, { minLength: 3, maxLength: 3 }).map((v) => Tuple.fromValues(v));
  const lsn = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const time = fc.bigInt({ min: -(1n << 50n), max: 1n << 52n });
  const xid = fc.integer({ min: 0, max: 0xffffffff });
  const change: fc.Arbitrary<PgoutputMessage> = fc.oneof(
    tuple.map((t): PgoutputMessage => ({ tag: 'insert', xid: null, relation, newTuple: t })),
    fc.tuple(tuple, tuple, fc.constantFrom('K', 'O', '-')).map(([o, n, kind]): PgoutputMessage => ({
      tag: 'update',
      xid: null,
      relation,
      keyTuple: kind === 'K' ? o : null,
      oldTuple: kind === 'O' ? o : null,
      newTuple: n,
    })),
    fc.tuple(tuple, fc.boolean()).map(([o, k]): PgoutputMessage => ({ tag: 'delete', xid: null, relation, keyTuple: k ? o : null, oldTuple: k ? null : o })),
    fc.tuple(lsn, time, xid).map(([l, t, x]): PgoutputMessage => ({ tag: 'begin', finalLsn: l, commitTime: t, xid: x })),
    fc.tuple(lsn, lsn, time).map(([a, b, t]): PgoutputMessage => ({ tag: 'commit', flags: 0, commitLsn: a, endLsn: b, commitTime: t })),
    fc
      .tuple(
        fc.boolean(),
        lsn,
        fc.string({ maxLength: 20 }).filter((s) => !s.includes('\0')),
        fc.uint8Array({ maxLength: 30 }),
      )
      .map(([tx, l, p, c]): PgoutputMessage => ({ tag: 'message', xid: null, transactional: tx, lsn: l, prefix: p, content: Buffer.from(c) })),
  );

  it('decodes what the encoder wrote, for every message shape', () => {
    const d = new PgoutputDecoder();
    d.decode(encodePgoutput({ tag: 'relation', xid: null, relation }));
    fc.assert(
      fc.property(change, (m) => {
        expect(plain(d.decode(encodePgoutput(m)))).toEqual(plain(m));
      }),
      { numRuns: 500 },
    );
  });
});

describe('PgoutputDecoder, row images kept past later messages', () => {
  it('keeps every decoded tuple intact while later ones fill and replace the shared span slab', () => {
    const columns = Array.from({ length: 36 }, (_, i) => ({ name: `c${i}`, isKey: i === 0, flags: i === 0 ? 1 : 0, typeOid: 25, typeMod: -1 }));
    const relation: Relation = { oid: 9001, namespace: 'thahs', name: 'wide', replicaIdentity: 'full', columns };
    const d = new PgoutputDecoder();
    d.decode(encodePgoutput({ tag: 'relation', xid: null, relation }));
    const rowOf = (n: number): TupleValue[] => columns.map((_, i) => (i % 5 === 1 ? null : i % 7 === 3 ? UNCHANGED_TOAST : `r${n}c${i}`));
    const kept: { n: number; tuple: Tuple }[] = [];
    // 36 columns a row: well past one slab (16,384 entries = 151 rows)
    for (let n = 0; n < 1000; n++) {
      const m = d.decode(encodePgoutput({ tag: 'insert', xid: null, relation, newTuple: Tuple.fromValues(rowOf(n)) }));
      if (m.tag !== 'insert') throw new Error(`decoded ${m.tag}`);
      kept.push({ n, tuple: m.newTuple });
    }
    for (const { n, tuple } of kept) {
      expect(tuple.length).toBe(36);
      expect(tuple.values()).toEqual(rowOf(n));
    }
  });
});
