/**
 * The outcome for one key, as an agreement evaluation states it: the partner store lacks a row the
 * provider shares (missing), holds a row the provider does not share (extra), or holds it with other
 * contents (different).
 */
export type DifferenceClass = 'missing' | 'extra' | 'different';

export const DIFFERENCE_CLASSES: readonly DifferenceClass[] = ['missing', 'extra', 'different'];

/** A key and its canonical row hash (as numeric text, exactly as PostgreSQL returned it). */
export interface KeyHash {
  id: string;
  hash: string;
}

export interface KeyDifference {
  id: string;
  class: DifferenceClass;
}

/**
 * Merges two lists of key hashes, each ascending by key (as `ORDER BY id` returns them), into the keys
 * that differ. Keys present on both sides with equal hashes are matched and not returned.
 */
export function compareKeyHashes(provider: readonly KeyHash[], partner: readonly KeyHash[]): KeyDifference[] {
  const out: KeyDifference[] = [];
  let i = 0;
  let j = 0;
  let last: string | null = null;
  const ascending = (id: string): void => {
    if (last !== null && id <= last) throw new RangeError(`keys are not strictly ascending at ${id}`);
  };
  while (i < provider.length || j < partner.length) {
    const p = provider[i];
    const r = partner[j];
    if (r === undefined || (p !== undefined && p.id < r.id)) {
      ascending(p.id);
      out.push({ id: p.id, class: 'missing' });
      last = p.id;
      i++;
    } else if (p === undefined || r.id < p.id) {
      ascending(r.id);
      out.push({ id: r.id, class: 'extra' });
      last = r.id;
      j++;
    } else {
      ascending(p.id);
      if (p.hash !== r.hash) out.push({ id: p.id, class: 'different' });
      last = p.id;
      i++;
      j++;
    }
  }
  return out;
}

/** Classifies one key from what each side holds for it (null: no shared row there). */
export function classifyKey(provider: string | null, partner: string | null): DifferenceClass | null {
  if (provider === null) return partner === null ? null : 'extra';
  if (partner === null) return 'missing';
  return provider === partner ? null : 'different';
}

/** Names of the fields whose hashes differ, in field order. */
export function differingFields(fields: readonly string[], provider: readonly string[], partner: readonly string[]): string[] {
  if (provider.length !== fields.length || partner.length !== fields.length) {
    throw new RangeError(`expected ${fields.length} field hashes per side, got ${provider.length} and ${partner.length}`);
  }
  return fields.filter((_, i) => provider[i] !== partner[i]);
}

/** Counts per class, and the usual derived figures for one entity. */
export interface ClassCounts {
  missing: number;
  extra: number;
  different: number;
}

export interface EntityFigures extends ClassCounts {
  /** Distinct keys examined: every shared source row plus every extra row. */
  checked: number;
  matched: number;
  sourceRows: number;
  partnerRows: number;
}

/**
 * The figures of an entity from the row counts of both sides and the differences: every shared source
 * row is matched, missing or different; every partner row is matched, different or extra.
 */
export function entityFigures(sourceRows: number, partnerRows: number, c: ClassCounts): EntityFigures {
  const matched = sourceRows - c.missing - c.different;
  if (matched < 0 || partnerRows - c.extra - c.different !== matched) {
    throw new RangeError(`inconsistent counts: ${sourceRows} source rows, ${partnerRows} partner rows, ${c.missing} missing, ${c.extra} extra, ${c.different} different`);
  }
  return { ...c, checked: sourceRows + c.extra, matched, sourceRows, partnerRows };
}
