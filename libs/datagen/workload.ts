import { randomInt, randomUUID } from 'crypto';
import { Client } from 'pg';
import type { Ministry } from '../contracts/contractTypes';
import type { CaseStatus, CaseType } from '../model/codes';
import { assertDatabaseMinistry } from '../model/migrate';
import { ministryCode } from '../model/ministryCode';
import { databaseLabel } from '../model/modelErrors';
import { dateStr, localDay, tsStr } from './calendar';
import type { GenerationContext } from './generationContext';
import { PROVINCE_BY_CODE } from './geography';
import { addressOn, communeOn } from './identity';
import { InsertBatch } from './insertBatch';
import { generateJudgmentGroup } from './judgmentGroup';
import { claimGeneratorSlot, GENERATOR_SLOTS } from './generatorSlot';
import { KeySpace } from './keySpace';
import { addressLine, placeMap } from './places';
import { Prng } from './prng';
import { buildReferenceData, type ReferenceData, type UnitRef } from './referenceData';
import { RowFactory } from './rowFactory';

/**
 * `thahs workload`: a continuous, realistic stream of changes to one ministry's database, for the
 * CDC pipeline to carry. Inserts: newly received persons with judgment, decision, case and first
 * events; new events on open cases (ratings, discipline, extractions, supervision violations).
 * Updates: address changes, payments of fines and fees, case progress (admission, release, end
 * of supervision). Deletes: events entered in error, and whole small subtrees (a person entered in
 * error, removed child first).
 *
 * `rate` counts row changes per second (what CDC turns into events); `mix` sets the shares of
 * inserted, updated and deleted rows. Changes go in small transactions; when the run falls behind
 * its schedule it packs more actions into each transaction (up to `maxChangesPerTransaction`).
 * Choices are drawn from a seeded stream; timing (and so the interleaving with other writers) is not.
 */
export interface WorkloadMix {
  insert: number;
  update: number;
  delete: number;
}

export interface WorkloadOptions {
  url: string;
  ministry: Ministry;
  /** Row changes per second. */
  rate: number;
  mix: WorkloadMix;
  /** Stop after this many seconds (default: run until aborted). */
  durationSec?: number;
  seed?: number;
  reportEverySec?: number;
  /** Connections working in parallel (default: one per 800 changes/s, at most 8). */
  connections?: number;
  maxChangesPerTransaction?: number;
  onReport?: (r: WorkloadReport) => void;
  /** A transaction that failed and was rolled back (the run goes on). */
  onTransactionError?: (err: unknown) => void;
}

export interface WorkloadReport {
  final: boolean;
  elapsedSec: number;
  inserted: number;
  updated: number;
  deleted: number;
  changes: number;
  transactions: number;
  failedTransactions: number;
  /** Achieved rate since the start. */
  ratePerSec: number;
  /** Achieved rate since the previous report. */
  intervalRatePerSec: number;
}

export class WorkloadError extends Error {
  constructor(
    readonly ministry: Ministry,
    readonly database: string,
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(`workload on ${ministry} (${database}) failed: ${reason}`);
    this.name = 'WorkloadError';
  }
}

export function parseMix(text: string): WorkloadMix {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) throw new RangeError(`mix must be insert:update:delete, e.g. 70:25:5 (got "${text}")`);
  const mix = { insert: Number(m[1]), update: Number(m[2]), delete: Number(m[3]) };
  if (mix.insert + mix.update + mix.delete <= 0) throw new RangeError('mix must not be all zero');
  return mix;
}

type Kind = keyof WorkloadMix;
interface Counts {
  insert: number;
  update: number;
  delete: number;
}

/**
 * The rows a connection acts on: those whose id's last byte is ≡ `residue` (mod `modulus`), the same
 * rule in SQL and here. Connections of one run are its lanes; runs beside each other (another
 * `thahs workload`, the demo of `npm start`) hold different generator slots, and a row's share is
 * lane × slots + slot of lanes × slots. So no two connections of any runs update or delete the same
 * rows, or add events to a case another one removes; and the ids a connection creates fall in its
 * own share (partitionedUuid), so what it deletes later (subtrees it created) is its own alone.
 */
interface RowShare {
  residue: number;
  modulus: number;
}
const SHARE_SQL = (column: string) => `(('x' || right(${column}::text, 2))::bit(8)::int % $2) = $3`;
function inShare(id: string, share: RowShare): boolean {
  return parseInt(id.slice(-2), 16) % share.modulus === share.residue;
}

