import { Client } from 'pg';
import { waitFor } from '../support/waitFor';
import { plainMessage } from '../support/plainMessage';
import { loadConfig } from '../../libs/config';
import {
  dropPublication,
  emitHeartbeat,
  ensurePublication,
  formatLsn,
  HEARTBEAT_PREFIX,
  importSnapshot,
  isHeartbeat,
  parseLsn,
  PublicationError,
  ReplicationStream,
  ReplicationStreamError,
  UNCHANGED_TOAST,
  type InsertMessage,
  type Lsn,
  type PgoutputMessage,
  type ReplicationEvent,
  type ReplicationStreamOptions,
} from '../../libs/pgoutput';

/**
 * Logical replication against a real PostgreSQL (wal_level=logical) at THAHS_CAND_PG_URL: publication,
 * slot with exported snapshot, every pgoutput message kind, confirmation semantics, backpressure, and
 * protocol-2 streaming of large transactions. All objects get unique names and are dropped at the end.
 */
jest.setTimeout(120_000);

const url = loadConfig().candPgUrl;
const sfx = `${process.pid}_${Date.now().toString(36)}`;
const T = `pgo_t_${sfx}`; // primary key, a TOASTable column stored out of line
const F = `pgo_f_${sfx}`; // no key, REPLICA IDENTITY FULL
const X = `pgo_x_${sfx}`; // not published
const NOPK = `pgo_nopk_${sfx}`;
const PUB = `pgo_pub_${sfx}`;
const slots: string[] = [];
const streams: ReplicationStream[] = [];
let db: Client;

