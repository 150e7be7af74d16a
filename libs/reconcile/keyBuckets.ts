import type { KeyRange } from './keyRanges';
import { ALIAS } from './sideTable';

const ID = `${ALIAS}."id"`;

/**
 * How many buckets for a table of about `rows` rows: the fewest (a power of two, at least 16) that
 * keep a bucket within 1/64 of the rows a re-compare fetches per side (`fetchRows`), so at least 64
 * buckets that lost a row are re-compared before a full comparison is cheaper. No more than that:
 * each pass over a chunk of pages builds one group per bucket, and a group costs as much as a few dozen
 * rows (10M rows with 32,768 buckets: 22 s of the change pass against 6 s for the rows alone; 4,096
 * with the default 200,000 rows fetched).
 */
export function bucketCount(rows: number, fetchRows: number): number {
  const most = Math.max(1, Math.floor(fetchRows / 64));
  let n = 16;
  while (rows / n > most && n < 1 << 20) n *= 2;
  return n;
}

/** Prefix groups the balance of the baseline's boundaries is judged over (enough boundaries per group to judge). */
const BALANCE_GROUPS = 256;
/** A prefix group may hold this many times its share of the baseline's boundaries for prefix buckets to be used. */
const BALANCE_LIMIT = 2;

/**
 * The key buckets of an incremental run: what rows are grouped by, so that a bucket whose sums differ
 * between the sides (a row lost on one side) can be re-compared.
 *
 * - prefix: the leading bits of the key (uuid order is byte order, so a bucket is a key range). A row's
 *   bucket costs two byte reads of its uuid, and a differing bucket is a key range both sides fetch
 *   through the primary key, compared with the full runs' bisection: no second pass over both tables
 *   for a few lost rows (4 of the 12 s of a 10M-row run). Used when keys spread evenly over their
 *   leading bits — random keys (uuid v4, the model's default) do — as the baseline's boundaries (key
 *   quantiles of a sample) show.
 * - hash: the low bits of uuid_hash_extended(id): even whatever the keys (sequential or time-ordered
 *   uuids, legacy numbers carried into uuids, all of whose leading bits are alike), but a differing
 *   bucket is found again only by one more pass over both tables.
 */
export class KeyBuckets {
  private constructor(
    readonly kind: 'prefix' | 'hash',
    readonly count: number,
  ) {}

  /** Buckets for `rows` rows whose baseline run cut the keys at `boundaries` (sorted). */
  static choose(boundaries: readonly string[], rows: number, fetchRows: number): KeyBuckets {
    const n = bucketCount(rows, fetchRows);
    return new KeyBuckets(KeyBuckets.spreadEvenly(boundaries) ? 'prefix' : 'hash', n);
  }

  static of(kind: 'prefix' | 'hash', count: number): KeyBuckets {
    if (!Number.isInteger(Math.log2(count)) || count < 16 || count > 1 << 20) throw new RangeError(`bucket count ${count} is not a power of two in 16..2^20`);
    return new KeyBuckets(kind, count);
  }

  /** Whether the boundaries fall evenly over the leading 8 bits of the key: no group holds twice its share. */
  static spreadEvenly(boundaries: readonly string[]): boolean {
    if (boundaries.length < 8 * BALANCE_GROUPS) return false;
    const groups = new Array<number>(BALANCE_GROUPS).fill(0);
    for (const b of boundaries) groups[parseInt(b.slice(0, 2), 16)]++;
    return Math.max(...groups) <= (BALANCE_LIMIT * boundaries.length) / BALANCE_GROUPS;
  }

  private get bits(): number {
    return Math.log2(this.count);
  }

  /** SQL of a row's bucket (over the row alias of sideTable.ts). */
  sql(): string {
    if (this.kind === 'hash') return `(uuid_hash_extended(${ID}, 0) & ${this.count - 1})::int`;
    const k = this.bits;
    const byte = (i: number): string => `get_byte(uuid_send(${ID}), ${i})`;
    // PostgreSQL gives << and | one precedence, left to right: every shift is parenthesised.
    if (k <= 8) return `(${byte(0)} >> ${8 - k})`;
    if (k <= 16) return `(((${byte(0)} << 8) | ${byte(1)}) >> ${16 - k})`;
    return `(((${byte(0)} << 16) | (${byte(1)} << 8) | ${byte(2)}) >> ${24 - k})`;
  }

  /**
   * The bucket of a key, from its text form (as PostgreSQL prints a uuid: the first 8 characters are
   * hex digits) or its `uuid_hash_extended(id, 0)` (text of an int8; BigInt's & is two's complement, as
   * PostgreSQL's).
   */
  of(key: string, idHash: string): number {
    if (this.kind === 'hash') return Number(BigInt(idHash) & BigInt(this.count - 1));
    return parseInt(key.slice(0, 6), 16) >> (24 - this.bits);
  }

  /** The keys of prefix bucket `b`: from its leading bits up to the next bucket's (unbounded at the ends). */
  range(b: number): KeyRange {
    if (this.kind !== 'prefix') throw new RangeError('hash buckets are not key ranges');
    const shift = 24 - this.bits;
    const at = (x: number): string => `${(x << shift).toString(16).padStart(6, '0')}00-0000-0000-0000-000000000000`;
    return { lo: b === 0 ? null : at(b), hi: b + 1 >= this.count ? null : at(b + 1) };
  }
}