/** A random (v4) uuid whose last byte puts it in `share`. */
export function partitionedUuid(share: RowShare): string {
  const u = randomUUID();
  const byte = share.residue + share.modulus * randomInt(Math.floor((255 - share.residue) / share.modulus) + 1);
  return u.slice(0, -2) + byte.toString(16).padStart(2, '0');
}

interface OpenCase {
  id: string;
  type: CaseType;
  status: CaseStatus;
  managing: string;
  facility: string | null;
}

/** Rows sampled from the database to act on, refreshed as they are used up. */
class Pools {
  cases: OpenCase[] = [];
  events: string[] = [];
  persons: { id: string; province: string | null }[] = [];
  obligations: { id: string; amount: bigint; paid: bigint }[] = [];
  refreshedAt = 0;

  constructor(
    private readonly client: Client,
    private readonly rng: Prng,
    private readonly share: RowShare,
  ) {}

  /**
   * Keyset sample of this connection's rows from a random point of the id space (wrapping around
   * once). `$2`/`$3` select its share: connections act on disjoint rows, so they do not deadlock or
   * delete what another one is writing to.
   */
  private async sample<R extends { id: string }>(sql: string): Promise<R[]> {
    const from = this.rng.uuid();
    const a = await this.client.query<R>(sql, [from, this.share.modulus, this.share.residue]);
    if (a.rows.length >= 200) return a.rows;
    const b = await this.client.query<R>(sql, ['00000000-0000-0000-0000-000000000000', this.share.modulus, this.share.residue]);
    return [...a.rows, ...b.rows.filter((r) => !a.rows.some((x) => x.id === r.id))];
  }

  async refresh(): Promise<void> {
    this.cases = await this.sample<OpenCase>(
      `SELECT c.id, c.case_type AS type, c.status, c.managing_unit_id AS managing, pl.facility_unit_id AS facility
         FROM thahs.enforcement_case c
         LEFT JOIN LATERAL (SELECT p.facility_unit_id FROM thahs.custody_placement p WHERE p.case_id = c.id AND p.to_at IS NULL LIMIT 1) pl ON true
        WHERE c.closed_at IS NULL AND c.id >= $1 AND ${SHARE_SQL('c.id')} ORDER BY c.id LIMIT 400`,
    );
    this.events = (
      await this.sample<{ id: string }>(`SELECT id FROM thahs.enforcement_event WHERE id >= $1 AND event_type <> 'ADMISSION' AND ${SHARE_SQL('id')} ORDER BY id LIMIT 400`)
    ).map((r) => r.id);
    this.persons = await this.sample<{ id: string; province: string | null }>(
      `SELECT id, residence_province_code AS province FROM thahs.person WHERE id >= $1 AND nationality = 'VN' AND ${SHARE_SQL('id')} ORDER BY id LIMIT 400`,
    );
    const obligations = await this.sample<{ id: string; amount: string; paid: string }>(
      `SELECT id, amount_vnd::text AS amount, paid_vnd::text AS paid FROM thahs.monetary_obligation WHERE id >= $1 AND paid_vnd < amount_vnd AND ${SHARE_SQL('id')} ORDER BY id LIMIT 400`,
    );
    this.obligations = obligations.map((o) => ({ id: o.id, amount: BigInt(o.amount), paid: BigInt(o.paid) }));
    this.refreshedAt = Date.now();
  }

  take<T>(list: T[], rng: Prng): T | undefined {
    if (list.length === 0) return undefined;
    const i = rng.int(list.length);
    const [x] = list.splice(i, 1);
    return x;
  }
}

interface Created {
  persons: string[];
  legalPersons: string[];
  judgments: string[];
  convictions: string[];
  cases: string[];
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => (clearTimeout(t), resolve());
    // Removed when the pause ends: a long run pauses many times on one signal.
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

class Actions {
  private ordinal = 0;
  readonly created: Created[] = [];

  constructor(
    private readonly client: Client,
    private readonly rng: Prng,
    private readonly ref: ReferenceData,
    private readonly keys: KeySpace,
    private readonly pools: Pools,
    private readonly seed: number,
    private readonly share: RowShare,
  ) {}

  private readonly newId = (): string => partitionedUuid(this.share);

