import { Client, type ClientConfig, type QueryResultRow } from 'pg';
import type { Duplex } from 'stream';
import type { Logger } from '../logger';
import { PgoutputDecodeError, ReplicationStreamError, type ReplicationPhase } from './errors';
import { EventQueue } from './eventQueue';
import { formatLsn, INVALID_LSN, maxLsn, parseLsn, type Lsn } from './lsn';
import { PgoutputDecoder } from './pgoutputDecoder';
import type { PgoutputMessage } from './pgoutputMessages';
import { checkIdentifier, identifierLiteral, quoteIdentifier } from './sqlIdentifiers';
import { encodeStandbyStatus, parseWalSenderFrame } from './walSenderFrames';
import { emitHeartbeat } from './heartbeat';
import { ensurePublication, type PublicationResult, type PublishAction, type PublishedTable } from './publication';

/** One decoded pgoutput message with where it sits in the WAL. */
export interface ReplicationEvent {
  /**
   * XLogData start. The walsender sends 0 (INVALID_LSN) for a message that is not the last one written
   * by a decoding step: Relation and Type messages, and a Begin or Stream Start followed by Origin.
   */
  lsn: Lsn;
  /** XLogData walEnd (for logical walsenders, the same position as `lsn`). */
  walEnd: Lsn;
  /** Server clock when the frame was sent, ms since the Unix epoch. */
  serverTimeMs: number;
  message: PgoutputMessage;
  /**
   * Set on the events that complete a unit: Commit and Stream Commit (their end LSN) and a
   * non-transactional logical message such as a heartbeat (its LSN). Pass it to `confirm()` once this
   * event and everything before it are durable downstream; on restart the slot resumes after it.
   */
  confirmLsn: Lsn | null;
}

/** Receives events in WAL order; the next batch waits until the returned promise settles. */
export type ReplicationHandler = (events: readonly ReplicationEvent[]) => Promise<void> | void;

/** Adapts a one-event-at-a-time handler. */
export function eachEvent(fn: (event: ReplicationEvent) => Promise<void> | void): ReplicationHandler {
  return async (events) => {
    for (const e of events) await fn(e);
  };
}

export interface ReplicationStreamOptions {
  /** The source database: a postgres:// URL or a pg ClientConfig. `replication: 'database'` is added here. */
  connection: string | ClientConfig;
  slot: string;
  publications: readonly string[];
  /** 2 (default) streams large in-progress transactions (Stream Start/Stop/Commit/Abort); 1 does not. */
  protoVersion?: 1 | 2;
  /** With protocol 2: ask for streaming of in-progress transactions (default true). */
  streaming?: boolean;
  /** Deliver pg_logical_emit_message() messages, heartbeats included (default true). */
  messages?: boolean;
  /**
   * Settings for the walsender session, passed as `-c name=value` startup options, e.g.
   * `{ logical_decoding_work_mem: '64kB' }` (the memory above which a transaction is streamed or spilled).
   */
  walSenderSettings?: Readonly<Record<string, string>>;
  /** Standby status period. Must stay well under the server's wal_sender_timeout (60 s default). Default 10 s. */
  statusIntervalMs?: number;
  /** Queued events at which the socket stops being read (default 10,000). */
  highWaterMark?: number;
  /** Queued events at which reading resumes (default highWaterMark / 2). */
  lowWaterMark?: number;
  /** Most events per handler call (default 1,000). */
  maxBatchSize?: number;
  /**
   * When nothing is open or unconfirmed (no transaction or streamed transaction in progress, every
   * delivered unit confirmed, nothing queued or being handled), report the walsender's keepalive position
   * as flushed so a slot whose tables are quiet does not pin WAL. Off by default: then the slot never
   * advances past what the caller confirmed (use heartbeats to keep it moving).
   */
  advanceWhenIdle?: boolean;
  applicationName?: string;
  /** How long stop() waits for the handler and the server before closing the socket (default 10 s). */
  stopTimeoutMs?: number;
  logger?: Logger;
}

