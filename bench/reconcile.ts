import { fork } from 'child_process';
import * as os from 'os';
import { pipeline } from 'stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../libs/config';
import { loadContracts } from '../libs/contracts/contractLoader';
import type { Ministry } from '../libs/contracts/contractTypes';
import { createLogger } from '../libs/logger';
import { migrate } from '../libs/model';
import { PartnerStore } from '../libs/partner-store';
import type { StoredDifference, StoredRun } from '../libs/reconcile';
import { ReconcilerService } from '../services/reconciler/reconcilerService';
import { confirmedHistory, partyKeys } from '../test/support/agreementHistory';
import { loadDocument, storeConfirmedHistory } from '../test/reconcile/reconcileFixture';
import type { Benchmark } from './main';

/**
 * `npm run bench -- reconcile [rows] [--reload] [--load-only] [--drop]`: the integrity reconciliation of the cand →
 * qdnd agreement's person share (11 of 36 fields, filter is_military) over `rows` rows per side
 * (default 10,000,000), in scratch databases of its own on the two ministry clusters: the provider's
 * thahs.person in the real model (migrated by libs/model), the receiver's partner_cand.person made by
 * libs/partner-store's DDL. Provider rows are generated inside PostgreSQL (INSERT … SELECT over
 * generate_series, in two parallel halves); the partner rows are COPYed from them (COPY TO STDOUT on
 * cand piped into COPY FROM STDIN on qdnd), so both sides hold the same rows; keys are random
 * (md5-derived) uuids, the realistic worst case for key-ordered access. Keys, foreign keys and the
 * unique index are lifted for the load and rebuilt, then both tables are vacuumed (frozen) and analysed.
 *
 * Loading twice 10M rows takes minutes on two cores, so the tables are kept and reused by later runs
 * (the output says so, with their load date): reuse is honest because every run starts with a full
 * comparison that must find the two sides in sync, and every change a run makes is undone before it
 * ends (or at the start of the next, after a crash). `--reload` loads again, `--load-only` loads (or
 * checks the load) and stops, `--drop` drops the databases and stops.
 *
 * Measured, in one run, each reconciliation in a child process of its own (its peak RSS is the
 * reconciler's alone): a bare hash scan of both tables at once (`sum(hashtextextended(t::text, 0))`,
 * the floor), a full in-sync run, a full run after 100 scattered differences (34 deleted, 33 changed,
 * 33 added partner rows), then 10,000 changes made on both sides as the pipeline would (8,000 updates,
 * 1,000 inserts, 1,000 deletes on the provider, the resulting rows copied into the partner store) and
 * an incremental run, which must find exactly the same 100 differences. The full run's seconds come last.
 */
const DB = 'thahs_bench_reconcile';
const GENERATOR = 'bench-reconcile/1';
const AGREEMENT = 'TTDL-CAND-QDND-2025-01';
const ENTITY = 'person';
const PARTNER_COLUMNS = [
  'id',
  'ministry',
  'reporting_unit_id',
  'national_id',
  'full_name',
  'date_of_birth',
  'sex',
  'is_military',
  'military_rank',
  'military_unit_id',
  'updated_at',
];
const META = `'0/1000000'::pg_lsn, 0, updated_at, '${AGREEMENT}', 1, now()`;
const META_COLUMNS = ['_source_lsn', '_source_index', '_commit_ts', '_agreement_id', '_agreement_version', '_applied_at'];

interface ChildRequest {
  mode: 'full' | 'incremental';
  databases: Record<Ministry, string>;
}

interface ChildResult {
  run: StoredRun;
  differences: StoredDifference[];
  wallMs: number;
  maxRssMb: number;
}

function urlOf(cluster: string, db: string): string {
  const u = new URL(cluster);
  u.pathname = `/${db}`;
  return u.toString();
}

async function withClient<T>(url: string, f: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, options: '-c DateStyle=ISO,YMD -c TimeZone=UTC -c max_parallel_workers_per_gather=0 -c jit=off' });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