  private unit(id: string | null): UnitRef | null {
    return id === null ? null : (this.ref.unitsById.get(id) ?? null);
  }

  private factory(sink: InsertBatch): RowFactory {
    return new RowFactory(this.ref.ministry, this.rng, sink, Date.now(), this.newId);
  }

  private context(): GenerationContext {
    const now = Date.now();
    const today = localDay(now);
    return {
      ministry: this.ref.ministry,
      ref: this.ref,
      keys: this.keys,
      seed: this.seed,
      asOf: today,
      horizon: now,
      windowFrom: today - 45,
      windowTo: today - 10,
      orderedIds: false,
      newId: this.newId,
    };
  }

  async run(kind: Kind): Promise<Counts> {
    const c: Counts = { insert: 0, update: 0, delete: 0 };
    const r = this.rng.next();
    if (kind === 'insert') {
      if (r < 0.25) await this.newPerson(c);
      else await this.newEvent(c);
    } else if (kind === 'update') {
      if (r < 0.35) await this.addressChange(c);
      else if (r < 0.65) await this.payment(c);
      if (c.update === 0) await this.caseProgress(c);
    } else {
      if (r < 0.2 && this.created.length > 0) await this.deleteSubtree(c);
      if (c.delete === 0) await this.deleteEvent(c);
    }
    return c;
  }

  /** A newly received person: judgment, decision, case and first events, written together. */
  private async newPerson(c: Counts): Promise<void> {
    const batch = new InsertBatch();
    // Ordinals far above any seed run's, so workload persons never replay a seeded person's stream.
    generateJudgmentGroup(this.context(), 2 ** 40 + this.rng.int(2 ** 30) * 16 + (this.ordinal++ % 16), 1, batch);
    c.insert += await batch.writeTo(this.client);
    const ids = batch.idsByTable();
    const created: Created = {
      persons: ids.get('person') ?? [],
      legalPersons: ids.get('legal_person') ?? [],
      judgments: ids.get('judgment') ?? [],
      convictions: ids.get('conviction') ?? [],
      cases: ids.get('enforcement_case') ?? [],
    };
    // Only subtrees whose cases are in this connection's share: no other connection adds events to them.
    if (batch.rowCount <= 60 && created.cases.every((id) => inShare(id, this.share))) this.created.push(created);
    if (this.created.length > 1000) this.created.shift();
  }

  private async newEvent(c: Counts): Promise<void> {
    const oc = this.pools.cases[this.rng.int(Math.max(1, this.pools.cases.length))];
    if (!oc) return this.newPerson(c);
    const batch = new InsertBatch();
    const f = this.factory(batch);
    const now = Date.now();
    const reporting = this.unit(oc.facility ?? oc.managing);
    if (oc.type === 'COMMUNITY') {
      f.event(oc.id, { type: 'SUPERVISION_VIOLATION', at: now, reporting, note: 'Vi phạm nghĩa vụ khi chấp hành án tại cộng đồng', details: {} });
    } else {
      const x = this.rng.next();
      if (x < 0.8) {
        const month = new Date(now).getUTCMonth() + 1;
        const rating = this.rng.pick(['TOT', 'TOT', 'KHA', 'KHA', 'TRUNG_BINH', 'KEM'] as const);
        f.event(oc.id, { type: 'CONDUCT_RATING', at: now, reporting, details: { period: month === 1 ? 'YEAR' : month === 7 ? 'HALF_YEAR' : 'QUARTER', rating } });
      } else if (x < 0.92) {
        f.event(oc.id, { type: 'DISCIPLINE', at: now, reporting, note: 'Vi phạm nội quy', details: {} });
      } else {
        f.event(oc.id, {
          type: 'EXTRACTION_OUT',
          at: now,
          reporting,
          fromUnit: reporting,
          details: { reason: 'Phục vụ điều tra vụ án khác', expected_return_at: tsStr(now + 7 * 86_400_000) },
        });
      }
    }
    c.insert += await batch.writeTo(this.client);
  }

