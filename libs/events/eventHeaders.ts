import { parseLsn, formatLsn, SourcePosition } from './sourcePosition';

/** Kafka header names of an exchanged event; part of the published contract (docs/catalog). */
export const H = {
  op: 'thahs.op',
  lsn: 'thahs.lsn',
  txIndex: 'thahs.tx_index',
  xid: 'thahs.xid',
  commitTs: 'thahs.commit_ts',
  eventId: 'thahs.event_id',
  ministry: 'thahs.ministry',
  entity: 'thahs.entity',
  keyId: 'thahs.key_id',
  signature: 'thahs.sig',
  proof: 'thahs.proof',
} as const;

/** c insert, u update, d delete (tombstone), r row read by a snapshot. */
export type Operation = 'c' | 'u' | 'd' | 'r';
const OPERATIONS: readonly string[] = ['c', 'u', 'd', 'r'];

export interface EventMeta {
  op: Operation;
  position: SourcePosition;
  xid: number;
  /** Commit time, microseconds since the epoch. */
  commitTs: number;
  ministry: string;
  entity: string;
}

/** The headers the signature covers; the proof headers are added after signing. */
export function metaHeaders(m: EventMeta): Record<string, string> {
  return {
    [H.op]: m.op,
    [H.lsn]: formatLsn(m.position.lsn),
    [H.txIndex]: String(m.position.index),
    [H.xid]: String(m.xid),
    [H.commitTs]: String(m.commitTs),
    [H.eventId]: eventId(m),
    [H.ministry]: m.ministry,
    [H.entity]: m.entity,
  };
}

/** Stable across redeliveries of the same change, so duplicates are recognisable downstream. */
export function eventId(m: Pick<EventMeta, 'ministry' | 'position'>): string {
  return `${m.ministry}:${formatLsn(m.position.lsn)}:${m.position.index}`;
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

/** Parses and checks the meta headers of a received event; throws HeaderError naming the header. */
export function parseMeta(headers: RawHeaders | undefined): EventMeta {
  const need = (n: string): string => {
    const v = headerText(headers, n);
    if (v === undefined || v === '') throw new HeaderError(n, 'missing');
    return v;
  };
  const op = need(H.op);
  if (!OPERATIONS.includes(op)) throw new HeaderError(H.op, `unknown operation "${op}"`);
  let lsn: bigint;
  try {
    lsn = parseLsn(need(H.lsn));
  } catch (e) {
    throw new HeaderError(H.lsn, (e as Error).message);
  }
  const int = (n: string): number => {
    const v = Number(need(n));
    if (!Number.isSafeInteger(v) || v < 0) throw new HeaderError(n, 'not a non-negative integer');
    return v;
  };
  const meta: EventMeta = {
    op: op as Operation,
    position: { lsn, index: int(H.txIndex) },
    xid: int(H.xid),
    commitTs: int(H.commitTs),
    ministry: need(H.ministry),
    entity: need(H.entity),
  };
  if (need(H.eventId) !== eventId(meta)) throw new HeaderError(H.eventId, 'does not match the position headers');
  return meta;
}

/** The subset of received headers that the digest covers: everything but the signature and the proof. */
export function signedHeaders(headers: RawHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [H.op, H.lsn, H.txIndex, H.xid, H.commitTs, H.eventId, H.ministry, H.entity, H.keyId]) {
    const v = headerText(headers, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
