import { hash } from 'crypto';

/**
 * A producer's signed statement of how far it has sent each partition of one agreement's topics
 * (issue 14, defect 6). A gap is otherwise seen only when a later event of the same partition arrives;
 * the watermark tells a receiver, within a bounded time, that events at the end of a partition's
 * stream were sent and never delivered. It travels on `<prefix>.<provider>.<agreement>._watermark`
 * (the underscore keeps it apart from entity topics, which an entity name can never start with).
 *
 * The body is JSON in a fixed field order, signed as it is: the receiver parses the bytes it verified
 * and never re-serialises them. The proof (signature and Merkle path of a one-leaf tree, the signing
 * code of events) travels in the `thahs.watermark` header.
 */
export const WATERMARK_HEADER = 'thahs.watermark';
const TYPE = 'thahs.watermark';
const VERSION = 1;
/** Largest body accepted: a watermark names a few keys per partition, never more than this. */
export const MAX_WATERMARK_BYTES = 256 * 1024;
/** Keys named per partition (the last events sent there). */
export const WATERMARK_TAIL = 8;

export interface WatermarkPartition {
  topic: string;
  partition: number;
  /** The number of the last event of the run acknowledged by Kafka on this partition (0: none yet). */
  seq: number;
  /** The last events acknowledged there: their numbers and Kafka keys' ids (row uuids, opaque), newest last. */
  tail: readonly (readonly [seq: number, id: string])[];
}

export interface Watermark {
  ministry: string;
  agreementId: string;
  /** The key that signs it: the provider body's key the agreement lists, as for events. */
  keyId: string;
  /** The producer run (meta version 2) whose numbers `partitions` states. */
  run: string;
  /** When the producer made it, µs since the epoch (its clock): strictly increasing from one producer. */
  atUs: number;
  /** How often the producer emits watermarks: receivers derive how long a silence may last from it. */
  intervalMs: number;
  sourceEpoch: string;
  /** Commit time (µs) of the last source transaction acknowledged by Kafka (0: none yet in this run). */
  lastCommitUs: number;
  partitions: readonly WatermarkPartition[];
}

export class WatermarkError extends Error {
  constructor(
    readonly reason: 'malformed' | 'too-large',
    message: string,
  ) {
    super(`watermark ${reason}: ${message}`);
    this.name = 'WatermarkError';
  }
}

export function watermarkTopic(prefix: string, provider: string, agreementId: string): string {
  return `${prefix}.${provider}.${agreementId}._watermark`;
}

export function encodeWatermark(w: Watermark): Buffer {
  const body = {
    type: TYPE,
    v: VERSION,
    ministry: w.ministry,
    agreementId: w.agreementId,
    keyId: w.keyId,
    run: w.run,
    atUs: w.atUs,
    intervalMs: w.intervalMs,
    sourceEpoch: w.sourceEpoch,
    lastCommitUs: w.lastCommitUs,
    partitions: w.partitions.map((p) => ({ topic: p.topic, partition: p.partition, seq: p.seq, tail: p.tail.map(([s, id]) => [s, id]) })),
  };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

const natural = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const text = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && !v.includes('\u0000');

/** Parses a body as encodeWatermark makes it; throws WatermarkError saying what is wrong (never quoting it). */
export function decodeWatermark(bytes: Buffer): Watermark {
  if (bytes.length > MAX_WATERMARK_BYTES) throw new WatermarkError('too-large', `${bytes.length} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new WatermarkError('malformed', 'not JSON');
  }
  const r = raw as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || r.type !== TYPE || r.v !== VERSION) throw new WatermarkError('malformed', 'not a version 1 watermark');
  for (const f of ['ministry', 'agreementId', 'keyId', 'run', 'sourceEpoch'] as const) if (!text(r[f])) throw new WatermarkError('malformed', `${f} is not a text`);
  for (const f of ['atUs', 'intervalMs', 'lastCommitUs'] as const) if (!natural(r[f])) throw new WatermarkError('malformed', `${f} is not a non-negative integer`);
  if (!Array.isArray(r.partitions)) throw new WatermarkError('malformed', 'partitions is not a list');
  const partitions: WatermarkPartition[] = (r.partitions as unknown[]).map((x, i) => {
    const p = x as Record<string, unknown>;
    if (typeof x !== 'object' || x === null || !text(p.topic, 249) || !natural(p.partition) || !natural(p.seq) || !Array.isArray(p.tail) || p.tail.length > WATERMARK_TAIL)
      throw new WatermarkError('malformed', `partition entry ${i} is malformed`);
    const tail = (p.tail as unknown[]).map((t) => {
      if (!Array.isArray(t) || t.length !== 2 || !natural(t[0]) || !text(t[1], 64) || t[0] > (p.seq as number))
        throw new WatermarkError('malformed', `partition entry ${i} has a malformed tail`);
      return [t[0], t[1]] as const;
    });
    return { topic: p.topic, partition: p.partition, seq: p.seq, tail };
  });
  return {
    ministry: r.ministry as string,
    agreementId: r.agreementId as string,
    keyId: r.keyId as string,
    run: r.run as string,
    atUs: r.atUs as number,
    intervalMs: r.intervalMs as number,
    sourceEpoch: r.sourceEpoch as string,
    lastCommitUs: r.lastCommitUs as number,
    partitions,
  };
}

const TAG = Buffer.from('thahs-watermark-v1');

/**
 * What a watermark's signature vouches for: the topic it was sent to and its exact body. Tagged apart
 * from event digests (`thahs-event-v2`), so no watermark's signature can pass for an event's.
 */
export function watermarkDigest(topic: string, body: Buffer): Buffer {
  const t = Buffer.from(topic, 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(t.length, 0);
  return hash('sha256', Buffer.concat([TAG, head, t, body]), 'buffer');
}

/** The `thahs.watermark` header: the 64-byte signature, then the Merkle path. */
export function encodeWatermarkProof(signature: Buffer, path: Buffer): Buffer {
  return Buffer.concat([signature, path]);
}

export function decodeWatermarkProof(header: Buffer): { signature: Buffer; path: Buffer } {
  return { signature: header.subarray(0, 64), path: header.subarray(64) };
}
