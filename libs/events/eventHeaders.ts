import * as fs from 'fs';
import * as path from 'path';
import { Type } from 'avsc';
import { repoRoot } from '../config/repoRoot';
import { singleObjectHeader } from './avroFingerprint';
import { formatLsn, SourcePosition } from './sourcePosition';

/**
 * The Kafka header of an exchanged event; part of the published contract (schemas/event/).
 *
 * One header, not one per field: kafkajs builds every header as its own zero-filled 512-byte buffer plus
 * a small buffer per length prefix, and parses each again on fetch. Encoding one record with eleven text
 * headers cost 52–77 µs, with two ~35 µs, with one ~22 µs (docs/benchmarks.md). The signature covers
 * the exact meta bytes, so a receiver hashes what it received and never re-serialises anything.
 */
export const H = {
  /**
   * The envelope: the Avro single-object encoding of vn.thahs.event.EventMeta
   * (schemas/event/event-meta.avsc), immediately followed by the proof — the Ed25519 signature
   * (64 bytes) over the signing group's Merkle root, then this event's audit path. The single-object
   * encoding is self-delimiting, so the proof starts where the meta's Avro body ends.
   */
  event: 'thahs.event',
} as const;

/** c insert, u update, d delete (tombstone), r row read by a snapshot. */
export type Operation = 'c' | 'u' | 'd' | 'r';

export interface EventMeta {
  op: Operation;
  position: SourcePosition;
  xid: number;
  /** Commit time, microseconds since the epoch. */
  commitTs: number;
  ministry: string;
  entity: string;
  /** The agreement whose topic carries the event, and the version whose projection and filter the provider applied. */
  agreementId: string;
  agreementVersion: number;
  /** System identifier of the source cluster: positions are ordered only within one epoch. */
  sourceEpoch: string;
  /**
   * The event's place among those one producer run sent to its topic partition (meta version 2): a
   * receiver that sees `seq` jump within a run knows events are missing. Absent: not sequenced (meta
   * version 1, or events made by tools).
   */
  sequence?: EventSequence;
}

export interface EventSequence {
  /** Id of the producer run, new at every start. */
  run: string;
  /** 1, 2, 3, … per topic partition within the run. */
  seq: number;
}

/** What the meta of a received event says: the meta, the signing key it names and the event id. */
export interface ReceivedMeta extends EventMeta {
  keyId: string;
  eventId: string;
}

export class HeaderError extends Error {
  constructor(
    readonly header: string,
    message: string,
  ) {
    super(`header ${header}: ${message}`);
    this.name = 'HeaderError';
  }
}

interface MetaRecord {
  op: Operation;
  lsn: number;
  tx_index: number;
  xid: number;
  commit_ts: number;
  event_id: string;
  ministry: string;
  entity: string;
  key_id: string;
  agreement_id: string;
  agreement_version: number;
  source_epoch: string;
  /** Version 2 only. */
  run?: string;
  seq?: number;
}

export const META_SCHEMA_FILE = path.join(repoRoot(), 'schemas', 'event', 'event-meta.avsc');
/** The first version (no run, no seq): events already on the topics, and producers not yet upgraded. */
export const META_V1_SCHEMA_FILE = path.join(repoRoot(), 'schemas', 'event', 'event-meta-v1.avsc');
const typeOf = (file: string): Type => Type.forSchema(JSON.parse(fs.readFileSync(file, 'utf8')) as Parameters<typeof Type.forSchema>[0]);
const metaType = typeOf(META_SCHEMA_FILE);
const metaV1Type = typeOf(META_V1_SCHEMA_FILE);
/** Marker and fingerprint: a change of the schema changes them, so old readers refuse new layouts loudly. */
export const META_PREFIX = singleObjectHeader(JSON.stringify(metaType.schema()));
const META_V1_PREFIX = singleObjectHeader(JSON.stringify(metaV1Type.schema()));
let metaScratch = Buffer.allocUnsafe(4096);
META_PREFIX.copy(metaScratch, 0);

