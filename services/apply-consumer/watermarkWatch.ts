import type { Ministry } from '../../libs/contracts/contractTypes';
import { decodeWatermark, decodeWatermarkProof, headerBytes, WATERMARK_HEADER, watermarkDigest, WatermarkError, watermarkTopic, type Watermark } from '../../libs/events';
import type { Logger } from '../../libs/logger';
import { VerificationError, type EventProof } from '../../libs/signing';
import { applyMetrics } from './applyMetrics';
import { watermarkMetrics } from './watermarkMetrics';

export interface WatermarkWatchOptions {
  receiver: Ministry;
  provider: Ministry;
  agreementId: string;
  group: string;
  prefix: string;
  /** The agreement's entity topics this consumer reads. */
  topics: readonly string[];
  log: Logger;
  /** Checks a signature over `digest` with the trusted public key of `proof.keyId` (EventVerifier.verify); throws VerificationError. */
  verify(digest: Buffer, proof: EventProof): void;
  /** Whether the version in force now lists the key for the provider (as for events). */
  keyAllowed(keyId: string): boolean;
  /** Highest number of a run the consumer has seen on a partition (SequenceWatch.seen). */
  seen(topic: string, partition: number, run: string): number;
  /** Whether events wait on the partition beyond what was applied (PartitionProgress): the consumer is catching up, not missing anything yet. */
  waiting(topic: string, partition: number): boolean;
  /** How long after a watermark announced a number the consumer may take to see it (lag allowance). */
  allowanceMs: number;
  /** The producer's interval assumed until a watermark states its own. */
  defaultIntervalMs?: number;
  /** Clock difference between the provider and this host that is tolerated. */
  maxSkewMs?: number;
  now?: () => number;
}

export type WatermarkOutcome =
  'accepted' | 'malformed' | 'wrong-topic' | 'wrong-agreement' | 'key-not-in-agreement' | 'replayed' | 'stale' | 'clock-skew' | VerificationError['reason'];

/** A number announced at some time: the consumer must see it within the allowance. */
interface Checkpoint {
  seq: number;
  atMs: number;
}

interface Expectation {
  topic: string;
  partition: number;
  run: string;
  /** Numbers up to here are not looked for: already alarmed, or sent before this member held the partition and not covered by the partner store's record. */
  settled: number;
  checkpoints: Checkpoint[];
  /** Kafka key ids of the last events sent, by number, from the watermarks. */
  keys: Map<number, string>;
}

const CHECKPOINTS_KEPT = 64;
const KEYS_KEPT = 64;
const EXPECTATIONS_KEPT = 4096;

/**
 * Bounds the time in which a withheld event is noticed (issue 14, defect 6). A gap in the provider's
 * numbers is seen when a later event of the partition arrives (SequenceWatch); at the end of a
 * partition's stream nothing later comes. The provider's signed watermarks state, per partition of its
 * run, the last number Kafka acknowledged: once a number a watermark announced has not been seen within
 * the allowance while nothing waits on the partition, the events up to it were withheld or deleted by
 * the platform — counted in thahs_apply_event_gaps_total (the status alarm `gap`), one error log line
 * naming the partition, the run, the missing numbers and, where the watermarks named them, the keys.
 * When no valid watermark arrives for twice the provider's interval plus the allowance, that is an
 * alarm too (thahs_apply_watermark_missing): the platform may be withholding everything.
 *
 * A watermark is believed only when its signature verifies with a key the agreement in force lists,
 * under its own topic and agreement, newer than the last one (a replay is refused) and not older than
 * the silence bound: the platform can neither make up a gap nor quiet the alarm. A refused one is
 * counted (thahs_apply_watermarks_total{outcome}) and changes nothing.
 *
 * A partition this member continues from the partner store's record of the group's committed work
 * (`retainOnly(held, continued)`: a restart, a rebalance) is checked as if it had held it all along —
 * what the store recorded counts as seen (SequenceWatch.restore), every other announced number is looked
 * for. Only on a partition the store knows nothing of (the group's first event there is yet to come,
 * or its record could not be read) are the numbers its first watermark announces not looked for: the
 * member before may have seen them.
 */
