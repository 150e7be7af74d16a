import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { seedDatabase } from '../../libs/datagen';
import { createLogger } from '../../libs/logger';
import { metricsRegistry } from '../../libs/metrics';
import { ReconcileBusyError, type StoredDifference, type StoredRun } from '../../libs/reconcile';
import { RECONCILE_PURPOSE, ReconcilerService } from '../../services/reconciler/reconcilerService';
import { contracts, createPair, type ReconcilePair } from './reconcileFixture';

/**
 * The reconciliation of the cand → qdnd agreement on the real clusters (no pipeline: the partner store
 * is written by libs/partner-store's PartnerStore from the provider's shared rows, as a converged
 * consumer leaves it). A run after convergence reports every row matched; after rows are corrupted,
 * deleted and inserted in the partner store and changed at the source bypassing the pipeline, a full
 * run finds exactly those keys, classified, with the differing fields; an incremental run from the clean
 * baseline finds exactly what the full run finds, including what updated_at cannot tell (a trigger
 * disabled, a bulk-loaded row with an old timestamp, a row deleted on one side). The engine's limits are
 * set small (segments of 8 rows, blocks of 64, fetches of 12 rows per side) so the bisection cuts several levels deep.
 */
jest.setTimeout(300_000);

const log = createLogger('reconcile-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const COMPARE = { blockRows: 64, segmentRows: 8, splitFactor: 4, fetchRows: 12, lookupKeys: 3, chunksPerTable: 4, sampleRows: 400 };
type Expected = Map<string, { entity: string; class: string; fields: string[] }>;

function asExpected(diffs: readonly StoredDifference[]): Expected {
  return new Map(diffs.map((d) => [d.key, { entity: d.entity, class: d.class, fields: d.fields }]));
}

describe('reconcile on the real clusters', () => {
  let pair: ReconcilePair;
  let service: ReconcilerService;
  let clean: StoredRun;
  let full: StoredRun;
  const expected: Expected = new Map();
  const run = (mode: 'full' | 'incremental' = 'full'): Promise<StoredRun> => service.run({ agreementId: pair.doc.id, mode, startedBy: 'test-operator' });
  const differences = async (r: StoredRun): Promise<Expected> => asExpected((await service.exportRun(pair.doc.id, r.id)).differences);
  const one = async (sql: string, params: unknown[] = []): Promise<string> => (await pair.src.query<{ id: string }>(sql, params)).rows[0].id;
  const oneDst = async (sql: string, params: unknown[] = []): Promise<string> => (await pair.dst.query<{ id: string }>(sql, params)).rows[0].id;

  beforeAll(async () => {
    pair = await createPair('rec');
    await seedDatabase({ url: pair.provider.url, ministry: 'cand', persons: 500, seed: 11, migrate: false });
    // cand's seed holds no service members; the agreement shares only them.
    await pair.src.query(`UPDATE thahs.person SET is_military = true, military_rank = 'Thượng úy' WHERE abs(hashtext(id::text)) % 3 = 0 AND sex = 'M'`);
    // Names of some in NFD at the source: the partner store gets them in NFC below, and that is no difference.
    await pair.src.query(`UPDATE thahs.person SET full_name = normalize(full_name, NFD) WHERE is_military AND abs(hashtext(id::text)) % 5 = 0`);
    await pair.converge();
    await pair.dst.query(`UPDATE partner_cand.person SET full_name = normalize(full_name, NFC)`);
    await pair.storeHistory();
    service = new ReconcilerService({ databases: { cand: pair.provider.url, qdnd: pair.receiver.url }, contracts, log, compare: COMPARE, workers: 2 });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('reports every shared row matched after convergence, and stores who, when, what and where', async () => {
    clean = await run();
    expect(clean.status).toBe('clean');
    expect(clean.results.map((r) => r.entity)).toEqual(['enforcement_case', 'judgment', 'person']);
    for (const r of clean.results) {
      const e = pair.scope.entities.find((x) => x.entity === r.entity)!;
      const where = e.share.whereSql(1);
      const shared = await pair.src.query<{ n: string }>(`SELECT count(*)::text AS n FROM thahs."${r.entity}" WHERE ${where.sql}`, where.params as unknown[]);
      const held = await pair.dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM partner_cand."${r.entity}"`);
      expect({ entity: r.entity, checked: r.checked, matched: r.matched, missing: r.missing, extra: r.extra, different: r.different }).toEqual({
        entity: r.entity,
        checked: Number(shared.rows[0].n),
        matched: Number(held.rows[0].n),
        missing: 0,
        extra: 0,
        different: 0,
      });
      expect(r.matched).toBeGreaterThan(50);
      expect(r.blocks).toBeGreaterThan(1);
    }
    expect(clean).toMatchObject({
      agreementId: 'TTDL-CAND-QDND-2025-01',
      agreementVersion: 1,
      provider: 'cand',
      receiver: 'qdnd',
      partnerSchema: 'partner_cand',
      startedBy: 'test-operator',
      mode: 'full',
    });
    expect(clean.sourceLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(Date.parse(clean.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(clean.startedAt));
    // Its reads of partner data are declared in the access log, one line per table, with the inspection's purpose.
    const declared = await pair.dst.query<{ what: string }>(`SELECT what FROM partner_state.access_log WHERE purpose = $1 ORDER BY what`, [RECONCILE_PURPOSE]);
    expect(declared.rows.map((r) => r.what)).toEqual(['partner_cand.enforcement_case', 'partner_cand.judgment', 'partner_cand.person']);
    const metrics = await metricsRegistry.getSingleMetricAsString('thahs_reconcile_last_differences');
    expect(metrics).toContain('thahs_reconcile_last_differences{agreement="TTDL-CAND-QDND-2025-01",entity="person"} 0');
  });

  it('finds exactly the keys corrupted, deleted and inserted in the partner store and changed at the source, classified, with the differing fields', async () => {
    const add = (entity: string, key: string, cls: string, fields: string[] = []): void => {
      expected.set(key, { entity, class: cls, fields });
    };
    // --- in the partner store, bypassing the pipeline
    add(
      'person',
      await oneDst(
        `UPDATE partner_cand.person SET full_name = full_name || ' (sai)' WHERE id = (SELECT id FROM partner_cand.person ORDER BY id LIMIT 1 OFFSET 3) RETURNING id::text AS id`,
      ),
      'different',
      ['full_name'],
    );
    add(
      'person',
      await oneDst(`UPDATE partner_cand.person SET military_rank = '' WHERE id = (SELECT id FROM partner_cand.person ORDER BY id LIMIT 1 OFFSET 11) RETURNING id::text AS id`),
      'different',
      ['military_rank'],
    );
    add(
      'judgment',
      await oneDst(
        `UPDATE partner_cand.judgment SET judgment_date = judgment_date + 1, immediately_enforceable = NOT immediately_enforceable WHERE id = (SELECT id FROM partner_cand.judgment ORDER BY id DESC LIMIT 1) RETURNING id::text AS id`,
      ),
      'different',
      ['judgment_date', 'immediately_enforceable'],
    );
    add(
      'enforcement_case',
      await oneDst(`DELETE FROM partner_cand.enforcement_case WHERE id = (SELECT id FROM partner_cand.enforcement_case ORDER BY id LIMIT 1 OFFSET 40) RETURNING id::text AS id`),
      'missing',
    );
    add(
      'person',
      await oneDst(`DELETE FROM partner_cand.person WHERE id = (SELECT id FROM partner_cand.person ORDER BY id DESC LIMIT 1 OFFSET 7) RETURNING id::text AS id`),
      'missing',
    );
    add(
      'person',
      await oneDst(
        `INSERT INTO partner_cand.person (id, ministry, reporting_unit_id, full_name, date_of_birth, sex, is_military, military_rank, military_unit_id, updated_at,
           _source_lsn, _source_index, _commit_ts, _agreement_id, _agreement_version, _applied_at)
         SELECT gen_random_uuid(), ministry, reporting_unit_id, full_name, date_of_birth, sex, is_military, military_rank, military_unit_id, updated_at,
           _source_lsn, _source_index, _commit_ts, _agreement_id, _agreement_version, _applied_at FROM partner_cand.person LIMIT 1 RETURNING id::text AS id`,
      ),
      'extra',
    );
    // --- at the source, bypassing the pipeline
    add(
      'person',
      await one(
        `UPDATE thahs.person SET military_rank = 'Đại úy' WHERE id = (SELECT id FROM thahs.person WHERE is_military ORDER BY id LIMIT 1 OFFSET 20) RETURNING id::text AS id`,
      ),
      'different',
      ['military_rank', 'updated_at'],
    );
    // With the touch trigger disabled, updated_at keeps its old value: a check by timestamp would miss this.
    await pair.src.query('ALTER TABLE thahs.person DISABLE TRIGGER person_touch');
    add(
      'person',
      await one(
        `UPDATE thahs.person SET full_name = full_name || ' Văn' WHERE id = (SELECT id FROM thahs.person WHERE is_military ORDER BY id LIMIT 1 OFFSET 25) RETURNING id::text AS id`,
      ),
      'different',
      ['full_name'],
    );
    await pair.src.query('ALTER TABLE thahs.person ENABLE TRIGGER person_touch');
    // Leaves the filter (no longer a service member): the partner store should have dropped it.
    add(
      'person',
      await one(
        `UPDATE thahs.person SET is_military = false, military_rank = NULL WHERE id = (SELECT id FROM thahs.person WHERE is_military ORDER BY id DESC LIMIT 1 OFFSET 2) RETURNING id::text AS id`,
      ),
      'extra',
    );
    // A bulk-loaded row carrying an old updated_at.
    add(
      'person',
      await one(
        `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military, military_rank, created_at, updated_at)
         VALUES ('CAND', 'Hoàng Minh Tuấn', '1994-02-28', 'M', true, 'Trung sĩ', '2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z') RETURNING id::text AS id`,
      ),
      'missing',
    );
    add(
      'enforcement_case',
      await one(
        `UPDATE thahs.enforcement_case SET status = 'TRON' WHERE id = (SELECT id FROM thahs.enforcement_case
           WHERE status <> 'TRON' AND case_type IN ('CUSTODIAL', 'COMMUNITY', 'DEATH') AND (closed_at IS NULL OR closed_at >= '2020-01-01T00:00:00+07:00') ORDER BY id LIMIT 1 OFFSET 5)
         RETURNING id::text AS id`,
      ),
      'different',
      ['status', 'updated_at'],
    );
    add(
      'judgment',
      await one(
        `INSERT INTO thahs.judgment (ministry, judgment_no, judgment_date, court_id, instance, effective_date) SELECT 'CAND', '999/2026/HS-ST', '2026-03-01', id, 'SO_THAM', '2026-03-20' FROM thahs.court LIMIT 1 RETURNING id::text AS id`,
      ),
      'missing',
    );

    full = await run();
    expect(full.status).toBe('differences');
    expect(await differences(full)).toEqual(expected);
    // Rows of differing ranges fetched by passes only (never through the primary key): the same result.
    const passesOnly = new ReconcilerService({
      databases: { cand: pair.provider.url, qdnd: pair.receiver.url },
      contracts,
      log,
      compare: { ...COMPARE, keyFetchRows: 0 },
      workers: 2,
    });
    expect(await differences(await passesOnly.run({ agreementId: pair.doc.id, startedBy: 'test-operator' }))).toEqual(expected);
    for (const r of full.results) {
      const mine = [...expected.values()].filter((d) => d.entity === r.entity);
      expect({ entity: r.entity, missing: r.missing, extra: r.extra, different: r.different }).toEqual({
        entity: r.entity,
        missing: mine.filter((d) => d.class === 'missing').length,
        extra: mine.filter((d) => d.class === 'extra').length,
        different: mine.filter((d) => d.class === 'different').length,
      });
    }
    // The partner store's position of a held key is kept with the difference (what a later re-check needs).
    const positions = (await service.exportRun(pair.doc.id, full.id)).differences.filter((d) => d.class === 'different');
    expect(positions.every((d) => /^[0-9A-F]+\/[0-9A-F]+$/.test(d.partnerLsn ?? ''))).toBe(true);
  });

  it('an incremental run from the clean baseline finds exactly what the full run found, hashing only what changed', async () => {
    const inc = await run('incremental');
    expect(inc.results.map((r) => [r.entity, r.mode, r.baselineRunId, r.fallbackReason])).toEqual(clean.results.map((r) => [r.entity, 'incremental', clean.id, null]));
    expect(await differences(inc)).toEqual(expected);
    for (const r of inc.results) {
      const f = full.results.find((x) => x.entity === r.entity)!;
      expect([r.checked, r.matched, r.missing, r.extra, r.different]).toEqual([f.checked, f.matched, f.missing, f.extra, f.different]);
      expect(r.rowsHashed.provider + r.rowsHashed.partner).toBeLessThan(f.rowsHashed.provider + f.rowsHashed.partner);
    }
    const person = inc.results.find((r) => r.entity === 'person')!;
    expect(person.changedKeys).toBeGreaterThanOrEqual(5);
  });

  it('re-checks only the keys a stored run found differing (what a repair step will call)', async () => {
    await pair.resync('person');
    const recheck = await service.recheck({ agreementId: pair.doc.id, runId: full.id, startedBy: 'test-operator' });
    expect(recheck).toMatchObject({ mode: 'recheck', recheckedRunId: full.id });
    const left = new Map([...expected].filter(([, d]) => d.entity !== 'person'));
    expect(await differences(recheck)).toEqual(left);
    // Of the 8 person keys, 6 are shared at the source and now held alike; the extra row and the one that
    // left the filter are gone from both sides and count nowhere.
    const person = recheck.results.find((r) => r.entity === 'person')!;
    expect([person.checked, person.matched, person.missing + person.extra + person.different]).toEqual([6, 6, 0]);
  });

  it('refuses a second run of the same agreement while one holds its lock', async () => {
    await pair.dst.query('SELECT pg_advisory_lock(741950152, hashtext($1))', [pair.doc.id]);
    try {
      await expect(run()).rejects.toBeInstanceOf(ReconcileBusyError);
    } finally {
      await pair.dst.query('SELECT pg_advisory_unlock(741950152, hashtext($1))', [pair.doc.id]);
    }
  });

  it('after a repair, a full run is clean and an incremental run with nothing changed hashes no row', async () => {
    await pair.resync();
    const again = await run();
    expect(again.status).toBe('clean');
    const quiet = await run('incremental');
    expect(quiet.status).toBe('clean');
    for (const r of quiet.results) {
      expect({ entity: r.entity, mode: r.mode, baseline: r.baselineRunId, changed: r.changedKeys, hashed: r.rowsHashed }).toEqual({
        entity: r.entity,
        mode: 'incremental',
        baseline: again.id,
        changed: 0,
        hashed: { provider: 0, partner: 0 },
      });
    }
  });

  it('exits 3 from `thahs reconcile` when the sides differ and writes the report; 0 once they agree', async () => {
    const key = await oneDst(
      `UPDATE partner_cand.judgment SET judgment_no = judgment_no || '-X' WHERE id = (SELECT id FROM partner_cand.judgment ORDER BY id LIMIT 1) RETURNING id::text AS id`,
    );
    const env = { ...process.env, THAHS_CAND_PG_URL: pair.provider.url, THAHS_QDND_PG_URL: pair.receiver.url, THAHS_LOG_LEVEL: 'error' };
    const bin = path.resolve(__dirname, '../../bin/thahs');
    const html = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-reconcile-')), 'report.html');
    const cli = spawnSync(bin, ['reconcile', '--agreement', pair.doc.id, '--entity', 'judgment', '--incremental', '--json', '--html', html, '--started-by', 'cli-test'], {
      env,
      encoding: 'utf8',
    });
    if (cli.status !== 3) throw new Error(`thahs reconcile exited with ${cli.status}: ${cli.stderr}`);
    const out = JSON.parse(cli.stdout) as { run: StoredRun; differences: StoredDifference[] };
    expect(out.run).toMatchObject({ startedBy: 'cli-test', entities: ['judgment'], status: 'differences' });
    expect(out.differences).toEqual([expect.objectContaining({ entity: 'judgment', key, class: 'different', fields: ['judgment_no'] })]);
    expect(fs.readFileSync(html, 'utf8')).toContain('Báo cáo đối soát');
    await pair.resync('judgment');
    const ok = spawnSync(bin, ['reconcile', '--agreement', pair.doc.id, '--entity', 'judgment'], { env, encoding: 'utf8' });
    if (ok.status !== 0) throw new Error(`thahs reconcile exited with ${ok.status}: ${ok.stderr}`);
    expect(ok.stdout).toMatch(/judgment\s+incremental|judgment\s+full/);
  });

  it('finds dense differences too: every row of an entity changed in the partner store', async () => {
    const changed = await pair.dst.query<{ id: string }>(
      `UPDATE partner_cand.judgment SET instance = CASE WHEN instance = 'GIAM_DOC_THAM' THEN 'TAI_THAM' ELSE 'GIAM_DOC_THAM' END RETURNING id::text AS id`,
    );
    const r = await service.run({ agreementId: pair.doc.id, entities: ['judgment'], startedBy: 'test-operator' });
    const j = r.results[0];
    expect([j.different, j.missing, j.extra, j.matched]).toEqual([changed.rowCount, 0, 0, j.sourceRows - (changed.rowCount ?? 0)]);
    const found = (await service.exportRun(pair.doc.id, r.id)).differences;
    expect(new Set(found.map((d) => d.key))).toEqual(new Set(changed.rows.map((x) => x.id)));
    expect(found.every((d) => d.fields.join() === 'instance')).toBe(true);
  });

  it('counts every shared row missing when the partner table does not exist, recording the keys', async () => {
    await pair.dst.query('DROP TABLE partner_cand.judgment');
    const r = await service.run({ agreementId: pair.doc.id, entities: ['judgment'], startedBy: 'test-operator' });
    const j = r.results[0];
    expect({ partnerRows: j.partnerRows, missing: j.missing, extra: j.extra, different: j.different, truncated: j.keysTruncated }).toEqual({
      partnerRows: 0,
      missing: j.sourceRows,
      extra: 0,
      different: 0,
      truncated: false,
    });
    expect((await service.exportRun(pair.doc.id, r.id)).differences).toHaveLength(j.sourceRows);
  });
});