/** Stable across redeliveries of the same change, so duplicates are recognisable downstream. */
export function eventId(m: Pick<EventMeta, 'ministry' | 'position'>): string {
  return `${m.ministry}:${formatLsn(m.position.lsn)}:${m.position.index}`;
}

/** The meta of an event signed with the key `keyId`: the bytes the signature covers. */
/** `sequence` (the producer's, per event) overrides `m.sequence`, so the producer need not copy the meta to sequence it. */
export function encodeMeta(m: EventMeta, keyId: string, sequence: EventSequence | undefined = m.sequence): Buffer {
  // Avro long is read back as a JS number: 2^53 bytes of WAL (8 PiB) is beyond any real cluster.
  if (m.position.lsn > BigInt(Number.MAX_SAFE_INTEGER)) throw new HeaderError(H.event, `LSN ${formatLsn(m.position.lsn)} exceeds 2^53`);
  const rec: MetaRecord = {
    op: m.op,
    lsn: Number(m.position.lsn),
    tx_index: m.position.index,
    xid: m.xid,
    commit_ts: m.commitTs,
    event_id: eventId(m),
    ministry: m.ministry,
    entity: m.entity,
    key_id: keyId,
    agreement_id: m.agreementId,
    agreement_version: m.agreementVersion,
    source_epoch: m.sourceEpoch,
    run: sequence?.run ?? '',
    seq: sequence?.seq ?? 0,
  };
  // Encoded in place behind the prefix and copied out once (no intermediate buffer per event).
  let end = metaType.encode(rec, metaScratch, META_PREFIX.length);
  if (end < 0) {
    metaScratch = Buffer.allocUnsafe(2 * (metaScratch.length - end));
    META_PREFIX.copy(metaScratch, 0);
    end = metaType.encode(rec, metaScratch, META_PREFIX.length);
  }
  return Buffer.from(metaScratch.subarray(0, end));
}

/** Decodes and checks the meta at the start of `bytes`; returns it with the offset where it ends. */
function readMeta(bytes: Buffer): { meta: ReceivedMeta; end: number } {
  const current = bytes.length >= META_PREFIX.length && META_PREFIX.compare(bytes, 0, META_PREFIX.length) === 0;
  if (!current && (bytes.length < META_V1_PREFIX.length || META_V1_PREFIX.compare(bytes, 0, META_V1_PREFIX.length) !== 0)) {
    throw new HeaderError(H.event, 'not a single-object encoding of vn.thahs.event.EventMeta (wrong marker or schema fingerprint)');
  }
  let r: MetaRecord;
  let end: number;
  try {
    const d = (current ? metaType : metaV1Type).decode(bytes, META_PREFIX.length);
    if (d.offset < 0) throw new Error('truncated');
    r = d.value as MetaRecord;
    end = d.offset;
  } catch (e) {
    throw new HeaderError(H.event, `undecodable meta: ${(e as Error).message}`);
  }
  const natural = (name: keyof MetaRecord, v: number): void => {
    if (!Number.isSafeInteger(v) || v < 0) throw new HeaderError(H.event, `${name} is not a non-negative integer`);
  };
  natural('lsn', r.lsn);
  natural('tx_index', r.tx_index);
  natural('xid', r.xid);
  natural('commit_ts', r.commit_ts);
  for (const name of ['ministry', 'entity', 'key_id', 'agreement_id', 'source_epoch'] as const) if (r[name] === '') throw new HeaderError(H.event, `${name} is empty`);
  if (!Number.isSafeInteger(r.agreement_version) || r.agreement_version < 1) throw new HeaderError(H.event, 'agreement_version is not a version number');
  if (r.seq !== undefined) natural('seq', r.seq);
  if ((r.seq ?? 0) > 0 && !r.run) throw new HeaderError(H.event, 'seq without a run');
  const meta: ReceivedMeta = {
    op: r.op,
    position: { lsn: BigInt(r.lsn), index: r.tx_index },
    xid: r.xid,
    commitTs: r.commit_ts,
    ministry: r.ministry,
    entity: r.entity,
    keyId: r.key_id,
    eventId: r.event_id,
    agreementId: r.agreement_id,
    agreementVersion: r.agreement_version,
    sourceEpoch: r.source_epoch,
  };
  if (r.seq !== undefined && r.seq > 0) meta.sequence = { run: r.run!, seq: r.seq };
  if (r.event_id !== eventId(meta)) throw new HeaderError(H.event, 'event_id does not match ministry, lsn and tx_index');
  return { meta, end };
}