export class WatermarkWatch {
  private readonly topics: ReadonlySet<string>;
  private readonly topic: string;
  private readonly now: () => number;
  private readonly labels: { receiver: Ministry; provider: Ministry; agreement: string };
  private held: ReadonlySet<string> = new Set();
  /** Partitions a watermark has been received for since this member holds them. */
  private readonly announced = new Set<string>();
  /** Held partitions whose check continues from the partner store's record: their first watermark settles nothing. */
  private readonly continued = new Set<string>();
  private readonly expectations = new Map<string, Expectation>();
  private lastAtUs = 0;
  private lastValidMs: number;
  private intervalMs: number;
  private silent = false;
  private refusals = 0;

  constructor(private readonly o: WatermarkWatchOptions) {
    this.topics = new Set(o.topics);
    this.topic = watermarkTopic(o.prefix, o.provider, o.agreementId);
    this.now = o.now ?? Date.now;
    this.lastValidMs = this.now();
    this.intervalMs = o.defaultIntervalMs ?? 10_000;
    this.labels = { receiver: o.receiver, provider: o.provider, agreement: o.agreementId };
  }

  /** The silence is measured from now (the consumer starts reading). */
  restartSilence(): void {
    this.lastValidMs = this.now();
  }

  get watermarkTopic(): string {
    return this.topic;
  }

  /** How long the provider may stay silent before the alarm: twice its interval plus the allowance. */
  get silenceBoundMs(): number {
    return 2 * this.intervalMs + this.o.allowanceMs;
  }

  /**
   * The partitions this member holds now (`topic/partition`); the others are not its to watch. Those in
   * `continued` (held ones) continue from the partner store's record, added to the ones known so far.
   */
  retainOnly(held: ReadonlySet<string>, continued: ReadonlySet<string> = new Set()): void {
    this.held = new Set(held);
    for (const k of continued) if (held.has(k)) this.continued.add(k);
    for (const k of this.continued) if (!held.has(k)) this.continued.delete(k);
    for (const k of this.announced) if (!held.has(k)) this.announced.delete(k);
    for (const [k, e] of this.expectations) if (!held.has(`${e.topic}/${e.partition}`)) this.expectations.delete(k);
  }

  /** Takes one record of the watermark topic. */
  receive(r: { topic: string; value: Buffer | null; headers: Parameters<typeof headerBytes>[0] }): WatermarkOutcome {
    const outcome = this.judge(r);
    watermarkMetrics.received.inc({ ...this.labels, outcome });
    if (outcome !== 'accepted' && this.refusals++ % 100 === 0) {
      // The first refusal and every hundredth: the platform can send many.
      this.o.log.warn('a watermark was refused: it changes nothing', { ...this.labels, group: this.o.group, outcome, refused: this.refusals });
    }
    return outcome;
  }

  private judge(r: { topic: string; value: Buffer | null; headers: Parameters<typeof headerBytes>[0] }): WatermarkOutcome {
    if (r.topic !== this.topic) return 'wrong-topic';
    const proof = headerBytes(r.headers, WATERMARK_HEADER);
    if (!proof || r.value === null) return 'missing-proof';
    let w: Watermark;
    try {
      w = decodeWatermark(r.value);
    } catch (err) {
      if (err instanceof WatermarkError) return 'malformed';
      throw err;
    }
    try {
      const { signature, path } = decodeWatermarkProof(proof);
      this.o.verify(watermarkDigest(r.topic, r.value), { keyId: w.keyId, signature, path });
    } catch (err) {
      if (err instanceof VerificationError) return err.reason;
      throw err;
    }
    if (w.ministry !== this.o.provider || w.agreementId !== this.o.agreementId) return 'wrong-agreement';
    if (!this.o.keyAllowed(w.keyId)) return 'key-not-in-agreement';
    const nowMs = this.now();
    const skew = this.o.maxSkewMs ?? 60_000;
    if (w.atUs <= this.lastAtUs) return 'replayed';
    if (w.atUs / 1000 > nowMs + skew) return 'clock-skew';
    if (w.atUs / 1000 < nowMs - skew - this.silenceBoundMs) return 'stale';
    this.lastAtUs = w.atUs;
    this.lastValidMs = nowMs;
    if (w.intervalMs > 0) this.intervalMs = w.intervalMs;
    for (const p of w.partitions) this.announce(w.run, p.topic, p.partition, p.seq, p.tail, nowMs);
    return 'accepted';
  }