const say = (s: string): boolean => process.stdout.write(`${s}\n`);
const secs = (ms: number): string => (ms / 1000).toFixed(1);

/** Surnames, middle and given names (DOMAIN.md §5), NFC; a thousandth of the rows carry their name in NFD. */
const SURNAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương'];
const MIDDLE = ['Văn', 'Đức', 'Minh', 'Hữu', 'Quang', 'Công', 'Thanh', 'Xuân'];
const GIVEN = ['Hùng', 'Dũng', 'Tuấn', 'Minh', 'Nam', 'Hải', 'Long', 'Sơn', 'Thắng', 'Cường', 'Huy', 'Phong', 'Quân', 'Trung', 'Tùng', 'Hiếu', 'Đạt'];
const RANKS = ['Binh nhì', 'Binh nhất', 'Hạ sĩ', 'Trung sĩ', 'Thượng sĩ', 'Thiếu úy', 'Trung úy', 'Thượng úy', 'Đại úy', 'Thiếu tá'];
const PLACES = ['Hà Nội', 'Hải Phòng', 'Đà Nẵng', 'TP Hồ Chí Minh', 'Cần Thơ', 'Nghệ An', 'Thanh Hóa', 'Quảng Ninh', 'Lâm Đồng', 'Đắk Lắk'];
const arr = (xs: readonly string[]): string => `(ARRAY[${xs.map((x) => `'${x}'`).join(', ')}])`;

function personInsert(): string {
  const name = `${arr(SURNAMES)}[1 + g % ${SURNAMES.length}] || ' ' || ${arr(MIDDLE)}[1 + (g / 7) % ${MIDDLE.length}] || ' ' || ${arr(GIVEN)}[1 + (g / 13) % ${GIVEN.length}]`;
  return `INSERT INTO thahs.person (id, ministry, reporting_unit_id, national_id, full_name, date_of_birth, dob_precision, sex, place_of_birth, hometown,
      permanent_address, current_address, residence_province_code, nationality, ethnicity, occupation, is_military, military_rank, military_unit_id,
      prior_convictions, created_at, updated_at, row_version)
    SELECT md5(g::text || ':${GENERATOR}')::uuid, 'CAND', u.ids[1 + g % 50],
           lpad((1 + g % 96)::text, 3, '0') || ((CASE WHEN extract(year FROM dob) >= 2000 THEN 2 ELSE 0 END) + (CASE WHEN g % 8 = 0 THEN 1 ELSE 0 END))::text
             || lpad((extract(year FROM dob)::int % 100)::text, 2, '0') || lpad(((g / 96) % 1000000)::text, 6, '0'),
           CASE WHEN g % 1000 = 0 THEN normalize(${name}, NFD) ELSE ${name} END,
           dob, 'DAY', CASE WHEN g % 8 = 0 THEN 'F' ELSE 'M' END,
           ${arr(PLACES)}[1 + g % 10], ${arr(PLACES)}[1 + (g / 10) % 10],
           'Số ' || (g % 500) || ' đường Lê Lợi, phường ' || (g % 30) || ', ' || ${arr(PLACES)}[1 + (g / 3) % 10],
           'Doanh trại ' || (g % 90) || ', ' || ${arr(PLACES)}[1 + (g / 5) % 10],
           lpad((1 + g % 96)::text, 3, '0'), 'VN', 'Kinh', 'Quân nhân', true, ${arr(RANKS)}[1 + g % ${RANKS.length}],
           CASE WHEN g % 4 = 0 THEN NULL ELSE u.ids[1 + (g / 50) % 50] END, g % 4,
           TIMESTAMPTZ '2024-01-01 00:00:00+00' + (g % 31536000) * INTERVAL '1 second',
           TIMESTAMPTZ '2025-01-01 00:00:00+00' + (g::bigint * 3141593 % 31536000000000) * INTERVAL '1 microsecond', 1
      FROM generate_series($1::bigint, $2::bigint) g,
           LATERAL (SELECT DATE '1965-01-01' + ((g * 7919) % 14000)::int AS dob) d,
           (SELECT array_agg(id ORDER BY unit_code) AS ids FROM thahs.org_unit) u`;
}