  private async addressChange(c: Counts): Promise<void> {
    const p = this.pools.take(this.pools.persons, this.rng);
    if (!p) return;
    const province = PROVINCE_BY_CODE.get(p.province ?? '') ?? PROVINCE_BY_CODE.get('001');
    const districts = placeMap().districtsByProvince.get(province?.code ?? '001') ?? [];
    const district = this.rng.pick(districts);
    if (!district) return;
    const commune = this.rng.pick(district.communes);
    const today = localDay(Date.now());
    const address = addressOn(addressLine(this.rng, district.kind !== 'huyện', province?.region === 'south'), commune, today);
    const res = await this.client.query(
      'UPDATE thahs.person SET current_address = $2, temporary_address = $2, residence_commune = $3, residence_province_code = $4 WHERE id = $1',
      [p.id, address, communeOn(commune, today), commune.district.province.mergedInto],
    );
    c.update += res.rowCount ?? 0;
  }

  private async payment(c: Counts): Promise<void> {
    const o = this.pools.take(this.pools.obligations, this.rng);
    if (!o) return;
    const remaining = o.amount - o.paid;
    const pay = this.rng.chance(0.5) ? remaining : (remaining * BigInt(this.rng.range(10, 90))) / 100n;
    const paid = o.paid + (pay > 0n ? pay : remaining);
    const res = await this.client.query(
      'UPDATE thahs.monetary_obligation SET paid_vnd = $2, settled_date = CASE WHEN $2::numeric >= amount_vnd THEN $3::date ELSE settled_date END WHERE id = $1 AND paid_vnd <= $2::numeric',
      [o.id, paid.toString(), dateStr(localDay(Date.now()))],
    );
    c.update += res.rowCount ?? 0;
  }

  /** Moves an open case on: admission of a waiting prisoner, release, or end of supervision. */
  private async caseProgress(c: Counts): Promise<void> {
    const oc = this.pools.take(this.pools.cases, this.rng);
    if (!oc) return;
    const now = Date.now();
    const batch = new InsertBatch();
    const f = this.factory(batch);
    const managing = this.unit(oc.managing);
    if (oc.status === 'CHO_THI_HANH' || oc.status === 'HOAN') {
      const res = await this.client.query("UPDATE thahs.enforcement_case SET status = 'DANG_THI_HANH' WHERE id = $1 AND closed_at IS NULL", [oc.id]);
      c.update += res.rowCount ?? 0;
      return;
    }
    const facility = this.unit(oc.facility);
    if (oc.type === 'COMMUNITY') f.event(oc.id, { type: 'SUPERVISION_END', at: now, reporting: managing, details: {} });
    else
      f.event(oc.id, {
        type: 'RELEASE',
        at: now,
        reporting: facility ?? managing,
        fromUnit: facility,
        details: { reason: 'HET_HAN', notice_sent_at: tsStr(now - 60 * 86_400_000) },
      });
    c.insert += await batch.writeTo(this.client);
    const placed = await this.client.query('UPDATE thahs.custody_placement SET to_at = $2 WHERE case_id = $1 AND to_at IS NULL', [oc.id, tsStr(now)]);
    const closed = await this.client.query(
      "UPDATE thahs.enforcement_case SET status = 'DA_CHAP_HANH_XONG', closed_at = greatest($2::timestamptz, opened_at), closure_reason = 'HET_HAN' WHERE id = $1 AND closed_at IS NULL",
      [oc.id, tsStr(now)],
    );
    c.update += (placed.rowCount ?? 0) + (closed.rowCount ?? 0);
  }

  private async deleteEvent(c: Counts): Promise<void> {
    const id = this.pools.take(this.pools.events, this.rng);
    if (!id) return;
    const res = await this.client.query('DELETE FROM thahs.enforcement_event WHERE id = $1', [id]);
    c.delete += res.rowCount ?? 0;
  }

