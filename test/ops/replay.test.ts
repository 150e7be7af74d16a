import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Admin } from 'kafkajs';
import type { PoolClient } from 'pg';
import { AgreementStore, databaseLabel } from '../../libs/agreement-exchange';
import { loadConfig } from '../../libs/config';
import { createLogger } from '../../libs/logger';
import { PublicKeyRing } from '../../libs/signing';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import { updateLogViolations } from '../support/partnerView';
import { sleep, waitFor } from '../support/waitFor';
import { contracts, startOpsFixture, startThahs, thahs, type OpsFixture } from './support/opsFixture';

/**
 * `thahs replay` and `thahs dlq retry` on the real stack, with the agreement's apply consumer running
 * beside them as the pipeline: a dry run changes nothing (offsets, groups and tables compared before
 * and after), a rebuild ends with the partner store it started from, a time-ranged replay while the
 * provider keeps publishing newer states regresses no row, and a dead letter whose key was missing is
 * applied by a retry once the key is installed — each recorded in the operator log.
 */
describe('thahs replay and dlq retry', () => {
  let fx: OpsFixture;
  let pipeline: ApplyConsumer;
  let admin: Admin;
  let db: PoolClient;
  let keysDir: string;
  let emptyKeysDir: string;
  const ids = Array.from({ length: 60 }, () => randomUUID());
  /** Newest source position published per key (null: deleted last). */
  const newest = new Map<string, { lsn: bigint; deleted: boolean }>();
  const person = (): string => fx.topic('person');
  const side = (): string[] => ['--receiver', 'qdnd', '--topic-prefix', fx.prefix];
  const env = (dir = keysDir): NodeJS.ProcessEnv => fx.env({ THAHS_KEYS_DIR: dir });

  async function publish(items: { id: string; record: Record<string, unknown> | null }[]): Promise<void> {
    const sent = await fx.publishSigned('person', items);
    items.forEach((it, i) => newest.set(it.id, { lsn: sent[i].lsn, deleted: it.record === null }));
  }

  const version = (n: number) => (id: string) => ({ id, record: { is_military: true, military_rank: `Cấp ${n}`, full_name: `Người ${n}` } });

  /** The partner store's rows, metadata included but the receipt time. */
  async function rows(): Promise<string[]> {
    const r = await db.query<{ j: string }>(`SELECT (to_jsonb(p) - '_applied_at')::text AS j FROM partner_cand.person p ORDER BY id`);
    return r.rows.map((x) => x.j);
  }

  /** This test's consumer groups (the broker is shared with other tests). */
  async function groups(): Promise<string[]> {
    return (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(fx.prefix))
      .sort();
  }

  async function ends(): Promise<Map<number, string>> {
    return new Map((await admin.fetchTopicOffsets(person())).map((p) => [p.partition, p.high]));
  }

  async function committed(): Promise<string> {
    return JSON.stringify(await admin.fetchOffsets({ groupId: fx.group, topics: [person()] }));
  }

  /** The pipeline has applied everything published (its committed offsets reached every end). */
  async function drained(): Promise<void> {
    await waitFor(
      'the pipeline to apply every published event',
      async () => {
        const high = await ends();
        const c = (await admin.fetchOffsets({ groupId: fx.group, topics: [person()] }))[0].partitions;
        return c.every((p) => p.offset === high.get(p.partition)) || undefined;
      },
      180_000,
      500,
    );
  }

  /** Every key holds exactly the newest state published for it. */
  async function expectNewestEverywhere(): Promise<void> {
    const r = await db.query<{ id: string; lsn: string }>(`SELECT id::text, (_source_lsn - '0/0'::pg_lsn)::text AS lsn FROM partner_cand.person`);
    const held = new Map(r.rows.map((x) => [x.id, BigInt(x.lsn)]));
    const wrong = [...newest].filter(([id, n]) => (n.deleted ? held.has(id) : held.get(id) !== n.lsn));
    expect(wrong).toEqual([]);
  }

  beforeAll(async () => {
    fx = await startOpsFixture('replay');
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-replay-keys-'));
    emptyKeysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-replay-nokeys-'));
    fs.mkdirSync(path.join(keysDir, 'public'));
    fs.writeFileSync(path.join(keysDir, 'public', `${fx.providerKey.keyId}.pub.pem`), fx.providerKey.publicKey.export({ type: 'spki', format: 'pem' }));
    const state = await new AgreementStore(fx.receiver, databaseLabel(fx.qdnd.url)).state(fx.agreementId);
    const policy = new AgreementPolicy(state!, 'qdnd', contracts);
    const ring = new PublicKeyRing();
    ring.add(fx.providerKey.keyId, fx.providerKey.publicKey);
    const config = loadConfig();
    pipeline = new ApplyConsumer({
      receiver: 'qdnd',
      provider: 'cand',
      agreementId: fx.agreementId,
      entities: ['person'],
      policy,
      contracts,
      providerKeys: ring,
      pgUrl: fx.qdnd.url,
      kafkaBrokers: config.kafkaBrokers,
      registryUrl: config.registryUrl,
      log: createLogger('replay-test', 'error'),
      partnerSchema: policy.partnerSchema(),
      topicPrefix: fx.prefix,
    });
    await pipeline.start();
    admin = fx.kafka.admin();
    await admin.connect();
    db = await fx.receiver.connect();
    // Three versions of every key, a few deleted: the partner store the pipeline builds.
    for (let n = 1; n <= 3; n++) await publish(ids.map(version(n)));
    await publish(ids.slice(0, 6).map((id) => ({ id, record: null })));
    await drained();
  }, 600_000);

  afterAll(async () => {
    db?.release();
    await pipeline?.stop().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await fx?.stop();
    for (const d of [keysDir, emptyKeysDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a dry run prints the plan and changes nothing: offsets, groups, tables', async () => {
    const before = { rows: await rows(), ends: [...(await ends())], committed: await committed(), groups: await groups(), tables: await tableCounts(db) };
    await expectNewestEverywhere();

    const all = await thahs(['replay', ...side(), '--agreement', fx.agreementId, '--json'], env());
    expect(all.code).toBe(0);
    const plan = JSON.parse(all.stdout) as {
      executed: boolean;
      entities: string[];
      plan: { events: string; ranges: { topic: string; partition: number; start: string; end: string; events: string }[] };
    };
    expect(plan.executed).toBe(false);
    expect(plan.entities).toEqual(['enforcement_case', 'judgment', 'person']);
    const personRanges = plan.plan.ranges.filter((r) => r.topic === person());
    expect(personRanges.map((r) => r.partition)).toEqual([0, 1, 2]);
    expect(personRanges.reduce((n, r) => n + Number(r.events), 0)).toBe(3 * ids.length + 6);
    expect(personRanges.every((r) => r.start === '0' && r.end === before.ends.find(([p]) => p === r.partition)![1])).toBe(true);

    const narrow = await thahs(['replay', ...side(), '--topic', person(), '--partition', '1', '--from-offset', '2', '--to-offset', '5', '--json'], env());
    expect(narrow.code).toBe(0);
    expect((JSON.parse(narrow.stdout) as typeof plan).plan.ranges).toEqual([
      { topic: person(), partition: 1, low: '0', high: before.ends.find(([p]) => p === 1)![1], start: '2', end: '6', events: '4' },
    ]);

    const rebuild = await thahs(['replay', ...side(), '--agreement', fx.agreementId, '--entity', 'person', '--rebuild'], env());
    expect(rebuild.code).toBe(0);
    expect(rebuild.stdout).toContain(`A rebuild would first remove from partner_cand: person ${ids.length - 6} rows`);
    expect(rebuild.stdout).toContain('Nothing was changed');

    const after = { rows: await rows(), ends: [...(await ends())], committed: await committed(), groups: await groups(), tables: await tableCounts(db) };
    expect(after).toEqual(before);
  }, 600_000);

  it('a rebuild, while the pipeline runs, ends with the partner store it started from, and is recorded', async () => {
    const before = await rows();
    expect(before).toHaveLength(ids.length - 6);
    const r = await thahs(
      ['replay', ...side(), '--agreement', fx.agreementId, '--entity', 'person', '--rebuild', '--execute', '--operator', 'ops-test', '--reason', 'restore test', '--json'],
      env(),
    );
    expect(r.stderr).not.toMatch(/"level":"error"/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { result: { read: number; applied: number; deadLettered: number; emptied: { entity: string; rows: number; tombstones: number }[] } };
    expect(out.result.emptied).toEqual([{ entity: 'person', rows: ids.length - 6, tombstones: 6 }]);
    expect(out.result.read).toBe(3 * ids.length + 6);
    expect(out.result.deadLettered).toBe(0);
    expect(out.result.applied).toBeGreaterThan(0);
    expect(await rows()).toEqual(before);
    // The deleted keys stay deleted: their tombstones came back with them.
    const tombs = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM partner_cand._tombstone WHERE entity = 'person' AND id = ANY($1::uuid[])`, [ids.slice(0, 6)]);
    expect(tombs.rows[0].n).toBe(6);
    const logged = await db.query<{ who: string; action: string; reason: string; result: string; agreement_id: string }>(
      `SELECT who, action, reason, result, agreement_id FROM partner_state.operator_action WHERE action LIKE 'replay%' ORDER BY id`,
    );
    expect(logged.rows).toEqual([{ who: 'ops-test', action: 'replay.rebuild', reason: 'restore test', result: 'done', agreement_id: fx.agreementId }]);
  }, 600_000);

  it('a time-ranged replay while the provider keeps publishing regresses no row', async () => {
    const mark = (await db.query<{ id: string }>(`SELECT COALESCE(max(id), 0)::text AS id FROM partner_state.update_log`)).rows[0].id;
    const from = new Date(Date.now() - 3_600_000).toISOString();
    // Events timestamped from here on are newer states of the same keys, published during the replay.
    let stop = false;
    let n = 4;
    const workload = (async () => {
      while (!stop) {
        await publish(
          ids
            .slice(6)
            .filter((_, i) => i % 2 === n % 2)
            .map(version(n)),
        );
        n += 1;
        await sleep(100);
      }
    })();
    await sleep(1500);
    const to = new Date().toISOString();
    const replay = startThahs(['replay', ...side(), '--topic', person(), '--from-time', from, '--to-time', to, '--execute', '--operator', 'ops-test', '--json'], env());
    const r = await replay.done;
    stop = true;
    await workload;
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { result: { read: number; applied: number; stale: number } };
    expect(out.result.read).toBeGreaterThanOrEqual(3 * ids.length + 6);
    // What the replay read the store already held, or something newer.
    expect(out.result.stale).toBeGreaterThan(0);
    await drained();
    await expectNewestEverywhere();
    expect(await updateLogViolations(db, mark)).toEqual([]);
    const logged = await db.query<{ action: string; result: string; subject: { plan: { from: { kind: string; at: string }; to: { kind: string; at: string } } } }>(
      `SELECT action, result, subject FROM partner_state.operator_action WHERE action = 'replay' ORDER BY id`,
    );
    expect(logged.rows.map((x) => [x.action, x.result, x.subject.plan.from, x.subject.plan.to])).toEqual([
      ['replay', 'done', { kind: 'time', at: from }, { kind: 'time', at: to }],
    ]);
  }, 600_000);

  it('a dead-letter retry fails while its cause lasts and applies the event once it is fixed', async () => {
    const [letter] = await fx.deadLetter('person', 'unknown-key', `key ${fx.providerKey.keyId} was not installed`, [7], { is_military: true, full_name: 'Người thử lại' });
    const still = await thahs(['dlq', 'retry', letter.id, ...side(), '--operator', 'ops-test'], env(emptyKeysDir));
    expect(still.code).toBe(1);
    expect(still.stdout).toContain(`${letter.id}: dead-again`);
    expect((await db.query('SELECT 1 FROM partner_state.dead_letter WHERE id = $1', [letter.id])).rowCount).toBe(1);
    expect((await db.query('SELECT 1 FROM partner_cand.person WHERE id = $1', [letter.recordId])).rowCount).toBe(0);

    // The cause fixed: the provider's key installed.
    const fixed = await thahs(['dlq', 'retry', letter.id, ...side(), '--operator', 'ops-test', '--reason', 'provider key installed', '--json'], env());
    expect(fixed.code).toBe(0);
    expect((JSON.parse(fixed.stdout) as { retried: { outcome: string }[] }).retried.map((x) => x.outcome)).toEqual(['applied']);
    expect((await db.query('SELECT 1 FROM partner_state.dead_letter WHERE id = $1', [letter.id])).rowCount).toBe(0);
    const row = await db.query<{ full_name: string }>('SELECT full_name FROM partner_cand.person WHERE id = $1', [letter.recordId]);
    expect(row.rows).toEqual([{ full_name: 'Người thử lại' }]);
    const logged = await db.query<{ who: string; reason: string | null; result: string; detail: { outcome: string }; subject: { deadLetterId: string } }>(
      `SELECT who, reason, result, detail, subject FROM partner_state.operator_action WHERE action = 'dlq.retry' ORDER BY id`,
    );
    expect(logged.rows.map((x) => [x.who, x.reason, x.result, x.detail.outcome, x.subject.deadLetterId])).toEqual([
      ['ops-test', null, 'failed', 'dead-again', letter.id],
      ['ops-test', 'provider key installed', 'done', 'applied', letter.id],
    ]);
  }, 600_000);
});

/** Row counts of every table of the receiver's partner and state schemas (and which exist). */
async function tableCounts(db: PoolClient): Promise<Record<string, number>> {
  const t = await db.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname IN ('partner_cand', 'partner_state') ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  for (const { name } of t.rows) out[name] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n;
  return out;
}