/**
 * Drops the table's primary key, unique and foreign-key constraints (and the foreign keys of other
 * tables that reference it) and returns the statements that put them back: keys, then unique
 * constraints, then foreign keys.
 */
async function liftConstraints(c: Client, table: string): Promise<string[]> {
  const r = await c.query<{ owner: string; name: string; def: string; contype: string }>(
    `SELECT conrelid::regclass::text AS owner, conname AS name, pg_get_constraintdef(oid) AS def, contype FROM pg_constraint
      WHERE (conrelid = $1::regclass AND contype IN ('p', 'u', 'f')) OR (confrelid = $1::regclass AND contype = 'f')`,
    [table],
  );
  const order: Record<string, number> = { p: 0, u: 1, f: 2 };
  const sorted = [...r.rows].sort((a, b) => order[a.contype] - order[b.contype]);
  for (const x of [...sorted].reverse()) await c.query(`ALTER TABLE ${x.owner} DROP CONSTRAINT "${x.name}"`);
  return sorted.map((x) => `ALTER TABLE ${x.owner} ADD CONSTRAINT "${x.name}" ${x.def}`);
}

async function copyBetween(fromUrl: string, toUrl: string, select: string, into: string): Promise<void> {
  await withClient(fromUrl, (src) =>
    withClient(toUrl, async (dst) => {
      await dst.query('BEGIN');
      await pipeline(src.query(copyTo(`COPY (${select}) TO STDOUT`)), dst.query(copyFrom(`COPY ${into} FROM STDIN`)));
      await dst.query('COMMIT');
    }),
  );
}

async function dropDatabases(config: ReturnType<typeof loadConfig>): Promise<void> {
  for (const cluster of [config.candPgUrl, config.qdndPgUrl]) await withClient(cluster, (c) => c.query(`DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`));
}

async function loaded(receiverUrl: string, rows: number): Promise<{ at: string; seconds: number } | null> {
  try {
    return await withClient(receiverUrl, async (c) => {
      const r = await c.query<{ at: Date; seconds: number }>(`SELECT loaded_at AS at, load_seconds AS seconds FROM thahs_bench.state WHERE rows = $1 AND generator = $2`, [
        rows,
        GENERATOR,
      ]);
      return r.rows[0] ? { at: r.rows[0].at.toISOString(), seconds: r.rows[0].seconds } : null;
    });
  } catch {
    return null;
  }
}