export type SnapshotAction = 'export' | 'nothing';

export interface SlotInfo {
  slot: string;
  created: boolean;
  /** For a new slot: changes committed after this LSN are streamed; the exported snapshot sees the data as of it. */
  consistentPoint: Lsn | null;
  /** For a new slot created with 'export': import it with importSnapshot() on another connection before start(). */
  snapshotName: string | null;
  /** For an existing slot: where streaming resumes. */
  confirmedFlushLsn: Lsn | null;
  restartLsn: Lsn | null;
}

export interface SystemIdentity {
  systemId: string;
  timeline: number;
  /** Current WAL flush position of the server. */
  walPosition: Lsn;
  database: string | null;
}

export interface ReplicationStreamStats {
  state: ReplicationStreamState;
  messagesReceived: number;
  messagesDelivered: number;
  queued: number;
  peakQueued: number;
  pauses: number;
  /** Highest position received (XLogData or keepalive). */
  receivedLsn: Lsn;
  confirmedLsn: Lsn;
  /** Last flush position sent to the server (what the slot may have advanced to). */
  reportedFlushLsn: Lsn;
  /** Last server clock seen, ms since the Unix epoch; lag = now - this while busy. */
  lastServerTimeMs: number | null;
  statusUpdatesSent: number;
}

export type ReplicationStreamState = 'new' | 'connected' | 'streaming' | 'stopping' | 'stopped' | 'failed';

/** The parts of pg's Connection used for the CopyBoth sub-protocol (present in pg 8.x, untyped there). */
interface CopyBothWire {
  stream: Duplex;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): unknown;
  once(event: 'replicationStart', listener: () => void): unknown;
  removeListener(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): unknown;
}

function wireOf(client: Client): CopyBothWire {
  const c = client.connection as unknown as Partial<CopyBothWire>;
  if (typeof c.sendCopyFromChunk !== 'function' || typeof c.endCopyFrom !== 'function' || !c.stream) {
    throw new Error('this pg version lacks the Connection.sendCopyFromChunk/endCopyFrom API');
  }
  return c as CopyBothWire;
}

const SETTING_NAME = /^[a-z_][a-z0-9_.]*$/;
const SETTING_VALUE = /^[A-Za-z0-9_.]+$/;

function settled<T>(p: Promise<T>): Promise<void> {
  return p.then(
    () => undefined,
    () => undefined,
  );
}

function delay(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let t: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => (t = setTimeout(() => resolve('timeout'), ms)));
  return { promise, cancel: () => clearTimeout(t) };
}

/**
 * Logical replication from one slot with the built-in pgoutput plugin over a plain pg Client in
 * replication mode.
 *
 * Lifecycle: connect() → [ensureSlot()] → start(handler) → … → stop(). Decoded events reach the handler
 * in WAL order, in batches; while the handler lags, the socket is paused so memory stays bounded.
 * The slot's confirmed_flush_lsn is only ever moved to what the caller passed to confirm() (unless
 * advanceWhenIdle is on), so a crash re-delivers everything not yet confirmed: at-least-once.
 */
export class ReplicationStream {
  readonly slot: string;
  readonly decoder = new PgoutputDecoder();
  private readonly opts: ReplicationStreamOptions;
  private readonly protoVersion: 1 | 2;
  private readonly statusIntervalMs: number;
  private readonly highWater: number;
  private readonly lowWater: number;
  private readonly maxBatch: number;
  private readonly stopTimeoutMs: number;
  private readonly log: Logger | undefined;

  private readonly baseConfig: ClientConfig;
  private client: Client | null = null;
  /** A normal connection to the same database, for heartbeats (opened on first use). */
  private sqlClient: Client | null = null;
  private wire: CopyBothWire | null = null;
  private serverVersion = 0;
  private currentState: ReplicationStreamState = 'new';
  private accepted = false;
  private queue: EventQueue<ReplicationEvent> | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private drain: Promise<void> = Promise.resolve();
  private streamQuery: Promise<void> = Promise.resolve();
  private handlerBusy = false;
  private failure: ReplicationStreamError | null = null;

