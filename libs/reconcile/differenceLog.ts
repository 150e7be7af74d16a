import type { ClassCounts, DifferenceClass } from './rowComparison';

/** A difference as the run stores it: the key, its class, the differing field names — never a value. */
export interface RecordedDifference {
  key: string;
  class: DifferenceClass;
  /** Differing fields (only for 'different'), in the agreement's field order. */
  fields: string[];
  /** Position of the key in the partner store: its row's `_source_lsn` or its tombstone's lsn. */
  partnerLsn: string | null;
  /** The row's reporting unit (Art. 18), from the provider's row or else the partner's. */
  reportingUnit: string | null;
}

/**
 * The differences of one entity: exact counts per class, and the keys up to a limit, so a table the
 * partner store lacks entirely (ten million missing rows) is counted exactly without holding ten
 * million keys.
 */
export class DifferenceLog {
  readonly counts: ClassCounts = { missing: 0, extra: 0, different: 0 };
  private readonly byKey = new Map<string, RecordedDifference>();

  constructor(readonly limit: number) {}

  /** Room left for keys. */
  get room(): number {
    return Math.max(0, this.limit - this.byKey.size);
  }

  get truncated(): boolean {
    return this.byKey.size < this.counts.missing + this.counts.extra + this.counts.different;
  }

  get total(): number {
    return this.counts.missing + this.counts.extra + this.counts.different;
  }

  /** Counts `n` differences of a class, recording the keys given (at most the room left). */
  add(cls: DifferenceClass, n: number, keys: readonly string[] = []): void {
    this.counts[cls] += n;
    for (const key of keys) {
      if (this.byKey.size >= this.limit) break;
      if (this.byKey.has(key)) throw new RangeError(`key ${key} counted twice`);
      this.byKey.set(key, { key, class: cls, fields: [], partnerLsn: null, reportingUnit: null });
    }
  }

  get(key: string): RecordedDifference | undefined {
    return this.byKey.get(key);
  }

  keys(cls?: DifferenceClass): string[] {
    return [...this.byKey.values()].filter((d) => cls === undefined || d.class === cls).map((d) => d.key);
  }

  /** Recorded differences ascending by key. */
  list(): RecordedDifference[] {
    return [...this.byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Number of recorded 'different' rows per differing field. */
  fieldCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.byKey.values()) for (const f of d.fields) out[f] = (out[f] ?? 0) + 1;
    return out;
  }
}