async function load(config: ReturnType<typeof loadConfig>, providerUrl: string, receiverUrl: string, rows: number): Promise<number> {
  const t0 = Date.now();
  await dropDatabases(config);
  for (const cluster of [config.candPgUrl, config.qdndPgUrl]) await withClient(cluster, (c) => c.query(`CREATE DATABASE "${DB}"`));
  await Promise.all([migrate(providerUrl, 'cand'), migrate(receiverUrl, 'qdnd')]);
  const doc = await loadDocument();
  const keys = partyKeys([doc]);
  const h = confirmedHistory(doc, keys);
  await storeConfirmedHistory(
    receiverUrl,
    h.events,
    keys.map((k) => ({ keyId: k.keyId, party: k.party, publicKeyPem: k.publicKeyPem })),
  );
  const contracts = loadContracts();
  const store = new PartnerStore({
    schema: 'partner_cand',
    identity: { receiver: 'qdnd', provider: 'cand', agreementId: AGREEMENT, consumerGroup: 'bench-reconcile' },
    contract: (e) => contracts.get(e),
  });
  await withClient(receiverUrl, async (c) => {
    await store.init(c);
    await store.prepare(c, ENTITY, PARTNER_COLUMNS);
  });
  await withClient(providerUrl, (c) =>
    c.query(`INSERT INTO thahs.org_unit (id, ministry, unit_code, name, unit_kind, valid_from)
             SELECT md5('unit:' || g)::uuid, 'CAND', 'BENCH-' || lpad(g::text, 2, '0'), 'Trại giam số ' || g, 'TRAI_GIAM', DATE '2015-01-01' FROM generate_series(1, 50) g`),
  );
  const restoreProvider = await withClient(providerUrl, (c) => liftConstraints(c, 'thahs.person'));
  const restorePartner = await withClient(receiverUrl, (c) => liftConstraints(c, 'partner_cand.person'));
  say(`  loading ${rows} provider rows (INSERT … SELECT in PostgreSQL, two halves in parallel)`);
  const half = Math.ceil(rows / 2);
  await Promise.all(
    [
      [1, half],
      [half + 1, rows],
    ].map(([lo, hi]) => withClient(providerUrl, (c) => c.query(personInsert(), [lo, hi]))),
  );
  say(`  provider rows in ${secs(Date.now() - t0)} s; copying them into the partner store (COPY cand → qdnd)`);
  const pages = await withClient(providerUrl, async (c) => Number((await c.query<{ p: string }>(`SELECT (pg_relation_size('thahs.person') / 8192)::text AS p`)).rows[0].p));
  const cut = Math.ceil(pages / 2);
  const columns = [...PARTNER_COLUMNS, ...META_COLUMNS].join(', ');
  await Promise.all(
    [`ctid < '(${cut},0)'`, `ctid >= '(${cut},0)'`].map((where) =>
      copyBetween(providerUrl, receiverUrl, `SELECT ${PARTNER_COLUMNS.join(', ')}, ${META} FROM thahs.person WHERE ${where}`, `partner_cand.person (${columns})`),
    ),
  );
  say(`  partner rows in ${secs(Date.now() - t0)} s; rebuilding keys and indexes`);
  await Promise.all([
    withClient(providerUrl, async (c) => {
      for (const s of restoreProvider) await c.query(s);
    }),
    withClient(receiverUrl, async (c) => {
      for (const s of restorePartner) await c.query(s);
    }),
  ]);
  await Promise.all([
    withClient(providerUrl, (c) => c.query('VACUUM (FREEZE, ANALYZE) thahs.person')),
    withClient(receiverUrl, (c) => c.query('VACUUM (FREEZE, ANALYZE) partner_cand.person')),
  ]);
  const seconds = (Date.now() - t0) / 1000;
  await withClient(receiverUrl, async (c) => {
    await c.query(`CREATE SCHEMA IF NOT EXISTS thahs_bench`);
    await c.query(
      `CREATE TABLE IF NOT EXISTS thahs_bench.state (rows bigint NOT NULL, generator text NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(), load_seconds real NOT NULL)`,
    );
    await c.query(`CREATE TABLE IF NOT EXISTS thahs_bench.undo (id uuid PRIMARY KEY, kind text NOT NULL, original jsonb)`);
    await c.query(`INSERT INTO thahs_bench.state (rows, generator, load_seconds) VALUES ($1, $2, $3)`, [rows, GENERATOR, seconds]);
  });
  return seconds;
}

/** Puts back the partner rows an earlier run changed (also after a crash of that run). */
async function undoDifferences(receiverUrl: string): Promise<number> {
  return withClient(receiverUrl, async (c) => {
    await c.query('BEGIN');
    const cols = [...PARTNER_COLUMNS, ...META_COLUMNS];
    const n = await c.query(`SELECT count(*)::int AS n FROM thahs_bench.undo`);
    await c.query(`DELETE FROM partner_cand.person p USING thahs_bench.undo u WHERE p.id = u.id AND u.kind IN ('extra', 'different')`);
    await c.query(
      `INSERT INTO partner_cand.person (${cols.join(', ')}) SELECT r.* FROM thahs_bench.undo u, jsonb_populate_record(NULL::partner_cand.person, u.original) p,
         LATERAL (SELECT ${cols.map((x) => `p.${x}`).join(', ')}) r WHERE u.kind IN ('missing', 'different')`,
    );
    await c.query(`DELETE FROM thahs_bench.undo`);
    await c.query('COMMIT');
    return n.rows[0].n as number;
  });
}

