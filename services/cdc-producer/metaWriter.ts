import { encodeMeta, formatLsn, META_PREFIX, type EventMeta, type EventSequence } from '../../libs/events';
import { writeVarInt } from '../../libs/kafka/recordBody';

/** Avro enum index of each operation (schemas/event/event-meta.avsc, symbols c u d r). */
const OP_INDEX: Readonly<Record<string, number>> = { c: 0, u: 1, d: 2, r: 3 };
const COLON = 0x3a;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** The largest long avsc writes (its safe-long check stops one short of Number.MAX_SAFE_INTEGER). */
const LONG_MAX = 9007199254740990;

/**
 * The meta fields from `ministry` to `run` of one route, in schema order: on a stream they are the same
 * for every event of an agreement version's topic, so they are written as Avro once and copied.
 */
interface Tail {
  ministry: string;
  entity: string;
  keyId: string;
  agreementId: string;
  version: number;
  sourceEpoch: string;
  run: string;
  bytes: Buffer;
  /** `<ministry>:` in UTF-8, the start of every event id. */
  idPrefix: Buffer;
}

function avroString(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  const head = Buffer.allocUnsafe(10);
  return Buffer.concat([head.subarray(0, writeVarInt(head, 0, body.length)), body]);
}

function avroInt(n: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  return b.subarray(0, writeVarInt(b, 0, n));
}

/** Avro long of a non-negative safe integer: zigzag (2n) by arithmetic, 7 bits a byte. */
function writeLong(buf: Buffer, p: number, n: number): number {
  let z = n * 2;
  while (z > 0x7f) {
    buf[p++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[p++] = z;
  return p;
}

const isLong = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= LONG_MAX;
const isInt = (n: number): boolean => Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX;

/**
 * Writes the event meta exactly as libs/events encodeMeta does (same bytes, tested), without building a
 * record for avsc per event: the route's constant fields are encoded once (Tail), the event id is
 * assembled from the bytes of the last LSN's text, and the numbers are written as varints. Anything
 * outside the shapes a stream produces (negative or unsafe numbers, an unknown operation) goes to
 * encodeMeta, which encodes or refuses it as before.
 */
export class MetaWriter {
  private readonly tails = new WeakMap<object, Tail>();
  private scratch = Buffer.allocUnsafe(4096);
  private lastLsn = -1n;
  private lsnText: Buffer = Buffer.alloc(0);
  private lsnNumber = 0;

  constructor() {
    META_PREFIX.copy(this.scratch, 0);
  }

  /** The meta bytes of `m`, signed with `keyId`, sequenced by `sequence`; `route` identifies the events whose constant fields are shared. */
  write(route: object, m: EventMeta, keyId: string, sequence: EventSequence | undefined): Buffer {
    const op = OP_INDEX[m.op];
    const { index } = m.position;
    const seq = sequence?.seq ?? 0;
    if (op === undefined || !isInt(index) || index < 0 || !isLong(m.xid) || !isLong(m.commitTs) || !isLong(seq) || !isInt(m.agreementVersion)) {
      return encodeMeta(m, keyId, sequence);
    }
    const lsn = m.position.lsn;
    if (lsn !== this.lastLsn) {
      if (lsn < 0n || lsn > BigInt(LONG_MAX)) return encodeMeta(m, keyId, sequence);
      this.lsnText = Buffer.from(formatLsn(lsn), 'latin1');
      this.lsnNumber = Number(lsn);
      this.lastLsn = lsn;
    }
    const tail = this.tail(route, m, keyId, sequence?.run ?? '');
    let digits = 1;
    for (let v = index; v >= 10; v = Math.floor(v / 10)) digits++;
    const idLength = tail.idPrefix.length + this.lsnText.length + 1 + digits;
    const bound = META_PREFIX.length + 1 + 10 + 5 + 10 + 10 + 5 + idLength + tail.bytes.length + 10;
    if (this.scratch.length < bound) {
      this.scratch = Buffer.allocUnsafe(2 * bound);
      META_PREFIX.copy(this.scratch, 0);
    }
    const buf = this.scratch;
    let p = META_PREFIX.length;
    buf[p++] = op << 1;
    p = writeLong(buf, p, this.lsnNumber);
    p = writeVarInt(buf, p, index);
    p = writeLong(buf, p, m.xid);
    p = writeLong(buf, p, m.commitTs);
    p = writeVarInt(buf, p, idLength);
    p += tail.idPrefix.copy(buf, p);
    p += this.lsnText.copy(buf, p);
    buf[p++] = COLON;
    for (let k = digits - 1, v = index; k >= 0; k--, v = Math.floor(v / 10)) buf[p + k] = 0x30 + (v % 10);
    p += digits;
    p += tail.bytes.copy(buf, p);
    p = writeLong(buf, p, seq);
    return Buffer.from(buf.subarray(0, p));
  }

  private tail(route: object, m: EventMeta, keyId: string, run: string): Tail {
    const t = this.tails.get(route);
    if (
      t !== undefined &&
      t.ministry === m.ministry &&
      t.entity === m.entity &&
      t.keyId === keyId &&
      t.agreementId === m.agreementId &&
      t.version === m.agreementVersion &&
      t.sourceEpoch === m.sourceEpoch &&
      t.run === run
    )
      return t;
    const bytes = Buffer.concat([
      avroString(m.ministry),
      avroString(m.entity),
      avroString(keyId),
      avroString(m.agreementId),
      avroInt(m.agreementVersion),
      avroString(m.sourceEpoch),
      avroString(run),
    ]);
    const fresh: Tail = {
      ministry: m.ministry,
      entity: m.entity,
      keyId,
      agreementId: m.agreementId,
      version: m.agreementVersion,
      sourceEpoch: m.sourceEpoch,
      run,
      bytes,
      idPrefix: Buffer.from(`${m.ministry}:`, 'utf8'),
    };
    this.tails.set(route, fresh);
    return fresh;
  }
}
