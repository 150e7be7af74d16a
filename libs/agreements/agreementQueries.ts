import type { AgreementDocument } from './agreementDocument';
import type { AgreementState, AgreementStatus, AgreementVersionRecord, Suspension } from './agreementState';
import { parseInstantMs } from './calendar';

/**
 * Read-only questions about an agreement's state: which version governs an instant, whether it is in
 * force, its status, its pending version, its refusals. Instants are `Date`s or epoch milliseconds.
 */
export type Instant = Date | number;

interface ConfirmedSpan {
  record: AgreementVersionRecord;
  /** A version governs from max(validFrom, confirmation): no data flows before every party signed. */
  startMs: number;
  endMs: number;
}

interface StateIndex {
  /** Descending by version number. */
  confirmed: ConfirmedSpan[];
  suspensions: { fromMs: number; toMs: number }[];
  terminatedMs: number;
}

const indexes = new WeakMap<AgreementState, StateIndex>();

function ms(text: string): number {
  const p = parseInstantMs(text);
  if (!p.ok) throw new RangeError(p.reason);
  return p.value;
}

function toMs(t: Instant): number {
  return typeof t === 'number' ? t : t.getTime();
}

function indexOf(state: AgreementState): StateIndex {
  let idx = indexes.get(state);
  if (!idx) {
    idx = {
      confirmed: state.versions
        .filter((v) => v.status === 'confirmed')
        .map((record) => ({
          record,
          startMs: Math.max(ms(record.document.period.validFrom), ms(record.confirmedAt!)),
          endMs: ms(record.document.period.validTo),
        }))
        .sort((a, b) => b.record.version - a.record.version),
      suspensions: state.suspensions.map((s) => ({ fromMs: ms(s.from), toMs: s.to === undefined ? Infinity : ms(s.to) })),
      terminatedMs: state.termination ? ms(state.termination.at) : Infinity,
    };
    indexes.set(state, idx);
  }
  return idx;
}

/**
 * The confirmed version whose rules apply at `t`, ignoring suspension and termination: the highest
 * version already started. Its end is not checked here (a later version ending earlier ends the
 * agreement; an older version does not take over).
 */
export function governingRecord(state: AgreementState, t: Instant): (ConfirmedSpan & { expired: boolean }) | undefined {
  const at = toMs(t);
  for (const span of indexOf(state).confirmed) {
    if (span.startMs <= at) return { ...span, expired: at >= span.endMs };
  }
  return undefined;
}

/**
 * The version that governs an event committed at `commitTime`, or null when none does (before the
 * start, after the end, while suspended, after termination): callers must then fail closed.
 */
export function versionInForce(state: AgreementState | null, commitTime: Instant): AgreementDocument | null {
  return state === null ? null : (versionRecordInForce(state, commitTime)?.document ?? null);
}

export function versionRecordInForce(state: AgreementState, commitTime: Instant): AgreementVersionRecord | null {
  const at = toMs(commitTime);
  const idx = indexOf(state);
  if (at >= idx.terminatedMs) return null;
  for (const s of idx.suspensions) if (s.fromMs <= at && at < s.toMs) return null;
  const g = governingRecord(state, at);
  return g && !g.expired ? g.record : null;
}

export function isInForce(state: AgreementState | null, at: Instant): boolean {
  return state !== null && versionRecordInForce(state, at) !== null;
}

export function statusAt(state: AgreementState, at: Instant): AgreementStatus {
  const t = toMs(at);
  const idx = indexOf(state);
  if (t >= idx.terminatedMs) return 'terminated';
  if (idx.confirmed.length === 0) {
    const latest = state.versions[state.versions.length - 1];
    return latest.status as Exclude<AgreementStatus, 'active' | 'suspended' | 'expired' | 'terminated'>;
  }
  const g = governingRecord(state, t);
  if (!g) return 'confirmed';
  if (g.expired) return 'expired';
  for (const s of idx.suspensions) if (s.fromMs <= t && t < s.toMs) return 'suspended';
  return 'active';
}

/** The version being drafted, proposed or asked for by a joining body, if any (at most one). */
export function pendingVersion(state: AgreementState): AgreementVersionRecord | undefined {
  const latest = state.versions[state.versions.length - 1];
  return latest && (latest.status === 'draft' || latest.status === 'proposed') ? latest : undefined;
}

export function latestConfirmedVersion(state: AgreementState): AgreementVersionRecord | undefined {
  return indexOf(state).confirmed[0]?.record;
}

export function openSuspension(state: AgreementState): Suspension | undefined {
  const last = state.suspensions[state.suspensions.length - 1];
  return last && last.to === undefined ? last : undefined;
}

export function findVersion(state: AgreementState, version: number): AgreementVersionRecord | undefined {
  return state.versions.find((v) => v.version === version);
}

/** Refusals of proposals and join requests (Art. 14.1(a)), each with the body it must reach. */
export interface RefusalNotice {
  agreementId: string;
  version: number;
  kind: 'proposal' | 'join_request';
  to: string;
  by: string;
  reason: string;
  at: string;
}

export function refusalNotices(state: AgreementState, to?: string): RefusalNotice[] {
  return state.versions
    .filter((v) => v.refusal !== undefined && (to === undefined || v.refusal.requester === to))
    .map((v) => ({
      agreementId: state.agreementId,
      version: v.version,
      kind: v.origin === 'join' ? 'join_request' : 'proposal',
      to: v.refusal!.requester,
      by: v.refusal!.by,
      reason: v.refusal!.reason,
      at: v.refusal!.at,
    }));
}

/** One line per version, for operators and the annual report (Art. 5, 13). */
export interface VersionHistoryRow {
  version: number;
  origin: 'draft' | 'join';
  status: AgreementVersionRecord['status'];
  documentHash: string;
  dispatchNumber: string;
  dispatchDate: string;
  validFrom: string;
  validTo: string;
  draftedBy: string;
  draftedAt: string;
  proposedBy?: string;
  proposedAt?: string;
  signedBy: readonly string[];
  confirmedAt?: string;
  refusal?: { by: string; reason: string; at: string };
  withdrawal?: { by: string; reason: string; at: string };
}

export function versionHistory(state: AgreementState): VersionHistoryRow[] {
  return state.versions.map((v) => ({
    version: v.version,
    origin: v.origin,
    status: v.status,
    documentHash: v.documentHash,
    dispatchNumber: v.document.dispatch.number,
    dispatchDate: v.document.dispatch.date,
    validFrom: v.document.period.validFrom,
    validTo: v.document.period.validTo,
    draftedBy: v.draftedBy,
    draftedAt: v.draftedAt,
    ...(v.proposedBy === undefined ? {} : { proposedBy: v.proposedBy, proposedAt: v.proposedAt }),
    signedBy: v.signatures.map((s) => s.party),
    ...(v.confirmedAt === undefined ? {} : { confirmedAt: v.confirmedAt }),
    ...(v.refusal === undefined ? {} : { refusal: { by: v.refusal.by, reason: v.refusal.reason, at: v.refusal.at } }),
    ...(v.withdrawal === undefined ? {} : { withdrawal: v.withdrawal }),
  }));
}