/** Pages to sample (percent) so that about ten times `wanted` rows come back, scattered over the table. */
function samplePercent(rows: number, wanted: number): number {
  return Math.min(100, Math.max(0.01, (100 * wanted * 10) / rows));
}

/** 100 scattered differences in the partner store, each remembered so it can be undone. Returns key → class. */
async function makeDifferences(receiverUrl: string, rows: number, count: number): Promise<Map<string, string>> {
  return withClient(receiverUrl, async (c) => {
    await c.query('BEGIN');
    const picked = await c.query<{ id: string }>(`SELECT id::text AS id FROM partner_cand.person TABLESAMPLE SYSTEM (${samplePercent(rows, count)}) ORDER BY random() LIMIT $1`, [
      count,
    ]);
    const ids = picked.rows.map((r) => r.id);
    const missing = ids.slice(0, Math.round(count * 0.34));
    const different = ids.slice(missing.length, missing.length + Math.round(count * 0.33));
    const extraCount = count - missing.length - different.length;
    await c.query(
      `INSERT INTO thahs_bench.undo (id, kind, original) SELECT p.id, CASE WHEN p.id = ANY($1::uuid[]) THEN 'missing' ELSE 'different' END, to_jsonb(p) FROM partner_cand.person p WHERE p.id = ANY($2::uuid[])`,
      [missing, [...missing, ...different]],
    );
    await c.query(`DELETE FROM partner_cand.person WHERE id = ANY($1::uuid[])`, [missing]);
    await c.query(`UPDATE partner_cand.person SET military_rank = 'Đại tá' WHERE id = ANY($1::uuid[])`, [different]);
    const extra = await c.query<{ id: string }>(
      `INSERT INTO partner_cand.person (${[...PARTNER_COLUMNS, ...META_COLUMNS].join(', ')})
       SELECT md5('extra:' || p.id || ':' || clock_timestamp())::uuid, ministry, reporting_unit_id, NULL, full_name, date_of_birth, sex, is_military, military_rank, military_unit_id, updated_at, ${META}
         FROM (SELECT * FROM partner_cand.person LIMIT $1) p RETURNING id::text AS id`,
      [extraCount],
    );
    await c.query(`INSERT INTO thahs_bench.undo (id, kind) SELECT unnest($1::uuid[]), 'extra'`, [extra.rows.map((r) => r.id)]);
    await c.query('COMMIT');
    const out = new Map<string, string>();
    for (const id of missing) out.set(id, 'missing');
    for (const id of different) out.set(id, 'different');
    for (const r of extra.rows) out.set(r.id, 'extra');
    return out;
  });
}

/**
 * 10,000 changes on the provider — updates (the touch trigger sets updated_at), inserts and deletes —
 * and the same changes in the partner store, as a converged pipeline would leave it. Keys of the
 * differences made before are left alone, so they stay the only differences.
 */