  private announce(run: string, topic: string, partition: number, seq: number, tail: readonly (readonly [number, string])[], nowMs: number): void {
    const at = `${topic}/${partition}`;
    if (!this.topics.has(topic) || !this.held.has(at)) return;
    const first = !this.announced.has(at) && !this.continued.has(at);
    this.announced.add(at);
    const k = `${at}/${run}`;
    let e = this.expectations.get(k);
    if (!e) {
      if (this.expectations.size >= EXPECTATIONS_KEPT) this.expectations.delete(this.expectations.keys().next().value!);
      e = { topic, partition, run, settled: first ? seq : 0, checkpoints: [], keys: new Map() };
      this.expectations.set(k, e);
    }
    const last = e.checkpoints[e.checkpoints.length - 1];
    if (seq > e.settled && (!last || seq > last.seq)) {
      e.checkpoints.push({ seq, atMs: nowMs });
      if (e.checkpoints.length > CHECKPOINTS_KEPT) e.checkpoints.shift();
    }
    for (const [s, id] of tail) if (s > e.settled) e.keys.set(s, id);
    while (e.keys.size > KEYS_KEPT) e.keys.delete(e.keys.keys().next().value!);
  }

  /** Looks at every expectation and at the silence now (run every second or so). */
  check(): void {
    const nowMs = this.now();
    const ageMs = nowMs - this.lastValidMs;
    watermarkMetrics.age.set(this.labels, Math.round(ageMs / 1000));
    const silent = ageMs > this.silenceBoundMs;
    if (silent !== this.silent) {
      this.silent = silent;
      watermarkMetrics.missing.set(this.labels, silent ? 1 : 0);
      if (silent)
        this.o.log.error(`no signed watermark for ${Math.round(ageMs / 1000)} s: the platform may be withholding the provider's events, or its producer is down`, {
          ...this.labels,
          group: this.o.group,
          watermarkTopic: this.topic,
          boundSec: Math.round(this.silenceBoundMs / 1000),
        });
      else this.o.log.info('signed watermarks arrive again', { ...this.labels, group: this.o.group });
    }
    for (const [k, e] of this.expectations) {
      const seen = this.o.seen(e.topic, e.partition, e.run);
      const done = Math.max(seen, e.settled);
      while (e.checkpoints.length > 0 && e.checkpoints[0].seq <= done) e.checkpoints.shift();
      for (const s of e.keys.keys()) if (s <= done) e.keys.delete(s);
      if (e.checkpoints.length === 0) {
        e.settled = done;
        // Kept while it is the partition's latest run: a later watermark of it continues from here.
        if (seen === 0 && e.settled === 0) this.expectations.delete(k);
        continue;
      }
      if (nowMs - e.checkpoints[0].atMs <= this.o.allowanceMs || this.o.waiting(e.topic, e.partition)) continue;
      let to = done;
      while (e.checkpoints.length > 0 && nowMs - e.checkpoints[0].atMs > this.o.allowanceMs) to = e.checkpoints.shift()!.seq;
      this.alarm(e, done + 1, to);
      e.settled = to;
    }
  }

  private alarm(e: Expectation, from: number, to: number): void {
    const missing = to - from + 1;
    const keys: string[] = [];
    for (let s = from; s <= to; s++) {
      const id = e.keys.get(s);
      if (id !== undefined) keys.push(id);
      e.keys.delete(s);
    }
    applyMetrics.eventGaps.inc({ ...this.labels, topic: e.topic, partition: String(e.partition) }, missing);
    this.o.log.error(
      "events missing at the end of a partition: the provider's signed watermark says they were sent and they did not arrive (withheld or deleted by the platform); reconcile these keys",
      {
        ...this.labels,
        group: this.o.group,
        topic: e.topic,
        partition: e.partition,
        run: e.run,
        missingFrom: from,
        missingTo: to,
        missing,
        keys,
        keysUnknown: missing - keys.length,
        allowanceSec: Math.round(this.o.allowanceMs / 1000),
      },
    );
  }
}