/** Collects delivered events; waits for the first one matching a predicate. */
class Collector {
  readonly events: ReplicationEvent[] = [];
  private waiters: { pred: (e: ReplicationEvent) => boolean; resolve: (e: ReplicationEvent) => void }[] = [];
  readonly handler = (batch: readonly ReplicationEvent[]): void => {
    for (const e of batch) {
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    }
  };
  until(pred: (e: ReplicationEvent) => boolean, ms = 30_000): Promise<ReplicationEvent> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching event within ${ms} ms; got ${this.events.map((e) => e.message.tag).join(',')}`)), ms);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  }
  messages(): PgoutputMessage[] {
    return this.events.map((e) => e.message);
  }
}

function newStream(slot: string, extra: Partial<ReplicationStreamOptions> = {}): ReplicationStream {
  if (!slots.includes(slot)) slots.push(slot);
  const s = new ReplicationStream({ connection: url, slot, publications: [PUB], statusIntervalMs: 500, ...extra });
  streams.push(s);
  return s;
}

async function slotFlush(slot: string): Promise<Lsn> {
  const r = await db.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return parseLsn(r.rows[0].lsn);
}

/** The slot's confirmed position once `ok` holds for it. */
function slotFlushWhen(slot: string, ok: (v: Lsn) => boolean, ms = 15_000): Promise<Lsn> {
  return waitFor(
    `slot ${slot} to confirm far enough`,
    async () => {
      const v = await slotFlush(slot);
      return ok(v) ? v : undefined;
    },
    ms,
    100,
  );
}

const plain = plainMessage;

const isData = (e: ReplicationEvent): boolean => e.message.tag !== 'relation' && e.message.tag !== 'type';
const lsnOf = async (sql: string): Promise<Lsn> => parseLsn((await db.query<{ l: string }>(sql)).rows[0].l);

beforeAll(async () => {
  db = new Client({ connectionString: url });
  await db.connect();
  // Created in public by name: the default search path puts "$user" first, and once the ministry model
  // is migrated (npm start does) a schema named like the login role exists and would receive them.
  await db.query(`CREATE TABLE public.${T} (id bigint PRIMARY KEY, name text, big text, n int)`);
  await db.query(`ALTER TABLE ${T} ALTER COLUMN big SET STORAGE EXTERNAL`);
  await db.query(`CREATE TABLE public.${F} (k int, v text)`);
  await db.query(`ALTER TABLE ${F} REPLICA IDENTITY FULL`);
  await db.query(`CREATE TABLE public.${X} (id int)`);
  await db.query(`CREATE TABLE public.${NOPK} (id int)`);
});

afterAll(async () => {
  for (const s of streams) await s.stop().catch(() => undefined);
  for (const slot of slots) {
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined);
  }
  await dropPublication(db, PUB).catch(() => undefined);
  for (const t of [T, F, X, NOPK]) await db.query(`DROP TABLE IF EXISTS public.${t}`);
  await db.end();
});

describe('publication', () => {
  it('creates, keeps, narrows and widens the table list, and refuses unsafe tables', async () => {
    const both = [
      { schema: 'public', table: T },
      { schema: 'public', table: F },
    ];
    expect(await ensurePublication(db, PUB, both)).toMatchObject({ created: true, altered: false });
    expect(await ensurePublication(db, PUB, both)).toMatchObject({ created: false, altered: false });
    expect(await ensurePublication(db, PUB, [both[0]])).toMatchObject({ created: false, altered: true });
    const one = await db.query('SELECT tablename FROM pg_publication_tables WHERE pubname = $1', [PUB]);
    expect(one.rows.map((r: { tablename: string }) => r.tablename)).toEqual([T]);
    expect(await ensurePublication(db, PUB, both, ['insert', 'update'])).toMatchObject({ altered: true });
    expect(await ensurePublication(db, PUB, both)).toMatchObject({ altered: true });
    const pub = await db.query('SELECT pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = $1', [PUB]);
    expect(pub.rows[0]).toEqual({ pubinsert: true, pubupdate: true, pubdelete: true, pubtruncate: true });

    await expect(ensurePublication(db, PUB, [{ schema: 'public', table: NOPK }])).rejects.toThrow(PublicationError);
    await expect(ensurePublication(db, PUB, [{ schema: 'public', table: NOPK }])).rejects.toThrow(/without a replica identity/);
    await expect(ensurePublication(db, PUB, [{ schema: 'public', table: 'pgo_missing' }])).rejects.toThrow(/tables not found: public.pgo_missing/);
    // Insert-only publications need no replica identity.
    const pub2 = `${PUB}_ins`;
    expect(await ensurePublication(db, pub2, [{ schema: 'public', table: NOPK }], ['insert'])).toMatchObject({ created: true });
    await dropPublication(db, pub2);
  });
});

describe('protocol 1: every change kind, snapshot hand-over, confirmation', () => {
  const slot = `pgo_s1_${sfx}`;
  const big = 'x'.repeat(10_000); // stored out of line (STORAGE EXTERNAL): unchanged on UPDATE → 'u'
  let stream: ReplicationStream;
  const c = new Collector();
  let consistentPoint: Lsn;

  it('creates the slot with an exported snapshot another connection can import', async () => {
    await db.query(`INSERT INTO ${T} (id, name, big, n) VALUES (1, 'before', NULL, 0), (2, 'before', NULL, 0)`);
    stream = newStream(slot, { protoVersion: 1 });
    await stream.connect();
    const info = await stream.ensureSlot('export');
    expect(info.created).toBe(true);
    expect(info.snapshotName).toMatch(/^[0-9A-F]{8}-[0-9A-F]{8}-\d+$/);
    consistentPoint = info.consistentPoint as Lsn;
    expect(consistentPoint).toBeGreaterThan(0n);

    const snap = new Client({ connectionString: url });
    await snap.connect();
    try {
      await importSnapshot(snap, info.snapshotName as string);
      await db.query(`INSERT INTO ${T} (id, name, big, n) VALUES (3, 'after', NULL, 0)`);
      const seen = await snap.query<{ ids: string }>(`SELECT string_agg(id::text, ',' ORDER BY id) AS ids FROM ${T}`);
      expect(seen.rows[0].ids).toBe('1,2'); // the row committed after the consistent point is not in the snapshot…
      await snap.query('COMMIT');
    } finally {
      await snap.end();
    }
    await stream.start(c.handler);
    const first = await c.until((e) => e.message.tag === 'insert');
    expect(first.message.tag === 'insert' && first.message.newTuple.value(0)).toBe('3'); // …and it is the first change streamed
    expect(
      c
        .messages()
        .slice(0, 3)
        .map((m) => m.tag),
    ).toEqual(['begin', 'relation', 'insert']);
    await c.until((e) => e.message.tag === 'commit');
  });

  it('streams multi-row inserts, updates with unchanged TOAST and key changes, deletes, FULL identity, truncate and messages', async () => {
    const from = c.events.length;
    await db.query(`INSERT INTO ${T} (id, name, big, n) VALUES (10, 'a', $1, 1), (11, 'b', NULL, 2), (12, 'c', '', 3)`, [big]);
    await db.query(`UPDATE ${T} SET n = n + 1 WHERE id = 10`);
    await db.query(`UPDATE ${T} SET id = 20 WHERE id = 11`);
    await db.query(`DELETE FROM ${T} WHERE id = 12`);
    await db.query(`INSERT INTO ${F} VALUES (1, 'one'), (2, NULL)`);
    await db.query(`UPDATE ${F} SET v = 'uno' WHERE k = 1`);
    await db.query(`DELETE FROM ${F} WHERE k = 2`);
    await db.query('BEGIN');
    await db.query(`INSERT INTO ${T} (id, name, big, n) VALUES (30, 'tx', NULL, 0)`);
    await db.query(`SELECT pg_logical_emit_message(true, 'thahs.test', 'in-tx')`);
    await db.query('COMMIT');
    await db.query(`TRUNCATE ${F}`);
    const hbLsn = await stream.emitHeartbeat('hb-1');
    const hb = await c.until((e) => isHeartbeat(e.message));

    const got = c.events.slice(from);
    const seq = got.map((e) => e.message.tag);
    expect(seq).toEqual([
      'begin',
      'insert',
      'insert',
      'insert',
      'commit',
      'begin',
      'update',
      'commit',
      'begin',
      'update',
      'commit',
      'begin',
      'delete',
      'commit',
      'begin',
      'relation',
      'insert',
      'insert',
      'commit',
      'begin',
      'update',
      'commit',
      'begin',
      'delete',
      'commit',
      'begin',
      'insert',
      'message',
      'commit',
      'begin',
      'relation',
      'truncate',
      'commit', // TRUNCATE invalidates the relation: its schema is sent again
      'message',
    ]);
    const m = got.map((e) => e.message);
    const rows = (i: number): unknown => {
      const x = m[i];
      return x.tag === 'insert' ? x.newTuple.values() : x.tag;
    };
    expect([rows(1), rows(2), rows(3)]).toEqual([
      ['10', 'a', big, '1'],
      ['11', 'b', null, '2'],
      ['12', 'c', '', '3'],
    ]);
    // One transaction: one Begin whose final LSN is the commit's.
    const b0 = m[0];
    const c0 = m[4];
    if (b0.tag !== 'begin' || c0.tag !== 'commit') throw new Error('shape');
    expect(b0.finalLsn).toBe(c0.commitLsn);
    expect(got[4].confirmLsn).toBe(c0.endLsn);
    expect(got[4].lsn).toBe(c0.endLsn);
    expect(Number(c0.commitTime / 1000n)).toBeGreaterThan(Date.now() - 120_000);

    const upd = m[6];
    if (upd.tag !== 'update') throw new Error('shape');
    expect(upd.relation).toMatchObject({ namespace: 'public', name: T, replicaIdentity: 'default' });
    expect(upd.relation.columns.map((col) => [col.name, col.isKey, col.typeOid])).toEqual([
      ['id', true, 20],
      ['name', false, 25],
      ['big', false, 25],
      ['n', false, 23],
    ]);
    expect(upd.keyTuple).toBeNull();
    expect(upd.oldTuple).toBeNull();
    expect(upd.newTuple.values()).toEqual(['10', 'a', UNCHANGED_TOAST, '2']);

    const keyChange = m[9];
    expect(plain(keyChange)).toMatchObject({ tag: 'update', keyTuple: ['11', null, null, null], oldTuple: null, newTuple: ['20', 'b', null, '2'] });
    expect(plain(m[12])).toMatchObject({ tag: 'delete', keyTuple: ['12', null, null, null], oldTuple: null });

    const rel = m[15];
    expect(rel).toMatchObject({ tag: 'relation', relation: { name: F, replicaIdentity: 'full' } });
    expect(got[15].lsn).toBe(0n); // not the last write of its decoding step
    expect(plain(m[20])).toMatchObject({ tag: 'update', keyTuple: null, oldTuple: ['1', 'one'], newTuple: ['1', 'uno'] });
    expect(plain(m[23])).toMatchObject({ tag: 'delete', keyTuple: null, oldTuple: ['2', null] });

    const txMsg = m[27];
    expect(txMsg).toMatchObject({ tag: 'message', transactional: true, prefix: 'thahs.test' });
    expect(txMsg.tag === 'message' && txMsg.content.toString()).toBe('in-tx');
    expect(got[27].confirmLsn).toBeNull();
    expect(m[31]).toMatchObject({ tag: 'truncate', cascade: false, restartIdentity: false, relations: [{ name: F }] });

    expect(hb.message).toMatchObject({ tag: 'message', transactional: false, prefix: HEARTBEAT_PREFIX, lsn: hbLsn });
    expect(hb.message.tag === 'message' && hb.message.content.toString()).toBe('hb-1');
    expect(hb.confirmLsn).toBe(hbLsn);
  });

  it('never reports a flush position beyond what the caller confirmed', async () => {
    stream.flushStatus();
    await new Promise((r) => setTimeout(r, 700)); // periodic status updates have gone out meanwhile too
    expect(stream.stats().statusUpdatesSent).toBeGreaterThan(1);
    expect(await slotFlush(slot)).toBe(consistentPoint);

    const commits = c.events.filter((e) => e.message.tag === 'commit');
    const target = commits[1].confirmLsn as Lsn;
    stream.confirm(target);
    stream.confirm(target - 1n); // never moves back
    stream.flushStatus();
    expect(await slotFlushWhen(slot, (v) => v === target)).toBe(target);
    await new Promise((r) => setTimeout(r, 700));
    expect(await slotFlush(slot)).toBe(target);
    expect(stream.stats().reportedFlushLsn).toBe(target);
    expect(() => stream.confirm(stream.receivedLsn + 1_000_000n)).toThrow(ReplicationStreamError);
  });

  it('resumes after the confirmed position and re-delivers what was not confirmed', async () => {
    const hb = c.events.find((e) => isHeartbeat(e.message)) as ReplicationEvent;
    const lastCommit = [...c.events].reverse().find((e) => e.message.tag === 'commit') as ReplicationEvent;
    // Confirm up to the last commit but not the heartbeat after it.
    stream.confirm(lastCommit.confirmLsn as Lsn);
    await stream.stop();
    expect(stream.state).toBe('stopped');
    expect(await slotFlush(slot)).toBe(lastCommit.confirmLsn);

    const again = newStream(slot, { protoVersion: 1 });
    await again.connect();
    const info = await again.ensureSlot();
    expect(info).toMatchObject({ created: false, snapshotName: null, confirmedFlushLsn: lastCommit.confirmLsn });
    const c2 = new Collector();
    await again.start(c2.handler);
    const redelivered = await c2.until((e) => isHeartbeat(e.message));
    expect(redelivered.confirmLsn).toBe(hb.confirmLsn);
    expect(c2.events.filter(isData).map((e) => e.message.tag)).toEqual(['message']);
    again.confirm(redelivered.confirmLsn as Lsn);
    await again.stop();
    expect(await slotFlush(slot)).toBe(hb.confirmLsn);
  });

  it('refuses a second consumer of an active slot and reports handler failures, typed', async () => {
    const first = newStream(slot, { protoVersion: 1 });
    await first.connect();
    const c3 = new Collector();
    await first.start(c3.handler);
    const second = newStream(slot, { protoVersion: 1 });
    await second.connect();
    const err = await second
      .start(() => undefined)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ReplicationStreamError);
    expect(err).toMatchObject({ slot, phase: 'start' });
    expect((err as Error).message).toMatch(/is active/);
    await expect(second.finished).rejects.toBeInstanceOf(ReplicationStreamError);
    await first.stop();

    const failing = newStream(slot, { protoVersion: 1 });
    await failing.connect();
    await failing.start(() => {
      throw new Error('kafka down');
    });
    await db.query(`INSERT INTO ${T} (id, name, big, n) VALUES (40, 'h', NULL, 0)`);
    await expect(failing.finished).rejects.toMatchObject({ name: 'ReplicationStreamError', slot, phase: 'handler' });
    expect(failing.state).toBe('failed');
    // Nothing was confirmed, so the slot stayed put.
    expect(await slotFlush(slot)).toBe(c.events.find((e) => isHeartbeat(e.message))?.confirmLsn);
  });
});

describe('flow control and idle slots', () => {
  it('pauses reading while the handler is slow, and delivers everything in order', async () => {
    const slot = `pgo_s2_${sfx}`;
    const s = newStream(slot, { protoVersion: 1, highWaterMark: 50, lowWaterMark: 10, maxBatchSize: 10 });
    await s.connect();
    await s.ensureSlot('nothing');
    const ids: string[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    await s.start(async (batch) => {
      await new Promise((r) => setTimeout(r, 2));
      for (const e of batch) {
        if (e.message.tag === 'insert') ids.push(e.message.newTuple.value(0) as string);
        if (e.message.tag === 'commit') {
          s.confirm(e.confirmLsn as Lsn);
          done();
        }
      }
    });
    await db.query(`INSERT INTO ${T} (id, name, big, n) SELECT g, repeat('r', 500), NULL, g FROM generate_series(1000, 2999) g`);
    await finished;
    expect(ids.length).toBe(2000);
    expect(ids.every((id, i) => id === String(1000 + i))).toBe(true);
    const st = s.stats();
    expect(st.pauses).toBeGreaterThan(0);
    // Bounded by the high-water mark plus what one socket read (≤ 64 KiB, ~120 of these rows) held.
    expect(st.peakQueued).toBeLessThanOrEqual(50 + 200);
    await s.stop();
  });

  it('keeps the connection through a handler stall longer than wal_sender_timeout', async () => {
    const slot = `pgo_s7_${sfx}`;
    // Status updates go out on a timer while reading is paused, so the walsender never times out.
    const s = newStream(slot, { protoVersion: 1, statusIntervalMs: 300, highWaterMark: 20, lowWaterMark: 5, walSenderSettings: { wal_sender_timeout: '1s' } });
    await s.connect();
    await s.ensureSlot('nothing');
    let stalled = false;
    let commits = 0;
    await s.start(async (batch) => {
      if (!stalled) {
        stalled = true;
        await new Promise((r) => setTimeout(r, 3_000));
      }
      for (const e of batch) if (e.message.tag === 'commit') commits++;
    });
    await db.query(`INSERT INTO ${T} (id, name, big, n) SELECT g, repeat('w', 300), NULL, g FROM generate_series(5000, 5999) g`);
    await db.query(`DELETE FROM ${T} WHERE id BETWEEN 5000 AND 5999`);
    await waitFor('two commits', async () => commits === 2, 20_000, 100);
    expect(commits).toBe(2);
    expect(s.state).toBe('streaming');
    expect(s.stats().pauses).toBeGreaterThan(0);
    await s.stop();
  });

  it('fails typed when the server ends the walsender', async () => {
    const slot = `pgo_s6_${sfx}`;
    const s = newStream(slot, { protoVersion: 2 });
    await s.connect();
    await s.ensureSlot('nothing');
    await s.start(() => undefined);
    const killed = await db.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_replication WHERE application_name = $1', [`thahs-${slot}`]);
    expect(killed.rows).toEqual([{ ok: true }]);
    await expect(s.finished).rejects.toMatchObject({ name: 'ReplicationStreamError', slot, phase: 'stream' });
    expect(s.state).toBe('failed');
  });

  it('advances a quiet slot on keepalives only when asked to', async () => {
    const strict = `pgo_s3_${sfx}`;
    const idle = `pgo_s4_${sfx}`;
    const a = newStream(strict, { protoVersion: 1, statusIntervalMs: 200 });
    const b = newStream(idle, { protoVersion: 1, statusIntervalMs: 200, advanceWhenIdle: true });
    for (const s of [a, b]) {
      await s.connect();
      await s.ensureSlot('nothing');
    }
    const strictStart = await slotFlush(strict);
    const ca = new Collector();
    const cb = new Collector();
    await a.start(ca.handler);
    await b.start(cb.handler);
    await db.query(`INSERT INTO ${X} SELECT generate_series(1, 100)`); // unpublished: nothing delivered
    const after = await lsnOf('SELECT pg_current_wal_lsn()::text AS l');
    const advanced = await slotFlushWhen(idle, (v) => v >= after, 20_000);
    expect(advanced).toBeGreaterThanOrEqual(after);
    expect(await slotFlush(strict)).toBe(strictStart);
    expect(ca.events.length + cb.events.length).toBe(0);
    await a.stop();
    await b.stop();
  });
});

describe('protocol 2: streamed in-progress transactions', () => {
  const slot = `pgo_s5_${sfx}`;
  let stream: ReplicationStream;
  const c = new Collector();

  beforeAll(async () => {
    // 64kB is the minimum; a few thousand rows exceed it, so the walsender streams before the commit.
    stream = newStream(slot, { protoVersion: 2, walSenderSettings: { logical_decoding_work_mem: '64kB' } });
    await stream.connect();
    await stream.ensureSlot('nothing');
    await stream.start(c.handler);
  });

  it('ensures its publication and delivers heartbeats outside transactions', async () => {
    expect(
      await stream.ensurePublication([
        { schema: 'public', table: T },
        { schema: 'public', table: F },
      ]),
    ).toMatchObject({ created: false, altered: false });
    const lsn = await emitHeartbeat(db, 'hb-v2');
    const hb = await c.until((e) => isHeartbeat(e.message) && e.confirmLsn === lsn);
    expect(hb.message).toMatchObject({ tag: 'message', xid: null, transactional: false, lsn });
  });

  it('delivers a large committed transaction as stream blocks and a Stream Commit', async () => {
    const from = c.events.length;
    await db.query(`INSERT INTO ${F} SELECT g, repeat('s', 100) FROM generate_series(1, 5000) g`);
    const commit = await c.until((e) => e.message.tag === 'streamCommit' || e.message.tag === 'commit');
    const got = c.events.slice(from, c.events.indexOf(commit) + 1);
    const m = got.map((e) => e.message);
    expect(commit.message.tag).toBe('streamCommit');
    const starts = m.filter((x) => x.tag === 'streamStart');
    expect(starts.length).toBeGreaterThan(1);
    expect(starts[0]).toMatchObject({ firstSegment: true });
    expect(starts.slice(1).every((x) => x.tag === 'streamStart' && !x.firstSegment)).toBe(true);
    const xid = starts[0].tag === 'streamStart' ? starts[0].xid : -1;
    expect(m.filter((x) => x.tag === 'streamStop').length).toBe(starts.length);
    const inserts = m.filter((x) => x.tag === 'insert');
    expect(inserts.length).toBe(5000);
    expect(inserts.every((x) => x.tag === 'insert' && x.xid === xid)).toBe(true);
    expect(inserts.map((x) => (x.tag === 'insert' ? x.newTuple.value(0) : '')).join(',')).toBe(Array.from({ length: 5000 }, (_, i) => i + 1).join(','));
    expect(m.some((x) => x.tag === 'begin' || x.tag === 'commit')).toBe(false);
    expect(commit.message).toMatchObject({ tag: 'streamCommit', xid });
    expect(commit.confirmLsn).toBe(commit.message.tag === 'streamCommit' ? commit.message.endLsn : -1n);
    stream.confirm(commit.confirmLsn as Lsn);
  });

  it('delivers a Stream Abort for a rolled-back large transaction and for a rolled-back savepoint', async () => {
    const from = c.events.length;
    await db.query('BEGIN');
    await db.query(`INSERT INTO ${F} SELECT g, repeat('a', 100) FROM generate_series(1, 3000) g`);
    await db.query('ROLLBACK');
    const abort = await c.until((e) => e.message.tag === 'streamAbort' && c.events.indexOf(e) >= from);
    expect(abort.message.tag === 'streamAbort' && abort.message.xid === abort.message.subXid).toBe(true);
    expect(abort.confirmLsn).toBeNull();

    const from2 = c.events.length;
    await db.query('BEGIN');
    await db.query(`INSERT INTO ${F} SELECT g, repeat('k', 100) FROM generate_series(1, 3000) g`);
    await db.query('SAVEPOINT sp');
    await db.query(`INSERT INTO ${F} SELECT g, repeat('d', 100) FROM generate_series(1, 3000) g`);
    await db.query('ROLLBACK TO SAVEPOINT sp');
    await db.query(`INSERT INTO ${F} VALUES (-1, 'last')`);
    await db.query('COMMIT');
    const done = await c.until((e) => e.message.tag === 'streamCommit' && c.events.indexOf(e) >= from2);
    const seg = c.events.slice(from2, c.events.indexOf(done) + 1).map((e) => e.message);
    const top = done.message.tag === 'streamCommit' ? done.message.xid : -1;
    const subAborts = seg.filter((x) => x.tag === 'streamAbort');
    expect(subAborts.length).toBe(1);
    expect(subAborts[0]).toMatchObject({ xid: top });
    expect(subAborts[0].tag === 'streamAbort' && subAborts[0].subXid).not.toBe(top);
    const subXid = subAborts[0].tag === 'streamAbort' ? subAborts[0].subXid : -1;
    // Changes streamed before the savepoint rollback carry the subtransaction's xid; those are the ones to discard.
    const inserts = seg.filter((x): x is InsertMessage => x.tag === 'insert');
    const fromSub = inserts.filter((x) => x.xid === subXid);
    const kept = inserts.filter((x) => x.xid !== subXid);
    // ROLLBACK TO keeps the savepoint, so the last row is written by a new subtransaction.
    const last = kept.find((x) => x.newTuple.value(0) === '-1');
    expect(last?.xid).not.toBe(top);
    expect(last?.xid).not.toBeNull();
    expect(kept.filter((x) => x !== last).every((x) => x.xid === top && x.newTuple.value(1) === 'k'.repeat(100))).toBe(true);
    expect(kept.length).toBe(3001);
    expect(fromSub.length).toBeGreaterThan(0);
    expect(fromSub.length).toBeLessThanOrEqual(3000);
    stream.confirm(done.confirmLsn as Lsn);
    stream.flushStatus();
    expect(await slotFlushWhen(slot, (v) => v === done.confirmLsn)).toBe(done.confirmLsn);
    expect(formatLsn(stream.confirmedLsn)).toBe(formatLsn(done.confirmLsn as Lsn));
    await stream.stop();
  });
});