/** Decodes meta bytes as encodeMeta makes them (nothing may follow); throws HeaderError saying what is wrong. */
export function decodeMeta(bytes: Buffer): ReceivedMeta {
  const { meta, end } = readMeta(bytes);
  if (end !== bytes.length) throw new HeaderError(H.event, `${bytes.length - end} bytes after the meta`);
  return meta;
}

export const SIGNATURE_BYTES = 64;

/** A meta as operators read it (dead letters, `thahs events show`): the LSN as pg_lsn text, the commit time in ISO form. */
export type MetaSummary = {
  op: Operation;
  lsn: string;
  txIndex: number;
  xid: number;
  commitTs: string;
  eventId: string;
  ministry: string;
  entity: string;
  keyId: string;
  agreementId: string;
  agreementVersion: number;
  sourceEpoch: string;
  run?: string;
  seq?: number;
};

export function describeMeta(m: ReceivedMeta): MetaSummary {
  return {
    op: m.op,
    lsn: formatLsn(m.position.lsn),
    txIndex: m.position.index,
    xid: m.xid,
    commitTs: new Date(Math.floor(m.commitTs / 1000)).toISOString(),
    eventId: m.eventId,
    ministry: m.ministry,
    entity: m.entity,
    keyId: m.keyId,
    agreementId: m.agreementId,
    agreementVersion: m.agreementVersion,
    sourceEpoch: m.sourceEpoch,
    ...(m.sequence ? { run: m.sequence.run, seq: m.sequence.seq } : {}),
  };
}

/** A received thahs.event header, split: the meta (decoded, and its exact bytes) and the proof. */
export interface Envelope {
  meta: ReceivedMeta;
  /** The bytes the signature covers (a view into the header). */
  metaBytes: Buffer;
  /** Empty when the envelope carries no proof at all. */
  signature: Buffer;
  path: Buffer;
}

/** The thahs.event header: meta, signature, audit path, in one allocation. */
export function encodeEnvelope(metaBytes: Buffer, signature: Buffer, path: Buffer): Buffer {
  const out = Buffer.allocUnsafe(metaBytes.length + signature.length + path.length);
  metaBytes.copy(out, 0);
  signature.copy(out, metaBytes.length);
  path.copy(out, metaBytes.length + signature.length);
  return out;
}

/** Splits a thahs.event header; throws HeaderError when the meta is malformed (the proof is the verifier's to judge). */
export function decodeEnvelope(bytes: Buffer): Envelope {
  const { meta, end } = readMeta(bytes);
  const proofAt = Math.min(bytes.length, end + SIGNATURE_BYTES);
  return { meta, metaBytes: bytes.subarray(0, end), signature: bytes.subarray(end, proofAt), path: bytes.subarray(proofAt) };
}

type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

export function headerText(headers: RawHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : typeof one === 'string' ? one : one.toString('utf8');
}

export function headerBytes(headers: RawHeaders | undefined, name: string): Buffer | undefined {
  const v = headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : typeof one === 'string' ? Buffer.from(one, 'utf8') : one;
}

/** Reads the thahs.event header of a received event; throws HeaderError when missing or malformed. */
export function parseEnvelope(headers: RawHeaders | undefined): Envelope {
  const bytes = headerBytes(headers, H.event);
  if (bytes === undefined) throw new HeaderError(H.event, 'missing');
  return decodeEnvelope(bytes);
}

/** The meta of a received event (parseEnvelope without the proof). */
export function parseMeta(headers: RawHeaders | undefined): ReceivedMeta {
  return parseEnvelope(headers).meta;
}
