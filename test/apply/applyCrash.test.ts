import { ChildProcess, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { compileEntityShare, loadAgreementFile, type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { comparePositions, parseLsn, type SourcePosition } from '../../libs/events';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { confirmedHistory, eventSigningKey, installKeys, keyOf, partyKeys, writeHistory } from '../support/agreementHistory';
import { heldRows, sharedRows, updateLogViolations } from '../support/partnerView';
import { testProducer } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { describeLong } from '../support/longTests';
import { sleep, waitFor } from '../support/waitFor';

/**
 * kill -9 of the apply consumer (the `thahs apply-consumer` process, loading its agreement history and
 * keys from files as in production) at random moments of a write burst, then a restart, several times:
 * the partner store must end exactly equal to the projection and filter of the source, every change
 * logged once and in order per key, and no key ever observed moving back to an older state.
 */
const config = loadConfig();
const contracts = loadContracts();
const repo = path.resolve(__dirname, '..', '..');
const prefix = `c${randomUUID().slice(0, 8)}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-apply-crash-'));
const keysDir = path.join(work, 'keys');
const agreementsDir = path.join(work, 'agreements');
const log = createLogger('apply-crash-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const ENTITIES = ['person', 'judgment'];
const KILLS = 3;

function startConsumer(dbUrl: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      'services/cli/main.ts',
      'apply-consumer',
      '--receiver',
      'qdnd',
      '--provider',
      'cand',
      '--agreements',
      agreementsDir,
      '--topic-prefix',
      prefix,
      '--db-url',
      dbUrl,
    ],
    { cwd: repo, env: { ...process.env, THAHS_KEYS_DIR: keysDir, THAHS_LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

type Observed = Map<string, SourcePosition>;

// Long (THAHS_LONG_TESTS=on, see longTests.ts): kill -9 rounds under a burst, 130-140 s in CI.
describeLong('apply consumer crash safety', () => {
  let doc: AgreementDocument;
  let source: ScratchDatabase;
  let receiver: ScratchDatabase;
  let src: Client;
  let dst: Client;
  let watch: Client;
  let producer: CdcProducer | undefined;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    doc = await loadAgreementFile(path.join(repo, 'deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
    const keys = partyKeys([doc]);
    installKeys(keysDir, keys);
    writeHistory(agreementsDir, confirmedHistory(doc, keys).events);
    source = await ScratchDatabase.create(config.candPgUrl, 'crashsrc');
    receiver = await ScratchDatabase.create(config.qdndPgUrl, 'crashdst');
    await migrate(source.url, 'cand');
    await migrate(receiver.url, 'qdnd');
    src = new Client({ connectionString: source.url });
    dst = new Client({ connectionString: receiver.url });
    watch = new Client({ connectionString: receiver.url });
    for (const c of [src, dst, watch]) {
      await c.connect();
      await c.query("SET TimeZone = 'UTC'");
    }
    const state = confirmedHistory(doc, keys).state;
    producer = testProducer(
      { pgUrl: source.url, signingKeys: [eventSigningKey(keyOf(doc, doc.parties.provider.id, keys))], agreements: async () => [state], prefix, log, contracts },
      { partitions: 2, heartbeatMs: 500 },
    );
    await producer.start();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await producer?.stop().catch(() => undefined);
    for (const c of [src, dst, watch]) await c?.end().catch(() => undefined);
    await source?.drop().catch(() => undefined);
    await receiver?.drop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Each key's position as held now: its row's, or its tombstone's once removed. */
  async function positions(): Promise<Observed> {
    const out: Observed = new Map();
    // one snapshot: a row and its tombstone swap places in one transaction of the consumer
    await watch.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      await readPositions(out);
    } finally {
      await watch.query('COMMIT');
    }
    return out;
  }

  async function readPositions(out: Observed): Promise<void> {
    const note = (entity: string, id: string, lsn: string, index: number): void => {
      const k = `${entity}/${id}`;
      const p = { lsn: parseLsn(lsn), index };
      const seen = out.get(k);
      if (!seen || comparePositions(seen, p) < 0) out.set(k, p);
    };
    for (const e of ENTITIES) {
      const exists = await watch.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`partner_cand.${e}`]);
      if (!exists.rows[0].t) continue;
      const r = await watch.query<{ id: string; lsn: string; idx: number }>(`SELECT id::text, _source_lsn::text AS lsn, _source_index AS idx FROM partner_cand."${e}"`);
      for (const x of r.rows) note(e, x.id, x.lsn, x.idx);
    }
    const hasTombstones = await watch.query<{ t: string | null }>(`SELECT to_regclass('partner_cand._tombstone')::text AS t`);
    if (!hasTombstones.rows[0].t) return;
    const t = await watch.query<{ entity: string; id: string; lsn: string; idx: number }>(`SELECT entity, id::text, lsn::text, idx FROM partner_cand._tombstone`);
    for (const x of t.rows) note(x.entity, x.id, x.lsn, x.idx);
  }

  async function loggedChanges(): Promise<number> {
    const r = await dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_state.update_log`).catch(() => ({ rows: [{ n: '0' }] }));
    return Number(r.rows[0].n);
  }

  it('converges to the projection and filter of the source, each change applied once and in order, across repeated kill -9', async () => {
    const courtId = (
      await src.query<{ id: string }>(
        `INSERT INTO thahs.court (ministry, court_code, name, court_kind) VALUES ('CAND', 'TAND-HCM', 'Tòa án nhân dân Thành phố Hồ Chí Minh', 'TAND_TINH') RETURNING id`,
      )
    ).rows[0].id;
    const persons: string[] = [];
    const judgments: string[] = [];
    const pick = (ids: string[]): string | undefined => ids[Math.floor(Math.random() * ids.length)];
    const dateAround2015 = (): string => `${2013 + Math.floor(Math.random() * 4)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-15`;
    let n = 0;
    const step = async (): Promise<void> => {
      n++;
      const roll = Math.random();
      if (roll < 0.25 || persons.length < 10) {
        const military = Math.random() < 0.5;
        const r = await src.query<{ id: string }>(
          `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military, military_rank) VALUES ('CAND', $1, '1992-03-04', 'M', $2, $3) RETURNING id`,
          [`Người thứ ${n}`, military, military ? 'Trung úy' : null],
        );
        persons.push(r.rows[0].id);
      } else if (roll < 0.5) {
        // several rows in one statement: changes sharing one commit LSN, moving in and out of the filter
        const some = [pick(persons)!, pick(persons)!, pick(persons)!];
        await src.query(`UPDATE thahs.person SET is_military = NOT is_military, occupation = $2 WHERE id = ANY($1::uuid[])`, [some, `nghề ${n}`]);
      } else if (roll < 0.6) {
        await src.query(`UPDATE thahs.person SET full_name = full_name || '.' WHERE id = $1`, [pick(persons)]);
      } else if (roll < 0.68) {
        const id = persons.splice(Math.floor(Math.random() * persons.length), 1)[0];
        await src.query(`DELETE FROM thahs.person WHERE id = $1`, [id]);
      } else if (roll < 0.8 || judgments.length < 5) {
        const d = dateAround2015();
        const r = await src.query<{ id: string }>(
          `INSERT INTO thahs.judgment (ministry, judgment_no, judgment_date, court_id, instance, effective_date) VALUES ('CAND', $1, $2, $3, 'SO_THAM', $2) RETURNING id`,
          [`${n}/HS-ST`, d, courtId],
        );
        judgments.push(r.rows[0].id);
      } else if (roll < 0.92) {
        const d = dateAround2015();
        await src.query(`UPDATE thahs.judgment SET judgment_date = $2, effective_date = $2 WHERE id = $1`, [pick(judgments), d]);
      } else if (roll < 0.96) {
        const id = judgments.splice(Math.floor(Math.random() * judgments.length), 1)[0];
        await src.query(`DELETE FROM thahs.judgment WHERE id = $1`, [id]);
      } else {
        // delete and re-insert the same key in one transaction: the row comes back at a newer position
        const id = pick(persons)!;
        await src.query('BEGIN');
        await src.query(`DELETE FROM thahs.person WHERE id = $1`, [id]);
        await src.query(`INSERT INTO thahs.person (id, ministry, full_name, date_of_birth, sex, is_military) VALUES ($1, 'CAND', 'Trở lại', '1980-01-01', 'F', true)`, [id]);
        await src.query('COMMIT');
      }
    };

    // Readers of the partner store must never see a key go back to an older state.
    const regressions: string[] = [];
    let watching = true;
    let polls = 0;
    const watcher = (async () => {
      let last: Observed = new Map();
      while (watching) {
        const now = await positions();
        for (const [k, p] of last) {
          const q = now.get(k);
          if (!q) regressions.push(`${k} vanished`);
          else if (comparePositions(q, p) < 0) regressions.push(`${k} moved back`);
        }
        last = now;
        polls++;
        await sleep(200);
      }
    })();

    let writing = true;
    const writer = (async () => {
      while (writing) {
        await step();
        await sleep(15);
      }
    })();

    const kills: { appliedBefore: number }[] = [];
    child = startConsumer(receiver.url);
    for (let round = 0; round < KILLS; round++) {
      // kill only once this incarnation has applied something: a kill before that would test nothing
      const base = await loggedChanges();
      await waitFor(`consumer incarnation ${round + 1} to apply changes`, async () => (await loggedChanges()) > base || undefined, 120_000, 100);
      await sleep(200 + Math.random() * 2300);
      kills.push({ appliedBefore: await loggedChanges() });
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      child = startConsumer(receiver.url);
    }
    const base = await loggedChanges();
    await waitFor('the last incarnation to apply changes', async () => (await loggedChanges()) > base || undefined, 120_000, 100);
    await sleep(1000);
    writing = false;
    await writer;

    const shares = ENTITIES.map((e) =>
      compileEntityShare(
        doc.data.entities.find((s) => s.entity === e)!,
        contracts.get(e),
      ),
    );
    const converged = async (): Promise<boolean> => {
      for (const s of shares) if (JSON.stringify(await sharedRows(src, s)) !== JSON.stringify(await heldRows(dst, 'partner_cand', s.entity, s.fields))) return false;
      return true;
    };
    await waitFor('the partner store to match the source', async () => (await converged()) || undefined, 120_000);
    watching = false;
    await watcher;

    expect(n).toBeGreaterThan(100);
    expect(kills).toHaveLength(KILLS);
    for (const s of shares) expect(await heldRows(dst, 'partner_cand', s.entity, s.fields)).toEqual(await sharedRows(src, s));
    expect((await sharedRows(src, shares[0])).length).toBeGreaterThan(5);
    expect(polls).toBeGreaterThan(10);
    expect(regressions).toEqual([]);
    // each change took effect once, in source order per key
    expect(await updateLogViolations(dst)).toEqual([]);
    const dup = await dst.query(`SELECT event_id FROM partner_state.update_log GROUP BY event_id HAVING count(*) > 1`);
    expect(dup.rows).toEqual([]);
    // the held row of every key is the newest logged change of that key
    const notNewest = await dst.query(`
      SELECT p.id FROM partner_cand.person p
        JOIN LATERAL (SELECT source_lsn, source_index, action FROM partner_state.update_log l
                       WHERE l.entity = 'person' AND l.key_id = p.id ORDER BY id DESC LIMIT 1) l ON true
       WHERE (l.source_lsn, l.source_index) <> (p._source_lsn, p._source_index) OR l.action <> 'upsert'`);
    expect(notNewest.rows).toEqual([]);
    expect((await dst.query(`SELECT * FROM partner_state.dead_letter`)).rows).toEqual([]);

    // a graceful stop of the last incarnation leaves its offsets at the end of every partition
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child!.once('exit', (c) => r(c)));
    child = undefined;
    expect(code).toBe(0);
    const kafka = new Kafka({ clientId: 'apply-crash-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const e of ENTITIES) {
        const topic = agreementTopic(prefix, 'cand', doc.id, e);
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: `${prefix}-apply-${doc.id}-qdnd`, topics: [topic] });
        for (const end of ends)
          expect(`${topic}/${end.partition}@${committed.partitions.find((p) => p.partition === end.partition)?.offset}`).toBe(`${topic}/${end.partition}@${end.high}`);
      }
    } finally {
      await admin.disconnect();
    }
  }, 420_000);
});