  /** Removes a person entered in error with everything hanging off them, children first. */
  private async deleteSubtree(c: Counts): Promise<void> {
    const s = this.created.shift();
    if (!s) return;
    // Keep this connection from acting on the cases it is about to remove.
    this.pools.cases = this.pools.cases.filter((c) => !s.cases.includes(c.id));
    const q = async (sql: string, ids: string[]) => {
      if (ids.length === 0) return;
      const res = await this.client.query(sql, [ids]);
      c.delete += res.rowCount ?? 0;
    };
    for (const t of ['enforcement_event', 'custody_placement', 'community_supervision', 'legal_person_enforcement']) {
      await q(`DELETE FROM thahs.${t} WHERE case_id = ANY($1::uuid[])`, s.cases);
    }
    await q('DELETE FROM thahs.enforcement_case WHERE id = ANY($1::uuid[])', s.cases);
    for (const t of ['execution_decision', 'monetary_obligation', 'judicial_measure', 'penalty', 'conviction_offence']) {
      await q(`DELETE FROM thahs.${t} WHERE conviction_id = ANY($1::uuid[])`, s.convictions);
    }
    await q('DELETE FROM thahs.conviction WHERE id = ANY($1::uuid[])', s.convictions);
    await q('DELETE FROM thahs.judgment j WHERE j.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM thahs.conviction x WHERE x.judgment_id = j.id)', s.judgments);
    await q('DELETE FROM thahs.legal_person WHERE id = ANY($1::uuid[]) AND successor_legal_person_id IS NOT NULL', s.legalPersons);
    await q('DELETE FROM thahs.legal_person WHERE id = ANY($1::uuid[])', s.legalPersons);
    await q('DELETE FROM thahs.person WHERE id = ANY($1::uuid[])', s.persons);
  }
}

export async function runWorkload(opts: WorkloadOptions, signal?: AbortSignal): Promise<WorkloadReport> {
  if (!(opts.rate > 0)) throw new RangeError(`rate must be positive, got ${opts.rate}`);
  const db = databaseLabel(opts.url);
  const lanes = Math.max(1, Math.min(8, opts.connections ?? Math.ceil(opts.rate / 800)));
  const totals: Counts = { insert: 0, update: 0, delete: 0 };
  const stats = { transactions: 0, failed: 0 };
  const started = Date.now();
  let lastReportAt = started;
  let lastReportChanges = 0;
  let lastIntervalRate = 0;
  const changes = () => totals.insert + totals.update + totals.delete;
  const report = (final: boolean): WorkloadReport => {
    const now = Date.now();
    const elapsedSec = (now - started) / 1000;
    const n = changes();
    const r: WorkloadReport = {
      final,
      elapsedSec,
      inserted: totals.insert,
      updated: totals.update,
      deleted: totals.delete,
      changes: n,
      transactions: stats.transactions,
      failedTransactions: stats.failed,
      ratePerSec: elapsedSec > 0 ? n / elapsedSec : 0,
      // A final report right after a periodic one repeats the last full interval's rate.
      intervalRatePerSec: now - lastReportAt >= 500 ? ((n - lastReportChanges) * 1000) / (now - lastReportAt) : lastIntervalRate,
    };
    if (now - lastReportAt >= 500) {
      lastReportAt = now;
      lastReportChanges = n;
      lastIntervalRate = r.intervalRatePerSec;
    }
    opts.onReport?.(r);
    return r;
  };
  const reportEvery = (opts.reportEverySec ?? 5) * 1000;
  const timer = setInterval(() => report(false), reportEvery);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  // Held for the whole run: its generator slot (a session advisory lock) keeps other generators'
  // keys apart from this run's.
  let lostSlot: Error | undefined;
  const slotClient = new Client({ connectionString: opts.url, application_name: `thahs-workload-${opts.ministry}` });
  try {
    await slotClient.connect();
    slotClient.on('error', (err) => {
      lostSlot = err;
      stop.abort();
    });
    const shared = await loadShared(opts, db, slotClient);
    await Promise.all(
      Array.from({ length: lanes }, (_, lane) =>
        runLane(opts, shared, lane, lanes, started, totals, stats, stop.signal).catch((err: unknown) => {
          stop.abort();
          throw err;
        }),
      ),
    );
    if (lostSlot) throw new WorkloadError(opts.ministry, db, `the connection holding the run's generator slot failed: ${lostSlot.message}`, lostSlot);
    return report(true);
  } catch (err) {
    if (err instanceof WorkloadError) throw err;
    throw new WorkloadError(opts.ministry, db, err instanceof Error ? err.message : String(err), err);
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    await slotClient.end().catch(() => undefined);
  }
}

interface Shared {
  ref: ReferenceData;
  /** One key space for all lanes, so they never hand out the same case or judgment number. */
  keys: KeySpace;
}

async function loadShared(opts: WorkloadOptions, db: string, client: Client): Promise<Shared> {
  await assertDatabaseMinistry((sql, params) => client.query(sql, params).then((r) => r.rows), opts.ministry, opts.url);
  const units = await client.query<{ unit_code: string; id: string }>('SELECT unit_code, id FROM thahs.org_unit');
  const courts = await client.query<{ court_code: string; id: string }>('SELECT court_code, id FROM thahs.court');
  if (units.rows.length === 0) throw new WorkloadError(opts.ministry, db, 'no reference data; seed the database first (`thahs seed`)');
  const ref = buildReferenceData(ministryCode(opts.ministry), new Map(units.rows.map((r) => [r.unit_code, r.id])), new Map(courts.rows.map((r) => [r.court_code, r.id])));
  // The slot first, then the keys: whatever another run writes after this load is in another slot.
  const slot = await claimGeneratorSlot(client, db);
  return { ref, keys: await KeySpace.load(client, slot, GENERATOR_SLOTS) };
}

/** One connection's share of the workload: its own schedule, samples and transactions. */
async function runLane(
  opts: WorkloadOptions,
  shared: Shared,
  lane: number,
  lanes: number,
  started: number,
  totals: Counts,
  stats: { transactions: number; failed: number },
  signal: AbortSignal,
): Promise<void> {
  const client = new Client({ connectionString: opts.url, application_name: `thahs-workload-${opts.ministry}` });
  await client.connect();
  const rng = new Prng(opts.seed ?? 1, 0x3047, ministryCode(opts.ministry) === 'CAND' ? 1 : 2, lane);
  const mine: Counts = { insert: 0, update: 0, delete: 0 };
  const rate = opts.rate / lanes;
  const maxPerTx = Math.max(1, opts.maxChangesPerTransaction ?? 50);
  const mixTotal = opts.mix.insert + opts.mix.update + opts.mix.delete;
  const share: Counts = { insert: opts.mix.insert / mixTotal, update: opts.mix.update / mixTotal, delete: opts.mix.delete / mixTotal };
  const done = () => mine.insert + mine.update + mine.delete;
  let transactions = 0;
  let failed = 0;
  try {
    const rows: RowShare = { residue: lane * shared.keys.slots + shared.keys.slot, modulus: lanes * shared.keys.slots };
    const pools = new Pools(client, rng, rows);
    await pools.refresh();
    const actions = new Actions(client, rng, shared.ref, shared.keys, pools, (opts.seed ?? 1) * 16 + lane, rows);

    // The class furthest below its share of this lane's changes so far goes next.
    const nextKind = (pending: Counts): Kind => {
      const total = done() + pending.insert + pending.update + pending.delete + 1;
      let best: Kind = 'insert';
      let bestGap = Number.NEGATIVE_INFINITY;
      for (const k of ['insert', 'update', 'delete'] as const) {
        if (share[k] === 0) continue;
        const gap = share[k] * total - (mine[k] + pending[k]);
        if (gap > bestGap) {
          bestGap = gap;
          best = k;
        }
      }
      return best;
    };

    const deadline = opts.durationSec === undefined ? Number.POSITIVE_INFINITY : started + opts.durationSec * 1000;
    const due = () => ((Math.min(Date.now(), deadline) - started) / 1000) * rate;
    while (!signal.aborted && Date.now() < deadline) {
      if (done() >= due()) {
        await sleep(Math.min(100, Math.max(1, ((done() + 1 - due()) / rate) * 1000)), signal);
        continue;
      }
      if (pools.cases.length < 20 || pools.events.length < 20 || Date.now() - pools.refreshedAt > 30_000) await pools.refresh();
      const pending: Counts = { insert: 0, update: 0, delete: 0 };
      await client.query('BEGIN');
      try {
        let n = 0;
        let idle = 0;
        do {
          const before = n;
          const got = await actions.run(nextKind(pending));
          pending.insert += got.insert;
          pending.update += got.update;
          pending.delete += got.delete;
          n = pending.insert + pending.update + pending.delete;
          idle = n === before ? idle + 1 : 0;
        } while (n < maxPerTx && idle < 5 && done() + n < due());
        await client.query('COMMIT');
        for (const k of ['insert', 'update', 'delete'] as const) {
          mine[k] += pending[k];
          totals[k] += pending[k];
        }
        transactions += 1;
        stats.transactions += 1;
        if (n === 0) await pools.refresh();
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        failed += 1;
        stats.failed += 1;
        opts.onTransactionError?.(err);
        // A concurrent writer took a key or a row first: resample and carry on, but not forever.
        if (failed > 100 && failed > transactions) throw err;
        await pools.refresh();
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
