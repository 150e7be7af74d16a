import type { AgreementDocument } from './agreementDocument';
import type { AgreementState, AgreementVersionRecord } from './agreementState';
import { parseInstantMs } from './calendar';
import { addIsoDuration, parseIsoDuration } from './isoDuration';

/**
 * When an agreement binds what the receiver may hold, and when it has ended for good. Follows the rules
 * of libs/agreements versionRecordInForce (a confirmed version starts at max(validFrom, confirmation);
 * the highest-numbered started version governs; it ends at its validTo or at termination) but asks
 * about the present rather than about an event's commit time, and treats suspension as a pause, not a
 * change of scope.
 */
interface Span {
  record: AgreementVersionRecord;
  startMs: number;
  endMs: number;
}

interface Timeline {
  /** Confirmed versions, highest number first. */
  spans: Span[];
  terminatedMs: number;
}

const timelines = new WeakMap<AgreementState, Timeline>();

function ms(text: string): number {
  const p = parseInstantMs(text);
  if (!p.ok) throw new RangeError(p.reason);
  return p.value;
}

function timeline(state: AgreementState): Timeline {
  let t = timelines.get(state);
  if (!t) {
    t = {
      spans: state.versions
        .filter((v) => v.status === 'confirmed' && v.confirmedAt !== undefined)
        .map((record) => ({
          record,
          startMs: Math.max(ms(record.document.period.validFrom), ms(record.confirmedAt!)),
          endMs: ms(record.document.period.validTo),
        }))
        .sort((a, b) => b.record.version - a.record.version),
      terminatedMs: state.termination ? ms(state.termination.at) : Infinity,
    };
    timelines.set(state, t);
  }
  return t;
}

function governing(t: Timeline, at: number): Span | undefined {
  return t.spans.find((s) => s.startMs <= at);
}

/**
 * The version whose scope (entities, fields, filters) bounds what the receiver may hold at `at`: the
 * highest-numbered confirmed version already started, not expired, the agreement not terminated. Null
 * before anything started, after the end, and in a gap between an expired version and a later one.
 * A suspension changes nothing here: it stops new data, not the scope of data held.
 */
export function scopeVersionAt(state: AgreementState | null, at: number): AgreementVersionRecord | null {
  if (state === null) return null;
  const t = timeline(state);
  if (at >= t.terminatedMs) return null;
  const g = governing(t, at);
  return g && at < g.endMs ? g.record : null;
}

/** The end of an agreement (Art. 12 (3), (10)): the instant it stopped for good and the version that governed last. */
export interface AgreementEnd {
  how: 'expired' | 'terminated';
  endedAtMs: number;
  /** The version whose storage (9) and deletion (10) elements apply: the last one in force, else the newest confirmed. */
  last: AgreementVersionRecord;
}

/**
 * Whether the agreement has ended by `at`: terminated, or expired with no later confirmed version
 * waiting to take over (that would be a gap, not an end). Null while it may still be, or become, in force.
 */
export function agreementEndAt(state: AgreementState | null, at: number): AgreementEnd | null {
  if (state === null) return null;
  const t = timeline(state);
  if (t.spans.length === 0) return null;
  if (at >= t.terminatedMs) {
    const g = governing(t, t.terminatedMs);
    if (g && g.endMs <= t.terminatedMs) return { how: 'expired', endedAtMs: g.endMs, last: g.record };
    return { how: 'terminated', endedAtMs: t.terminatedMs, last: (g ?? t.spans[0]).record };
  }
  const g = governing(t, at);
  if (!g || at < g.endMs) return null;
  if (t.spans.some((s) => s.record.version > g.record.version && s.startMs > at)) return null;
  return { how: 'expired', endedAtMs: g.endMs, last: g.record };
}

/** When element (10) falls due: the end plus its afterEnd delay. */
export function deletionDueAt(end: AgreementEnd): number {
  const d = parseIsoDuration(end.last.document.deletion.afterEnd);
  if (!d.ok) throw new RangeError(d.reason);
  return addIsoDuration(end.endedAtMs, d.value);
}

/** Element (9) for received rows: an ISO duration counted from receipt, or null for 'until_end'. */
export function receivedRetention(doc: AgreementDocument): string | null {
  const r = doc.storage.receivedRetention;
  if (r === 'until_end') return null;
  if (!parseIsoDuration(r).ok) throw new RangeError(`agreement ${doc.id} v${doc.version}: receivedRetention "${r}" is not an ISO 8601 duration`);
  return r;
}
