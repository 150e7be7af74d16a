import { ChildProcess, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { AVRO_FOR_SCHEMA_OPTIONS } from '../../libs/contracts/avroType';
import { comparePositions, parseMeta, SourcePosition } from '../../libs/events';
import { migrate } from '../../libs/model';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { confirmedHistory, installKeys, partyKeys, writeHistory } from '../support/agreementHistory';
import { ScratchDatabase } from '../support/scratchDatabase';
import { sharingEverything } from '../support/testAgreements';
import { describeLong } from '../support/longTests';
import { readTopics } from '../support/topicReader';

/**
 * kill -9 of the producer at random moments during a write burst, then a restart: every committed
 * change must be on Kafka at least once, and each key's changes, once repeats are dropped, in order.
 * row_version (bumped by the touch trigger on every UPDATE) numbers each person's changes.
 */
const config = loadConfig();
const repo = path.resolve(__dirname, '..', '..');
const prefix = `k${randomUUID().slice(0, 8)}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-crash-'));
const keysDir = path.join(work, 'keys');
const agreementsDir = path.join(work, 'agreements');
// The producer publishes only under an agreement in force: one sharing person whole, signed by both parties.
const agreement = sharingEverything(['person']);
const keys = partyKeys([agreement]);
installKeys(keysDir, keys);
writeHistory(agreementsDir, confirmedHistory(agreement, keys).events);

function startProducer(dbUrl: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      'services/cli/main.ts',
      'cdc-producer',
      '--ministry',
      'cand',
      '--db-url',
      dbUrl,
      '--slot',
      `slot_${prefix}`,
      '--publication',
      `pub_${prefix}`,
      '--topic-prefix',
      prefix,
      '--agreements',
      agreementsDir,
    ],
    { cwd: repo, env: { ...process.env, THAHS_KEYS_DIR: keysDir, THAHS_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The producer is streaming once its slot is active; a kill before that would test nothing. */
async function waitStreaming(sql: Client): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const r = await sql.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [`slot_${prefix}`]);
    if (r.rowCount === 1) return;
    await sleep(250);
  }
  throw new Error('producer did not start streaming');
}

// Long (THAHS_LONG_TESTS=on, see longTests.ts): kill -9 rounds under a burst, 130-140 s in CI.
describeLong('cdc producer crash safety', () => {
  let db: ScratchDatabase;
  let sql: Client;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    db = await ScratchDatabase.create(config.candPgUrl, 'crash');
    await migrate(db.url, 'cand');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await sql?.end();
    await db?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('loses no committed change across repeated kill -9 during a write burst', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await sql.query<{ id: string }>(`INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex) VALUES ('CAND', $1, '1985-01-01', 'F') RETURNING id`, [
        `Phạm Thị ${i}`,
      ]);
      ids.push(r.rows[0].id);
    }
    child = startProducer(db.url);
    await waitStreaming(sql);
    let writing = true;
    let txns = 0;
    const writer = (async () => {
      while (writing) {
        // several rows per statement: changes that share one commit LSN
        const pick = ids.filter(() => Math.random() < 0.3);
        if (pick.length > 0) await sql.query(`UPDATE thahs.person SET occupation = $2 WHERE id = ANY($1::uuid[])`, [pick, `nghề ${txns}`]);
        txns++;
        await sleep(5);
      }
    })();
    for (let round = 0; round < 3; round++) {
      await sleep(500 + Math.random() * 2500);
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      child = startProducer(db.url);
      await waitStreaming(sql);
    }
    await sleep(2000);
    writing = false;
    await writer;

    const finals = await sql.query<{ id: string; row_version: number }>('SELECT id, row_version FROM thahs.person');
    const expected = new Map(finals.rows.map((r) => [r.id, r.row_version]));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const registry = new SchemaRegistry({ host: config.registryUrl }, { AVRO: AVRO_FOR_SCHEMA_OPTIONS });
    const kafka = new Kafka({ clientId: 'crash-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
    const seen = new Map<string, Set<number>>();
    // Repeats after a crash are expected: wait for `total` distinct events, not messages.
    const distinct = new Set<string>();
    const msgs = await readTopics(
      kafka,
      [agreementTopic(prefix, 'cand', agreement.id, 'person')],
      (m) => {
        for (let i = distinct.size === 0 ? 0 : m.length - 1; i < m.length; i++) distinct.add(parseMeta(m[i].headers).eventId);
        return distinct.size >= total;
      },
      120_000,
    );
    const orderByKey = new Map<string, SourcePosition[]>();
    for (const m of msgs) {
      const v = await registry.decode(m.value!);
      const meta = parseMeta(m.headers);
      if (!seen.has(v.id)) seen.set(v.id, new Set());
      seen.get(v.id)!.add(v.row_version);
      const list = orderByKey.get(v.id) ?? [];
      if (!list.some((p) => comparePositions(p, meta.position) === 0)) list.push(meta.position);
      orderByKey.set(v.id, list);
    }
    expect(txns).toBeGreaterThan(50);
    for (const [id, finalVersion] of expected) {
      const versions = seen.get(id) ?? new Set<number>();
      for (let v = 1; v <= finalVersion; v++) expect(versions.has(v) ? `${id} v${v}` : `${id} v${v} missing`).toBe(`${id} v${v}`);
      const positions = orderByKey.get(id)!;
      for (let i = 1; i < positions.length; i++) expect(comparePositions(positions[i - 1], positions[i])).toBeLessThan(0);
    }
  });
});
