import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFile } from 'child_process';
import { randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { seedDatabase } from '../../libs/datagen';
import { createLogger } from '../../libs/logger';
import type { StoredDifference } from '../../libs/reconcile';
import { ReconcilerService } from '../../services/reconciler/reconcilerService';
import { pipelineNames } from '../../services/supervisor/pipelineNames';
import { buildServices } from '../../services/supervisor/services';
import { Supervisor } from '../../services/supervisor/supervisor';
import { ScratchDatabase } from '../support/scratchDatabase';
import { SourceRows } from '../support/sourceRows';
import { describeLong } from '../support/longTests';
import { sleep, waitFor } from '../support/waitFor';

/**
 * The reconciliation against a live pipeline: `npm start`'s services in this process on scratch
 * databases under their own prefix, the two example agreements in force. While a workload keeps
 * changing cand's persons (inserts, renames, moves in and out of the agreement's filter), every run —
 * full and incremental — once settled (the consumer past the run's source LSN, the differing keys
 * re-checked) reports no difference; then rows corrupted, deleted and invented in the partner store and
 * rows changed at the source while the table was out of the producer's publication are repaired by
 * `repair` through the producer's re-publication, and a full run afterwards is clean.
 */
jest.setTimeout(600_000);

const config = loadConfig();
const contracts = loadContracts();
const log = createLogger('live-reconcile-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const prefix = `r${randomUUID().slice(0, 8)}`;
const names = pipelineNames(prefix);
const AGREEMENT = 'TTDL-CAND-QDND-2025-01';
const COMPARE = { blockRows: 64, segmentRows: 8, splitFactor: 4, fetchRows: 12, lookupKeys: 3, chunksPerTable: 4, sampleRows: 400 };

/** Changes cand's persons until stopped: renames, moves across the is_military filter, inserts. */
class Workload {
  changes = 0;
  private go = false;
  private loop?: Promise<void>;
  constructor(
    private readonly sql: Client,
    private readonly rows: SourceRows,
  ) {}
  start(): void {
    this.go = true;
    this.loop = (async () => {
      while (this.go) {
        const roll = Math.random();
        if (roll < 0.2) await this.rows.person({ military: Math.random() < 0.7 });
        else if (roll < 0.4)
          await this.sql.query(
            `UPDATE thahs.person SET is_military = NOT is_military, military_rank = CASE WHEN is_military THEN NULL ELSE 'Trung úy' END WHERE id IN (SELECT id FROM thahs.person ORDER BY random() LIMIT 1)`,
          );
        else await this.sql.query(`UPDATE thahs.person SET full_name = full_name || 'a' WHERE id IN (SELECT id FROM thahs.person WHERE is_military ORDER BY random() LIMIT 3)`);
        this.changes++;
        await sleep(15);
      }
    })();
  }
  async stop(): Promise<void> {
    this.go = false;
    await this.loop;
  }
}

// Long (THAHS_LONG_TESTS=on, see longTests.ts).
describeLong('reconcile against the live pipeline', () => {
  let cand: ScratchDatabase;
  let qdnd: ScratchDatabase;
  let src: Client;
  let dst: Client;
  let keysDir: string;
  let supervisor: Supervisor | undefined;
  let service: ReconcilerService;
  let workload: Workload;

  beforeAll(async () => {
    cand = await ScratchDatabase.create(config.candPgUrl, 'lrec_cand');
    qdnd = await ScratchDatabase.create(config.qdndPgUrl, 'lrec_qdnd');
    await seedDatabase({ url: cand.url, ministry: 'cand', persons: 300, seed: 7 });
    src = new Client({ connectionString: cand.url, options: '-c TimeZone=UTC' });
    dst = new Client({ connectionString: qdnd.url, options: '-c TimeZone=UTC' });
    await Promise.all([src.connect(), dst.connect()]);
    // cand's seed holds no service members; the agreement shares only them.
    await src.query(`UPDATE thahs.person SET is_military = true, military_rank = 'Thượng úy' WHERE abs(hashtext(id::text)) % 2 = 0`);
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-live-reconcile-keys-'));
    const stages = await buildServices({ ...config, reconcileSchedule: [] }, log, {
      names,
      urls: { cand: cand.url, qdnd: qdnd.url },
      keysDir,
      demo: { agreements: true, seedPersons: { cand: 0, qdnd: 0 }, workloadRate: 0 },
      agreementPollMs: 1000,
      heartbeatMs: 500,
      accessAuditIntervalMs: 60_000,
    });
    supervisor = new Supervisor(stages, log, 0);
    await supervisor.start();
    service = new ReconcilerService({
      databases: { cand: cand.url, qdnd: qdnd.url },
      contracts,
      log,
      compare: COMPARE,
      workers: 2,
      pipeline: { kafkaBrokers: config.kafkaBrokers, topicPrefix: prefix, slotName: names.slot },
      applyTimeoutMs: 180_000,
    });
    // Converged once: the backfill of every shared row has been applied.
    await waitFor(
      'the backfill of cand → qdnd applied',
      async () => (await service.runSettled({ agreementId: AGREEMENT, startedBy: 'test' })).final.status === 'clean',
      300_000,
      2000,
    );
    workload = new Workload(src, new SourceRows(src, 'cand'));
  });

  afterAll(async () => {
    await workload?.stop();
    await supervisor?.stop().catch(() => undefined);
    await Promise.all([src?.end(), dst?.end()].map((p) => p?.catch(() => undefined)));
    await Promise.all([cand?.drop(), qdnd?.drop()].map((p) => p?.catch(() => undefined)));
    if (keysDir) fs.rmSync(keysDir, { recursive: true, force: true });
    const kafka = new Kafka({ clientId: 'live-reconcile-cleanup', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('reports no difference, full or incremental, while the workload runs (settled after each run)', async () => {
    workload.start();
    const firstDiffering: number[] = [];
    try {
      for (const mode of ['full', 'incremental', 'full', 'incremental'] as const) {
        const before = workload.changes;
        const settled = await service.runSettled({ agreementId: AGREEMENT, mode, startedBy: 'test' });
        expect(workload.changes).toBeGreaterThan(before);
        firstDiffering.push(settled.first.results.reduce((s, r) => s + r.missing + r.extra + r.different, 0));
        const left = (await service.exportRun(AGREEMENT, settled.final.id)).differences;
        expect({ mode, status: settled.final.status, unsettled: settled.unsettled, left }).toEqual({
          mode,
          status: 'clean',
          unsettled: settled.first.status === 'clean' ? 'clean' : null,
          left: [],
        });
        // A re-check counts only its keys still shared at the source: the rows compared are the first run's.
        expect(settled.first.results.find((r) => r.entity === 'person')?.checked ?? 0).toBeGreaterThan(0);
      }
    } finally {
      await workload.stop();
    }
    // What the snapshots alone saw (in flight then): reported for the record, not asserted — it depends on timing.
    log.warn('differences before settling', { firstDiffering });
  });

  it('repairs through the pipeline what was corrupted in the partner store and changed at the source bypassing it; a re-run is clean', async () => {
    const one = async (c: Client, sql: string): Promise<string> => (await c.query<{ id: string }>(sql)).rows[0].id;
    const expected = new Map<string, string>();
    expected.set(
      await one(
        dst,
        `UPDATE partner_cand.person SET full_name = full_name || ' (sai)' WHERE id = (SELECT id FROM partner_cand.person ORDER BY id LIMIT 1 OFFSET 3) RETURNING id::text AS id`,
      ),
      'different',
    );
    expected.set(
      await one(dst, `DELETE FROM partner_cand.person WHERE id = (SELECT id FROM partner_cand.person ORDER BY id DESC LIMIT 1 OFFSET 5) RETURNING id::text AS id`),
      'missing',
    );
    expected.set(await one(dst, `DELETE FROM partner_cand.judgment WHERE id = (SELECT id FROM partner_cand.judgment ORDER BY id LIMIT 1) RETURNING id::text AS id`), 'missing');
    expected.set(
      await one(
        dst,
        `INSERT INTO partner_cand.person (id, ministry, reporting_unit_id, full_name, date_of_birth, sex, is_military, military_rank, military_unit_id, updated_at,
           _source_lsn, _source_index, _commit_ts, _agreement_id, _agreement_version, _applied_at)
         SELECT gen_random_uuid(), ministry, reporting_unit_id, full_name, date_of_birth, sex, is_military, military_rank, military_unit_id, updated_at,
           _source_lsn, _source_index, _commit_ts, _agreement_id, _agreement_version, _applied_at FROM partner_cand.person LIMIT 1 RETURNING id::text AS id`,
      ),
      'extra',
    );
    // At the source while the table is out of the producer's publication: the change never enters the pipeline.
    const pub = names.publication('cand');
    await src.query(`ALTER PUBLICATION ${pub} DROP TABLE thahs.person`);
    expected.set(
      await one(
        src,
        `UPDATE thahs.person SET military_rank = 'Đại úy' WHERE id = (SELECT id FROM thahs.person WHERE is_military ORDER BY id LIMIT 1 OFFSET 7) RETURNING id::text AS id`,
      ),
      'different',
    );
    expected.set(
      await one(
        src,
        `UPDATE thahs.person SET is_military = false, military_rank = NULL WHERE id = (SELECT id FROM thahs.person WHERE is_military ORDER BY id DESC LIMIT 1 OFFSET 9) RETURNING id::text AS id`,
      ),
      'extra',
    );
    await src.query(`ALTER PUBLICATION ${pub} ADD TABLE thahs.person`);

    const found = await service.runSettled({ agreementId: AGREEMENT, startedBy: 'test' });
    const differences = (await service.exportRun(AGREEMENT, found.final.id)).differences;
    expect(new Map(differences.map((d: StoredDifference) => [d.key, d.class]))).toEqual(expected);

    const repair = await service.repair(found.final.id, AGREEMENT, 'test');
    expect({ repaired: repair.repaired, remaining: repair.remaining, status: repair.after.final.status }).toEqual({ repaired: expected.size, remaining: 0, status: 'clean' });
    expect(repair.republished).toEqual({ judgment: 1, person: expected.size - 1 });
    expect(repair.requests.reduce((s, r) => s + (r.upserts ?? 0) + (r.deletes ?? 0), 0)).toBe(expected.size);
    // Written by the apply consumer, as every change: the update log names the re-published keys.
    const logged = await dst.query<{ n: string }>(
      `SELECT count(DISTINCT key_id)::text AS n FROM partner_state.update_log WHERE key_id = ANY($1::uuid[]) AND applied_at > now() - interval '10 minutes'`,
      [[...expected.keys()]],
    );
    expect(Number(logged.rows[0].n)).toBeGreaterThanOrEqual(expected.size - 1);

    const again = await service.runSettled({ agreementId: AGREEMENT, startedBy: 'test' });
    expect(again.final.status).toBe('clean');
    expect(again.first.status).toBe('clean');
  });

  it('`thahs reconcile --repair` repairs a corrupted partner row and exits 0', async () => {
    const key = (
      await dst.query<{ id: string }>(
        `UPDATE partner_cand.judgment SET judgment_no = judgment_no || '-X' WHERE id = (SELECT id FROM partner_cand.judgment ORDER BY id LIMIT 1) RETURNING id::text AS id`,
      )
    ).rows[0].id;
    const env = { ...process.env, THAHS_CAND_PG_URL: cand.url, THAHS_QDND_PG_URL: qdnd.url, THAHS_LOG_LEVEL: 'error' };
    // Asynchronously: the producer and the consumer it waits for run in this process.
    const cli = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        path.resolve(__dirname, '../../bin/thahs'),
        ['reconcile', '--agreement', AGREEMENT, '--entity', 'judgment', '--repair', '--topic-prefix', prefix],
        { env, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    if (cli.status !== 0) throw new Error(`thahs reconcile --repair exited with ${cli.status}: ${cli.stdout}${cli.stderr}`);
    expect(cli.stdout).toMatch(/repair of run \S+: re-published judgment 1 in 1 request\(s\); repaired 1, still differing 0/);
    const held = await dst.query<{ no: string }>('SELECT judgment_no AS no FROM partner_cand.judgment WHERE id = $1', [key]);
    expect(held.rows[0].no).not.toMatch(/-X$/);
  });
});