async function mirroredChanges(providerUrl: string, receiverUrl: string, rows: number, avoid: readonly string[], updates: number, inserts: number, deletes: number): Promise<void> {
  const ids = await withClient(receiverUrl, async (c) => {
    const r = await c.query<{ id: string }>(
      `SELECT id::text AS id FROM partner_cand.person TABLESAMPLE SYSTEM (${samplePercent(rows, updates + deletes)}) WHERE NOT id = ANY($1::uuid[]) ORDER BY random() LIMIT $2`,
      [avoid, updates + deletes],
    );
    return r.rows.map((x) => x.id);
  });
  const updated = ids.slice(0, updates);
  const deleted = ids.slice(updates);
  const inserted = await withClient(providerUrl, async (c) => {
    await c.query('BEGIN');
    await c.query(`UPDATE thahs.person SET military_rank = CASE WHEN military_rank = 'Trung úy' THEN 'Thượng úy' ELSE 'Trung úy' END WHERE id = ANY($1::uuid[])`, [updated]);
    await c.query(`DELETE FROM thahs.person WHERE id = ANY($1::uuid[])`, [deleted]);
    const r = await c.query<{ id: string }>(
      `INSERT INTO thahs.person (id, ministry, reporting_unit_id, full_name, date_of_birth, sex, is_military, military_rank, military_unit_id)
       SELECT md5('new:' || p.id || ':' || clock_timestamp())::uuid, ministry, reporting_unit_id, full_name, date_of_birth, sex, true, military_rank, military_unit_id
         FROM (SELECT * FROM thahs.person WHERE id = ANY($1::uuid[]) LIMIT $2) p RETURNING id::text AS id`,
      [updated, inserts],
    );
    await c.query('COMMIT');
    return r.rows.map((x) => x.id);
  });
  const copied = [...updated, ...inserted];
  await withClient(receiverUrl, async (c) => {
    await c.query('BEGIN');
    await c.query(`DELETE FROM partner_cand.person WHERE id = ANY($1::uuid[])`, [[...deleted, ...updated]]);
    await c.query('COMMIT');
  });
  await copyBetween(
    providerUrl,
    receiverUrl,
    `SELECT ${PARTNER_COLUMNS.join(', ')}, ${META} FROM thahs.person WHERE id IN (${copied.map((id) => `'${id}'`).join(', ')})`,
    `partner_cand.person (${[...PARTNER_COLUMNS, ...META_COLUMNS].join(', ')})`,
  );
}

/** One reconciliation in a process of its own, as `thahs reconcile` would run it. */
function reconcileInChild(req: ChildRequest): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', JSON.stringify(req)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: ChildResult | undefined;
    child.on('message', (m) => {
      result = m as ChildResult;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`reconciliation child exited with ${code}`))));
  });
}

