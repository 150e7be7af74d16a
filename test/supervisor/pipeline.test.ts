import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { AgreementStore } from '../../libs/agreement-exchange';
import { compileEntityShare, versionRecordInForce, type AgreementDocument } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { createLogger } from '../../libs/logger';
import { METADATA_COLUMNS } from '../../libs/partner-store/partnerTables';
import { pipelineNames } from '../../services/supervisor/pipelineNames';
import { buildServices, type PipelineOptions } from '../../services/supervisor/services';
import { Supervisor } from '../../services/supervisor/supervisor';
import { heldRows, sharedRows } from '../support/partnerView';
import { ScratchDatabase } from '../support/scratchDatabase';
import { SourceRows } from '../support/sourceRows';
import { waitFor } from '../support/waitFor';

/**
 * `npm start`'s services in this process against scratch databases, under their own topics, groups
 * and slots: both agreement-sync services, the local demo putting the two example agreements in force
 * through the exchange, a producer per ministry and the apply consumers the agreement stores call for.
 * The databases were used before (slots created while no agreement was in force: nothing published).
 * Rows inserted on each side must reach the other side's partner store filtered and projected by the
 * agreement in force, signed with the provider body's key; then everything stops cleanly.
 */
const config = loadConfig();
const contracts = loadContracts();
const log = createLogger('pipeline-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const prefix = `p${randomUUID().slice(0, 8)}`;
const names = pipelineNames(prefix);

interface Side {
  ministry: Ministry;
  db: ScratchDatabase;
  sql: Client;
  rows: SourceRows;
}

async function inForce(url: string, agreementId: string): Promise<AgreementDocument> {
  const store = AgreementStore.open(url);
  try {
    const state = await store.requireState(agreementId);
    const rec = versionRecordInForce(state, Date.now());
    if (!rec) throw new Error(`${agreementId} is not in force in ${store.database}`);
    return rec.document;
  } finally {
    await store.close();
  }
}

describe('npm start pipeline (supervisor services in process)', () => {
  const sides = {} as Record<Ministry, Side>;
  const early = {} as Record<Ministry, string>;
  let keysDir: string;
  let supervisor: Supervisor | undefined;

  const pipelineOptions = (demo: boolean): PipelineOptions => ({
    names,
    urls: { cand: sides.cand.db.url, qdnd: sides.qdnd.db.url },
    keysDir,
    demo: demo && { agreements: true, seedPersons: { cand: 0, qdnd: 0 }, workloadRate: 0 },
    agreementPollMs: 1000,
    heartbeatMs: 500,
    accessAuditIntervalMs: 1000,
  });

  beforeAll(async () => {
    for (const ministry of ['cand', 'qdnd'] as const) {
      const db = await ScratchDatabase.create(ministry === 'cand' ? config.candPgUrl : config.qdndPgUrl, `pipe_${ministry}`);
      const sql = new Client({ connectionString: db.url });
      sides[ministry] = { ministry, db, sql, rows: new SourceRows(sql, ministry) };
    }
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-pipeline-keys-'));
    for (const s of Object.values(sides)) {
      await s.sql.connect();
      await s.sql.query("SET TimeZone = 'UTC'");
    }

    // A stack used before any agreement: the producers create their slots and publish nothing, since
    // no agreement shares anything yet (Art. 3.4); their slots still advance past the rows written.
    supervisor = new Supervisor(await buildServices(config, log, pipelineOptions(false)), log, 0);
    await supervisor.start();
    early.cand = await sides.cand.rows.person({ military: true });
    early.qdnd = await sides.qdnd.rows.person({ military: false });
    for (const s of Object.values(sides)) {
      const written = (await s.sql.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
      await waitFor(
        `the ${s.ministry} slot past the rows written`,
        async () => {
          const r = await s.sql.query<{ past: boolean }>('SELECT confirmed_flush_lsn >= $2::pg_lsn AS past FROM pg_replication_slots WHERE slot_name = $1', [
            names.slot(s.ministry),
            written,
          ]);
          return r.rows[0]?.past || undefined;
        },
        60_000,
      );
    }
    const kafka = new Kafka({ clientId: 'pipeline-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const exchanged = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.cand.`) || t.startsWith(`${prefix}.qdnd.`));
    expect(exchanged).toEqual([]);
    await admin.disconnect();
    await supervisor.stop();

    // npm start with the demo on the same databases.
    supervisor = new Supervisor(await buildServices(config, log, pipelineOptions(true)), log, 0);
    await supervisor.start();
  });

  afterAll(async () => {
    await supervisor?.stop().catch(() => undefined);
    for (const s of Object.values(sides)) {
      await s.sql.end().catch(() => undefined);
      await s.db.drop().catch(() => undefined);
    }
    if (keysDir) fs.rmSync(keysDir, { recursive: true, force: true });
    const kafka = new Kafka({ clientId: 'pipeline-test-cleanup', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('brings both example agreements into force and runs every service they call for', async () => {
    const h = supervisor!.health();
    expect(h.healthy).toBe(true);
    expect(Object.keys(h.detail).sort()).toEqual(
      [
        'agreement-sync-cand',
        'agreement-sync-qdnd',
        'demo-agreements',
        'cdc-producer-cand',
        'cdc-producer-qdnd',
        'apply-consumers-cand',
        'apply-consumers-qdnd',
        'apply-consumer-TTDL-CAND-QDND-2025-01-qdnd',
        'apply-consumer-TTDL-QDND-CAND-2025-01-cand',
        'access-audit-cand',
        'access-audit-qdnd',
        'reconcile-schedule',
      ].sort(),
    );
    for (const s of Object.values(sides)) {
      const states = await s.sql.query<{ agreement_id: string }>('SELECT agreement_id FROM agreement.agreement_state ORDER BY agreement_id');
      expect(states.rows.map((r) => r.agreement_id)).toEqual(['TTDL-CAND-QDND-2025-01', 'TTDL-QDND-CAND-2025-01']);
    }
  });

  it('carries cand rows matching cand → qdnd into qdnd.partner_cand, projected, and qdnd rows into cand.partner_qdnd', async () => {
    const { cand, qdnd } = sides;
    // cand: service members and civilians, judgments before and after the 2015 cut, cases in and out of scope
    const cUnit = await cand.rows.unit();
    const cCourt = await cand.rows.court();
    const soldiers = [await cand.rows.person({ military: true }), await cand.rows.person({ military: true })];
    const civilians = [await cand.rows.person({ military: false }), await cand.rows.person({ military: false })];
    const oldJudgment = await cand.rows.judgment({ courtId: cCourt, date: '2014-03-01' });
    const newJudgment = await cand.rows.judgment({ courtId: cCourt, date: '2019-05-20' });
    const conviction = await cand.rows.conviction({ judgmentId: newJudgment, personId: soldiers[0] });
    const decision = await cand.rows.executionDecision({ courtId: cCourt, convictionId: conviction, unitId: cUnit });
    const sharedCase = await cand.rows.enforcementCase({
      personId: soldiers[0],
      decisionId: decision,
      unitId: cUnit,
      caseType: 'CUSTODIAL',
      status: 'DANG_THI_HANH',
      openedAt: '2021-01-01T00:00:00Z',
      closedAt: null,
    });
    await cand.rows.enforcementCase({
      personId: civilians[0],
      decisionId: decision,
      unitId: cUnit,
      caseType: 'EXPULSION',
      status: 'DANG_THI_HANH',
      openedAt: '2021-01-01T00:00:00Z',
      closedAt: null,
    });
    // qdnd: every person is shared; events only of the listed kinds since 2020
    const qUnit = await qdnd.rows.unit();
    const qCourt = await qdnd.rows.court();
    const qPerson = await qdnd.rows.person({ military: true });
    const qJudgment = await qdnd.rows.judgment({ courtId: qCourt, date: '2020-02-02' });
    const qConviction = await qdnd.rows.conviction({ judgmentId: qJudgment, personId: qPerson });
    const qDecision = await qdnd.rows.executionDecision({ courtId: qCourt, convictionId: qConviction, unitId: qUnit });
    const qCase = await qdnd.rows.enforcementCase({
      personId: qPerson,
      decisionId: qDecision,
      unitId: qUnit,
      caseType: 'CUSTODIAL',
      status: 'DANG_THI_HANH',
      openedAt: '2020-03-01T00:00:00Z',
      closedAt: null,
    });
    const release = await qdnd.rows.enforcementEvent({ caseId: qCase, type: 'RELEASE', at: '2023-04-30T00:00:00Z' });
    await qdnd.rows.enforcementEvent({ caseId: qCase, type: 'ADMISSION', at: '2020-03-02T00:00:00Z' });

    for (const [provider, receiver, agreementId] of [
      [cand, qdnd, 'TTDL-CAND-QDND-2025-01'],
      [qdnd, cand, 'TTDL-QDND-CAND-2025-01'],
    ] as const) {
      const doc = await inForce(receiver.db.url, agreementId);
      const schema = doc.place.partnerStore.schema;
      for (const e of doc.data.entities) {
        const share = compileEntityShare(e, contracts.get(e.entity));
        const want = await sharedRows(provider.sql, share);
        expect(want.length).toBeGreaterThan(0);
        const got = await waitFor(
          `${provider.ministry} ${e.entity} in ${receiver.ministry}.${schema}`,
          async () => {
            const held = await heldRows(receiver.sql, schema, e.entity, share.fields);
            return JSON.stringify(held) === JSON.stringify(want) ? held : undefined;
          },
          90_000,
        );
        expect(got).toEqual(want);
        // only the agreed fields (and the store's own bookkeeping) are held
        const cols = await receiver.sql.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [
          schema,
          e.entity,
        ]);
        expect(cols.rows.map((c) => c.column_name).sort()).toEqual([...new Set([...share.fields, ...METADATA_COLUMNS])].sort());
      }
    }

    const ids = async (sql: Client, table: string): Promise<string[]> => (await sql.query<{ id: string }>(`SELECT id::text FROM ${table} ORDER BY id`)).rows.map((r) => r.id);
    // rows written before the agreements came into force arrived too: the backfill when each took effect
    expect(await ids(qdnd.sql, 'partner_cand.person')).toEqual([...soldiers, early.cand].sort());
    expect(await ids(cand.sql, 'partner_qdnd.person')).toEqual([qPerson, early.qdnd].sort());
    const earlyOps = await qdnd.sql.query<{ op: string }>('SELECT op FROM partner_state.update_log WHERE key_id = $1', [early.cand]);
    expect(earlyOps.rows).toEqual([{ op: 'r' }]);
    expect(await ids(qdnd.sql, 'partner_cand.judgment')).toEqual([newJudgment]);
    expect(await ids(qdnd.sql, 'partner_cand.enforcement_case')).toEqual([sharedCase]);
    expect(await ids(cand.sql, 'partner_qdnd.enforcement_event')).toEqual([release]);
    expect(oldJudgment).not.toBe(newJudgment);

    // signed with the provider body's key listed by the agreement; nothing refused
    for (const [receiver, party] of [
      [qdnd, 'cand.c10'],
      [cand, 'qdnd.cuc-dths'],
    ] as const) {
      const signers = await receiver.sql.query<{ signed_by: string }>('SELECT DISTINCT signed_by FROM partner_state.update_log');
      expect(signers.rows.map((r) => r.signed_by)).toEqual([expect.stringMatching(new RegExp(`^${party.replace('.', '\\.')}-\\d{8}-[0-9a-f]{8}$`))]);
      expect((await receiver.sql.query('SELECT reason FROM partner_state.dead_letter')).rows).toEqual([]);
    }
  });

  it("collects this test's direct reads of each partner store into its access log, and none of the apply consumers' writes", async () => {
    for (const s of [sides.qdnd, sides.cand]) {
      // The test's own client (the service role, no application name) read both partner stores above.
      const rows = await waitFor(
        `direct reads in ${s.ministry}'s access log`,
        async () => {
          const r = await s.sql.query<{ db_user: string; what: string; application_name: string }>(
            `SELECT db_user, what, application_name FROM partner_state.access_log WHERE source = 'pgaudit' AND purpose = 'UNDECLARED_DIRECT_READ'`,
          );
          return r.rows.length > 0 ? r.rows : undefined;
        },
        30_000,
      );
      const partner = s.ministry === 'qdnd' ? 'partner_cand' : 'partner_qdnd';
      expect(rows).toContainEqual({ db_user: 'thahs', what: `${partner}.person SELECT`, application_name: '' });
      expect(rows.filter((r) => r.application_name.startsWith('thahs-apply-consumer-'))).toEqual([]);
    }
  });

  it('a second start finds the agreements in force and takes no lifecycle step', async () => {
    const before = await sides.cand.sql.query<{ n: string }>('SELECT count(*)::text AS n FROM agreement.agreement_event');
    await supervisor!.stop();
    supervisor = new Supervisor(await buildServices(config, log, pipelineOptions(true)), log, 0);
    await supervisor.start();
    expect(supervisor.health().healthy).toBe(true);
    const after = await sides.cand.sql.query<{ n: string }>('SELECT count(*)::text AS n FROM agreement.agreement_event');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    // and the data keeps flowing after the restart
    const late = await sides.cand.rows.person({ military: true });
    await waitFor('a row written after the restart', async () => (await sides.qdnd.sql.query('SELECT 1 FROM partner_cand.person WHERE id = $1', [late])).rowCount === 1, 60_000);
    await supervisor.stop();
    expect(supervisor.health()).toMatchObject({ healthy: false, detail: { 'cdc-producer-cand': 'stopped', 'apply-consumers-qdnd': 'stopped' } });
    // the producers released their slots and every consumer left
    for (const s of Object.values(sides)) {
      const active = await s.sql.query('SELECT slot_name FROM pg_replication_slots WHERE database = current_database() AND active');
      expect(active.rows).toEqual([]);
    }
    supervisor = undefined;
  });
});