  private received: Lsn = INVALID_LSN;
  private confirmed: Lsn = INVALID_LSN;
  private reported: Lsn = INVALID_LSN;
  private keepaliveWalEnd: Lsn = INVALID_LSN;
  private lastBoundary: Lsn = INVALID_LSN;
  private inTransaction = false;
  private readonly openStreams = new Set<number>();
  private messagesReceived = 0;
  private messagesDelivered = 0;
  private statusUpdatesSent = 0;
  private lastServerTimeMs: number | null = null;

  private resolveFinished!: () => void;
  private rejectFinished!: (err: ReplicationStreamError) => void;
  /** Settles when the stream ends: resolves after stop(), rejects with the ReplicationStreamError that ended it. */
  readonly finished: Promise<void>;

  constructor(options: ReplicationStreamOptions) {
    this.opts = options;
    this.slot = checkIdentifier('slot', options.slot);
    if (options.publications.length === 0) throw new RangeError('at least one publication is needed');
    for (const p of options.publications) checkIdentifier('publication', p);
    this.protoVersion = options.protoVersion ?? 2;
    this.statusIntervalMs = options.statusIntervalMs ?? 10_000;
    this.highWater = options.highWaterMark ?? 10_000;
    this.lowWater = options.lowWaterMark ?? Math.floor(this.highWater / 2);
    this.maxBatch = options.maxBatchSize ?? 1_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.log = options.logger;
    this.baseConfig = typeof options.connection === 'string' ? { connectionString: options.connection } : { ...options.connection };
    for (const [k, v] of Object.entries(options.walSenderSettings ?? {})) {
      if (!SETTING_NAME.test(k) || !SETTING_VALUE.test(v)) throw new RangeError(`walsender setting ${k}=${v} is not a plain name=value`);
    }
    this.finished = new Promise<void>((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    // Callers that only use stop()/start() must not crash the process with an unhandled rejection.
    this.finished.catch(() => undefined);
  }

  get state(): ReplicationStreamState {
    return this.currentState;
  }

  get confirmedLsn(): Lsn {
    return this.confirmed;
  }

  get receivedLsn(): Lsn {
    return this.received;
  }

  stats(): ReplicationStreamStats {
    const q = this.queue?.stats ?? { peak: 0, pauses: 0 };
    return {
      state: this.currentState,
      messagesReceived: this.messagesReceived,
      messagesDelivered: this.messagesDelivered,
      queued: this.queue?.size ?? 0,
      peakQueued: q.peak,
      pauses: q.pauses,
      receivedLsn: this.received,
      confirmedLsn: this.confirmed,
      reportedFlushLsn: this.reported,
      lastServerTimeMs: this.lastServerTimeMs,
      statusUpdatesSent: this.statusUpdatesSent,
    };
  }

  async connect(): Promise<void> {
    this.requireState('new', 'connect');
    const base = this.baseConfig;
    const settings = Object.entries(this.opts.walSenderSettings ?? {}).map(([k, v]) => `-c ${k}=${v}`);
    const config: ClientConfig & { replication: 'database' } = {
      ...base,
      application_name: this.opts.applicationName ?? base.application_name ?? `thahs-${this.slot}`,
      options: [base.options, ...settings].filter(Boolean).join(' ') || undefined,
      replication: 'database',
    };
    const client = new Client(config);
    client.on('error', (err) => this.fail('stream', err));
    try {
      await client.connect();
      this.wire = wireOf(client);
      const v = await client.query<{ server_version_num: string }>('SHOW server_version_num');
      this.serverVersion = Number(v.rows[0].server_version_num);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw this.error('connect', err instanceof Error ? err.message : String(err), err);
    }
    this.client = client;
    this.currentState = 'connected';
    this.log?.info('replication connection open', { slot: this.slot, serverVersion: this.serverVersion });
  }

  /**
   * ensurePublication() (see publication.ts) on a short-lived normal connection to the same database,
   * for `publication` (default: the first of this stream's publications). Call it before ensureSlot().
   */
  async ensurePublication(tables: readonly PublishedTable[], actions?: readonly PublishAction[], publication: string = this.opts.publications[0]): Promise<PublicationResult> {
    const db = new Client({ ...this.baseConfig, application_name: `thahs-${this.slot}-admin` });
    await db.connect();
    try {
      const r = await ensurePublication(db, publication, tables, actions);
      this.log?.info('publication ensured', { slot: this.slot, publication, created: r.created, altered: r.altered, tables: r.tables.length });
      return r;
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  /**
   * emitHeartbeat() over a normal connection to the same database, kept open between calls.
   * Returns the LSN the heartbeat message will be delivered with (and can be confirmed at).
   */
  async emitHeartbeat(content: string): Promise<Lsn> {
    try {
      if (!this.sqlClient) {
        const c = new Client({ ...this.baseConfig, application_name: `thahs-${this.slot}-heartbeat` });
        c.on('error', () => {
          if (this.sqlClient === c) this.sqlClient = null;
        });
        await c.connect();
        this.sqlClient = c;
      }
      return await emitHeartbeat(this.sqlClient, content);
    } catch (err) {
      const broken = this.sqlClient;
      this.sqlClient = null;
      await broken?.end().catch(() => undefined);
      throw this.error('heartbeat', err instanceof Error ? err.message : String(err), err);
    }
  }

  async identifySystem(): Promise<SystemIdentity> {
    const r = await this.command<{ systemid: string; timeline: string | number; xlogpos: string; dbname: string | null }>('IDENTIFY_SYSTEM', 'connect');
    const row = r[0];
    return { systemId: String(row.systemid), timeline: Number(row.timeline), walPosition: parseLsn(row.xlogpos), database: row.dbname };
  }

  /**
   * Finds the slot or creates it (logical, pgoutput). Creating waits until every transaction running at
   * that moment has ended. With snapshot 'export' (default) the result names a snapshot that stays usable
   * until this connection runs its next command: import it (importSnapshot) before calling start().
   */
  async ensureSlot(snapshot: SnapshotAction = 'export'): Promise<SlotInfo> {
    this.requireState('connected', 'slot');
    const rows = await this.command<{
      slot_type: string;
      plugin: string | null;
      same_db: boolean;
      confirmed_flush_lsn: string | null;
      restart_lsn: string | null;
    }>(
      `SELECT slot_type, plugin, database = current_database() AS same_db, confirmed_flush_lsn::text, restart_lsn::text
         FROM pg_replication_slots WHERE slot_name = ${identifierLiteral('slot', this.slot)}`,
      'slot',
    );
    if (rows.length > 0) {
      const s = rows[0];
      if (s.slot_type !== 'logical' || s.plugin !== 'pgoutput' || !s.same_db) {
        throw this.error('slot', `exists but is ${s.slot_type}/${s.plugin ?? 'no plugin'}${s.same_db ? '' : ' on another database'}, not logical/pgoutput here`);
      }
      this.log?.info('replication slot found', { slot: this.slot, confirmedFlushLsn: s.confirmed_flush_lsn });
      return {
        slot: this.slot,
        created: false,
        consistentPoint: null,
        snapshotName: null,
        confirmedFlushLsn: s.confirmed_flush_lsn ? parseLsn(s.confirmed_flush_lsn) : null,
        restartLsn: s.restart_lsn ? parseLsn(s.restart_lsn) : null,
      };
    }
    const name = quoteIdentifier('slot', this.slot);
    const sql =
      this.serverVersion >= 150000
        ? `CREATE_REPLICATION_SLOT ${name} LOGICAL pgoutput (SNAPSHOT '${snapshot}')`
        : `CREATE_REPLICATION_SLOT ${name} LOGICAL pgoutput ${snapshot === 'export' ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`;
    const created = await this.command<{ consistent_point: string; snapshot_name: string | null }>(sql, 'slot');
    const consistentPoint = parseLsn(created[0].consistent_point);
    this.log?.info('replication slot created', { slot: this.slot, consistentPoint: formatLsn(consistentPoint), exported: snapshot === 'export' });
    return {
      slot: this.slot,
      created: true,
      consistentPoint,
      snapshotName: created[0].snapshot_name ?? null,
      confirmedFlushLsn: null,
      restartLsn: null,
    };
  }

  /** Drops the slot (not while streaming). Returns false when it did not exist. */
  async dropSlot(): Promise<boolean> {
    this.requireState('connected', 'slot');
    const rows = await this.command<{ n: string }>(`SELECT count(*) AS n FROM pg_replication_slots WHERE slot_name = ${identifierLiteral('slot', this.slot)}`, 'slot');
    if (Number(rows[0].n) === 0) return false;
    await this.command(`DROP_REPLICATION_SLOT ${quoteIdentifier('slot', this.slot)} WAIT`, 'slot');
    this.log?.info('replication slot dropped', { slot: this.slot });
    return true;
  }

  /**
   * Starts streaming from the slot (from its confirmed_flush_lsn, or `from` if later) and resolves once
   * the server has accepted. Failures afterwards reject `finished`.
   */
  async start(handler: ReplicationHandler, from: Lsn = INVALID_LSN): Promise<void> {
    this.requireState('connected', 'start');
    const client = this.client as Client;
    const wire = this.wire as CopyBothWire;
    this.queue = new EventQueue<ReplicationEvent>(
      this.highWater,
      this.lowWater,
      () => {
        wire.stream.pause();
        this.log?.debug('replication paused: handler behind', { slot: this.slot, queued: this.queue?.size });
      },
      () => {
        if (this.currentState === 'streaming') wire.stream.resume();
      },
    );
    this.decoder.resetSession();
    this.inTransaction = false;
    this.openStreams.clear();
    wire.on('copyData', this.onCopyData);
    this.currentState = 'streaming';
    this.accepted = false;

    const sql = this.startSql(from);
    const acceptedSignal = new Promise<void>((resolve) => wire.once('replicationStart', resolve));
    const query = client.query(sql);
    this.streamQuery = query.then(
      () => this.onServerEnded(),
      (err: unknown) => this.fail(this.accepted ? 'stream' : 'start', err),
    );
    await Promise.race([acceptedSignal, this.streamQuery]);
    if (this.failure) throw this.failure;
    if (this.currentState !== 'streaming') throw this.error('start', 'stream ended before it started');
    this.accepted = true;
    this.statusTimer = setInterval(() => this.sendStatus(false), this.statusIntervalMs);
    this.drain = this.runHandler(handler, this.queue);
    this.log?.info('replication started', { slot: this.slot, from: formatLsn(from), protoVersion: this.protoVersion });
  }

  /**
   * Lets the slot advance to `lsn` (normally an event's confirmLsn) at the next status update. Never
   * moves backwards. Refuses a position beyond what was received, which can only be a caller bug.
   */
  confirm(lsn: Lsn): void {
    if (lsn > this.received) {
      throw this.error('status', `cannot confirm ${formatLsn(lsn)}: beyond the last received position`);
    }
    if (lsn > this.confirmed) this.confirmed = lsn;
  }

  /** Sends a standby status update now (e.g. right after confirm() when prompt slot advance matters). */
  flushStatus(): void {
    this.sendStatus(false);
  }

  /**
   * Graceful end: waits for the handler call in progress (events still queued are dropped and, being
   * unconfirmed, re-delivered next time), reports the confirmed position, ends the COPY and closes.
   * Resolves like `finished`.
   */
  async stop(): Promise<void> {
    const state = this.currentState;
    if (state === 'stopped' || state === 'failed' || state === 'stopping') return this.finished;
    if (state === 'new' || state === 'connected') {
      this.currentState = 'stopping';
      await this.closeClient();
      this.currentState = 'stopped';
      this.resolveFinished();
      return this.finished;
    }
    this.currentState = 'stopping';
    this.clearTimer();
    this.queue?.close();
    const wire = this.wire as CopyBothWire;
    const deadline = delay(this.stopTimeoutMs);
    try {
      if ((await Promise.race([this.drain, deadline.promise])) === 'timeout') {
        this.log?.warn('replication stop: handler still busy at the deadline', { slot: this.slot });
      }
      if (this.currentState === 'stopping') {
        wire.stream.resume();
        this.sendStatus(false);
        wire.endCopyFrom();
        if ((await Promise.race([this.streamQuery, deadline.promise])) === 'timeout') {
          this.log?.warn('replication stop: server did not end the stream in time', { slot: this.slot });
        }
      }
    } finally {
      deadline.cancel();
    }
    await this.closeClient();
    if (this.currentState === 'stopping') {
      this.currentState = 'stopped';
      this.log?.info('replication stopped', {
        slot: this.slot,
        confirmed: formatLsn(this.confirmed),
        reported: formatLsn(this.reported),
        delivered: this.messagesDelivered,
      });
      this.resolveFinished();
    }
    return this.finished;
  }

  private startSql(from: Lsn): string {
    const options = [`proto_version '${this.protoVersion}'`, `publication_names '${this.opts.publications.join(',')}'`];
    if (this.opts.messages ?? true) options.push(`messages 'true'`);
    if (this.protoVersion >= 2 && (this.opts.streaming ?? true)) options.push(`streaming 'on'`);
    return `START_REPLICATION SLOT ${quoteIdentifier('slot', this.slot)} LOGICAL ${formatLsn(from)} (${options.join(', ')})`;
  }

  // Decoding happens here, synchronously: the chunk is a view into pg's receive buffer, which the next
  // socket read may overwrite, so only decoded (copied) values may wait in the queue.
  private readonly onCopyData = (msg: { chunk: Buffer }): void => {
    if (this.currentState !== 'streaming' || !this.queue) return;
    const chunk = msg.chunk;
    try {
      const frame = parseWalSenderFrame(chunk);
      this.lastServerTimeMs = frame.sendTimeMs;
      if (frame.kind === 'keepalive') {
        if (frame.walEnd > this.keepaliveWalEnd) this.keepaliveWalEnd = frame.walEnd;
        if (frame.walEnd > this.received) this.received = frame.walEnd;
        if (frame.replyRequested) this.sendStatus(false);
        return;
      }
      let message: PgoutputMessage;
      try {
        message = this.decoder.decode(chunk, frame.payloadOffset, chunk.length);
      } catch (err) {
        throw err instanceof PgoutputDecodeError ? err.at(frame.dataStart) : err;
      }
      if (frame.dataStart > this.received) this.received = frame.dataStart;
      this.messagesReceived++;
      const confirmLsn = this.track(message);
      this.queue.push({ lsn: frame.dataStart, walEnd: frame.walEnd, serverTimeMs: frame.sendTimeMs, message, confirmLsn });
    } catch (err) {
      this.fail('stream', err);
    }
  };

  /** Follows transaction boundaries on the receive side; returns the event's confirmLsn. */
  private track(m: PgoutputMessage): Lsn | null {
    switch (m.tag) {
      case 'begin':
        this.inTransaction = true;
        return null;
      case 'commit':
        this.inTransaction = false;
        return this.boundary(m.endLsn);
      case 'streamStart':
        this.openStreams.add(m.xid);
        return null;
      case 'streamCommit':
        this.openStreams.delete(m.xid);
        return this.boundary(m.endLsn);
      case 'streamAbort':
        if (m.xid === m.subXid) this.openStreams.delete(m.xid);
        return null;
      case 'message':
        return !m.transactional && !this.inTransaction && this.decoder.currentStreamXid === null ? this.boundary(m.lsn) : null;
      default:
        return null;
    }
  }

  private boundary(lsn: Lsn): Lsn {
    if (lsn > this.lastBoundary) this.lastBoundary = lsn;
    return lsn;
  }

  private async runHandler(handler: ReplicationHandler, queue: EventQueue<ReplicationEvent>): Promise<void> {
    for (;;) {
      const batch = await queue.take(this.maxBatch);
      if (batch.length === 0) return;
      this.handlerBusy = true;
      try {
        await handler(batch);
      } catch (err) {
        const at = batch[0].lsn !== INVALID_LSN ? batch[0].lsn : null;
        this.fail('handler', err, at);
        return;
      } finally {
        this.handlerBusy = false;
      }
      this.messagesDelivered += batch.length;
    }
  }

  private flushToReport(): Lsn {
    const idle =
      this.opts.advanceWhenIdle === true &&
      !this.inTransaction &&
      this.openStreams.size === 0 &&
      this.confirmed >= this.lastBoundary &&
      (this.queue?.size ?? 0) === 0 &&
      !this.handlerBusy;
    return idle ? maxLsn(this.confirmed, this.keepaliveWalEnd) : this.confirmed;
  }

  private sendStatus(replyRequested: boolean): void {
    if (!this.wire || !this.accepted || (this.currentState !== 'streaming' && this.currentState !== 'stopping')) return;
    const flushed = maxLsn(this.flushToReport(), this.reported);
    try {
      this.wire.sendCopyFromChunk(encodeStandbyStatus({ written: maxLsn(this.received, flushed), flushed, applied: flushed, nowMs: Date.now(), replyRequested }));
      this.reported = flushed;
      this.statusUpdatesSent++;
    } catch (err) {
      this.fail('status', err);
    }
  }

  private onServerEnded(): void {
    if (this.currentState === 'streaming') this.fail('stream', new Error('server ended the replication stream'));
  }

  private fail(phase: ReplicationPhase, err: unknown, lsn: Lsn | null = null): void {
    if (this.currentState === 'failed' || this.currentState === 'stopped') return;
    if (this.currentState === 'stopping' && phase === 'stream') return; // the connection closing under stop()
    const e = err instanceof ReplicationStreamError ? err : this.error(phase, err instanceof Error ? err.message : String(err), err, lsn ?? undefined);
    this.failure = e;
    this.currentState = 'failed';
    this.clearTimer();
    this.queue?.close();
    this.log?.error('replication failed', {
      slot: this.slot,
      phase,
      error: e.message,
      received: formatLsn(this.received),
      confirmed: formatLsn(this.confirmed),
    });
    void this.closeClient();
    this.rejectFinished(e);
  }

  private error(phase: ReplicationPhase, message: string, cause?: unknown, lsn?: Lsn): ReplicationStreamError {
    const decodeLsn = cause instanceof PgoutputDecodeError ? cause.lsn : null;
    const at = lsn ?? decodeLsn ?? (this.received !== INVALID_LSN ? this.received : null);
    return new ReplicationStreamError(this.slot, phase, at, this.confirmed !== INVALID_LSN ? this.confirmed : null, message, cause);
  }

  private clearTimer(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
  }

  private async closeClient(): Promise<void> {
    const sql = this.sqlClient;
    this.sqlClient = null;
    if (sql) await sql.end().catch(() => undefined);
    const client = this.client;
    if (!client) return;
    this.client = null;
    this.wire?.removeListener('copyData', this.onCopyData);
    const deadline = delay(Math.min(this.stopTimeoutMs, 5_000));
    try {
      if ((await Promise.race([settled(client.end()), deadline.promise])) === 'timeout') this.wire?.stream.destroy();
    } finally {
      deadline.cancel();
    }
  }

  private async command<R extends QueryResultRow>(sql: string, phase: ReplicationPhase): Promise<R[]> {
    const client = this.client;
    if (!client) throw this.error(phase, 'not connected');
    try {
      const r = await client.query<R>(sql);
      return r.rows;
    } catch (err) {
      throw this.error(phase, err instanceof Error ? err.message : String(err), err);
    }
  }

  private requireState(expected: ReplicationStreamState, phase: ReplicationPhase): void {
    if (this.currentState !== expected) throw this.error(phase, `is ${this.currentState}, needs ${expected}`);
  }
}