async function child(req: ChildRequest): Promise<void> {
  const service = new ReconcilerService({ databases: req.databases, contracts: loadContracts(), log: createLogger('bench-reconcile', 'warn') });
  const t0 = Date.now();
  const run = await service.run({ agreementId: AGREEMENT, entities: [ENTITY], mode: req.mode, startedBy: 'bench' });
  const wallMs = Date.now() - t0;
  const { differences } = await service.exportRun(AGREEMENT, run.id);
  const result: ChildResult = { run, differences, wallMs, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
  await new Promise<void>((r) => process.send!(result, () => r()));
}

async function bareScan(providerUrl: string, receiverUrl: string): Promise<number> {
  const t0 = Date.now();
  await Promise.all([
    withClient(providerUrl, (c) => c.query('SELECT sum(hashtextextended(t::text, 0)) FROM thahs.person t')),
    withClient(receiverUrl, (c) => c.query('SELECT sum(hashtextextended(t::text, 0)) FROM partner_cand.person t')),
  ]);
  return Date.now() - t0;
}

function check(what: string, found: readonly StoredDifference[], expected: ReadonlyMap<string, string>): string {
  const got = new Map(found.map((d) => [d.key, d.class]));
  const wrong = [...expected].filter(([k, c]) => got.get(k) !== c).length + [...got.keys()].filter((k) => !expected.has(k)).length;
  if (wrong > 0) throw new Error(`${what}: ${wrong} keys found or classified wrongly (expected ${expected.size}, found ${found.length})`);
  return `${found.length} found, all ${expected.size} expected keys with the right class`;
}

function summary(r: ChildResult): string {
  const e = r.run.results[0];
  return `${secs(r.wallMs)} s (hashed ${e.rowsHashed.provider + e.rowsHashed.partner} rows, scanned ${e.rowsScanned.provider + e.rowsScanned.partner}; matched ${e.matched}, missing ${e.missing}, extra ${e.extra}, different ${e.different}; RSS ${r.maxRssMb} MB)`;
}

export const benchmark: Benchmark = {
  description: 'integrity reconciliation of 10M rows per side: bare scan, full in sync, 100 differences, incremental after 10,000 changes',
  async run(args) {
    const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 10_000_000);
    const config = loadConfig();
    if (args.includes('--drop')) {
      await dropDatabases(config);
      say(`dropped the benchmark databases ${DB} on cand and qdnd`);
      return;
    }
    const providerUrl = urlOf(config.candPgUrl, DB);
    const receiverUrl = urlOf(config.qdndPgUrl, DB);
    const databases = { cand: providerUrl, qdnd: receiverUrl };
    const kept = args.includes('--reload') ? null : await loaded(receiverUrl, rows);
    if (kept) {
      say(`reusing the benchmark tables loaded ${kept.at} (${rows} rows per side, loaded in ${kept.seconds.toFixed(0)} s); --reload loads them again, --drop removes them`);
      const undone = await undoDifferences(receiverUrl);
      if (undone > 0) say(`  undid ${undone} differences an interrupted run left behind`);
    } else {
      say(`loading ${rows} rows per side into ${DB} on cand and qdnd`);
      say(`  loaded in ${(await load(config, providerUrl, receiverUrl, rows)).toFixed(0)} s`);
    }
    if (args.includes('--load-only')) return;
    const rss: number[] = [];
    // The machine is shared: the load says what else ran while this measured.
    const loadAverage = (): string =>
      os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' / ');
    say(`load average at the start (1 / 5 / 15 min): ${loadAverage()}`);
    const bare = await bareScan(providerUrl, receiverUrl);
    say(`bare hash scan of both tables at once (sum(hashtextextended(t::text, 0)), one core each): ${secs(bare)} s`);
    const full = await reconcileInChild({ mode: 'full', databases });
    rss.push(full.maxRssMb);
    if (full.run.status !== 'clean') throw new Error(`the tables are not in sync (${full.run.status}): --reload them`);
    say(`full run, in sync: ${summary(full)}`);
    let expected = new Map<string, string>();
    try {
      expected = await makeDifferences(receiverUrl, rows, 100);
      const diff = await reconcileInChild({ mode: 'full', databases });
      rss.push(diff.maxRssMb);
      say(`full run after 100 scattered differences: ${summary(diff)}; ${check('full run', diff.differences, expected)}`);
      const t0 = Date.now();
      await mirroredChanges(providerUrl, receiverUrl, rows, [...expected.keys()], 8_000, 1_000, 1_000);
      say(`10,000 changes on both sides (8,000 updates, 1,000 inserts, 1,000 deletes) in ${secs(Date.now() - t0)} s`);
      const inc = await reconcileInChild({ mode: 'incremental', databases });
      rss.push(inc.maxRssMb);
      const e = inc.run.results[0];
      if (e.mode !== 'incremental') throw new Error(`the incremental run compared in full: ${e.fallbackReason}`);
      say(
        `incremental run after 10,000 changes: ${summary(inc)}, ${e.changedKeys} changed keys, ${e.blocksDiffering} key buckets that lost rows on one side re-compared; ${check('incremental run', inc.differences, expected)}`,
      );
      say(`load average at the end (1 / 5 / 15 min): ${loadAverage()}`);
      if (rows !== 10_000_000) say(`the targets below are the issue's for 10,000,000 rows per side; this run compared ${rows}`);
      say(
        `targets: full in sync ${secs(full.wallMs)} s (≤ 60 s), ${(full.wallMs / bare).toFixed(2)}× the bare scan (≤ 2×); 100 differences ${secs(diff.wallMs)} s (≤ 90 s); incremental ${secs(inc.wallMs)} s (≤ 10 s); peak RSS ${Math.max(...rss)} MB (≤ 300 MB)`,
      );
    } finally {
      await undoDifferences(receiverUrl);
    }
    say(`reconcile: full in-sync run of ${rows} rows per side in ${secs(full.wallMs)} s (${(full.wallMs / bare).toFixed(2)}× the bare hash scan of ${secs(bare)} s)`);
  },
};

if (require.main === module && process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3]) as ChildRequest).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`reconcile child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
