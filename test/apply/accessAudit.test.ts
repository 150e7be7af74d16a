import { randomUUID } from 'crypto';
import { Client, Pool } from 'pg';
import { AccessAuditCollector, checkAuditReadiness, type CollectionSummary } from '../../libs/access-audit';
import { loadConfig } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { PartnerStore, recordAccess, type StoreChange } from '../../libs/partner-store';
import { ScratchDatabase } from '../support/scratchDatabase';
import { waitFor } from '../support/waitFor';

/**
 * Art. 5.4 on the real qdnd server: a read of partner data by any database client reaches the access
 * log. The stack preloads pgaudit, so a server without it fails this test instead of skipping it. A
 * scratch database holds a partner store made by the partner-store code (which grants its table to the
 * audit role); another login reads it with a plain pg client, the collector turns pgaudit's entry into
 * an access-log row, and the service's own writes are left out.
 */
const config = loadConfig();
const contracts = loadContracts();
const reader = `thahs_audit_reader_${randomUUID().slice(0, 8)}`;
const SERVICE_APP = 'thahs-apply-consumer-AUDIT-TEST-qdnd';

function as(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  return u.toString();
}

const personChange = (id: string): StoreChange => ({
  entity: 'person',
  id,
  position: { lsn: 0x1_0000_0010n, index: 0 },
  op: 'c',
  eventId: 'cand:1/10:0',
  commitTsUs: 1_764_201_600_000_000,
  agreementId: 'AUDIT-TEST',
  agreementVersion: 1,
  signedBy: 'cand-test-key',
  row: { id, full_name: 'Nguyễn Văn Thử' },
});

describe('access audit: reads of partner data by any database client (pgaudit)', () => {
  let db: ScratchDatabase;
  let service: Pool;
  let superuser: Client;
  let collector: AccessAuditCollector;
  const seen: CollectionSummary = { files: 0, bytes: 0, auditEntries: 0, collected: 0, ownSessions: 0 };

  const collect = async (): Promise<CollectionSummary> => {
    const s = await collector.collect();
    seen.auditEntries += s.auditEntries;
    seen.collected += s.collected;
    seen.ownSessions += s.ownSessions;
    return s;
  };
  const audited = async (): Promise<Record<string, unknown>[]> =>
    (
      await service.query(
        `SELECT who, what, purpose, db_user, host(client_addr) AS client_addr, application_name, source, audit_ref
           FROM partner_state.access_log WHERE source = 'pgaudit' ORDER BY id`,
      )
    ).rows;

  beforeAll(async () => {
    db = await ScratchDatabase.create(config.qdndPgUrl, 'audit');
    // The service, as the apply consumer connects: its role and an application name of its own.
    service = new Pool({ connectionString: db.url, max: 2, application_name: SERVICE_APP });
    superuser = new Client({ connectionString: as(db.url, 'postgres') });
    await superuser.connect();
    const readiness = await checkAuditReadiness(service);
    if (readiness.problems.length > 0) throw new Error(`reads are not audited on the qdnd server (run ./bin/thahs stack up): ${readiness.problems.join('; ')}`);
    collector = new AccessAuditCollector(service, { ownSessions: config.accessAuditOwnSessions });
  });

  afterAll(async () => {
    await service?.end().catch(() => undefined);
    await superuser?.end().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    // Roles belong to the cluster, not to the dropped database.
    const cluster = new Client({ connectionString: as(config.qdndPgUrl, 'postgres').replace(/\/[^/]*$/, '/postgres') });
    await cluster.connect();
    try {
      await cluster.query(`DROP ROLE IF EXISTS "${reader}"`);
    } finally {
      await cluster.end();
    }
  });

  it("records a direct read by another login with who, what, purpose and client address — once, and not the service's own writes", async () => {
    // A partner store as the apply consumer makes and writes it: the guarded upsert reads the rows it
    // replaces, so pgaudit logs it too.
    const store = new PartnerStore({
      schema: 'partner_cand',
      identity: { receiver: 'qdnd', provider: 'cand', agreementId: 'AUDIT-TEST', consumerGroup: 'audit-test' },
      contract: (e) => contracts.get(e),
    });
    const c = await service.connect();
    try {
      await store.init(c);
      await store.prepare(c, 'person', ['full_name']);
      const r = await store.apply(c, { changes: [personChange(randomUUID())], deadLetters: [] });
      expect(r.applied).toHaveLength(1);
    } finally {
      c.release();
    }
    expect((await checkAuditReadiness(service)).unauditedTables).toEqual([]);

    // Someone else reads the partner table with a plain client, even naming it like the service.
    await superuser.query(`CREATE ROLE "${reader}" LOGIN`);
    await superuser.query(`GRANT USAGE ON SCHEMA partner_cand TO "${reader}"; GRANT SELECT ON partner_cand.person TO "${reader}"`);
    const other = new Client({ connectionString: as(db.url, reader), application_name: 'thahs-apply-consumer-disguised' });
    await other.connect();
    try {
      expect((await other.query('SELECT full_name FROM partner_cand.person')).rows).toHaveLength(1);
    } finally {
      await other.end();
    }

    // The logging collector writes the file a moment later.
    const rows = await waitFor(
      'the direct read in the access log',
      async () => {
        await collect();
        const r = await audited();
        return r.length > 0 ? r : undefined;
      },
      30_000,
      500,
    );
    expect(rows).toEqual([
      {
        who: reader,
        db_user: reader,
        what: 'partner_cand.person SELECT',
        purpose: 'UNDECLARED_DIRECT_READ',
        client_addr: '127.0.0.1',
        application_name: 'thahs-apply-consumer-disguised',
        source: 'pgaudit',
        audit_ref: expect.stringMatching(/^[0-9a-f]+\.[0-9a-f]+:\d+$/),
      },
    ]);
    // The service's upsert was in the log and was left out: no row names the service's role.
    expect(seen.ownSessions).toBeGreaterThan(0);
    expect((await service.query(`SELECT count(*)::int AS n FROM partner_state.access_log WHERE db_user = current_user`)).rows[0].n).toBe(0);

    // Collected again, even from the start of every file: nothing is added twice.
    expect((await collect()).collected).toBe(0);
    await service.query('DELETE FROM partner_state.access_audit_position');
    const again = await collect();
    expect(again.auditEntries).toBeGreaterThan(0);
    expect(again.collected).toBe(0);
    expect(await audited()).toHaveLength(1);
  });

  it("records the service role's own reads too when they come from a session that is not the service's", async () => {
    const psql = new Client({ connectionString: db.url, application_name: 'psql' });
    await psql.connect();
    try {
      await psql.query('SELECT count(*) FROM partner_cand.person');
    } finally {
      await psql.end();
    }
    const rows = await waitFor(
      'the read under the service role',
      async () => {
        await collect();
        const r = (await audited()).filter((x) => x.application_name === 'psql');
        return r.length > 0 ? r : undefined;
      },
      30_000,
      500,
    );
    expect(rows).toEqual([expect.objectContaining({ db_user: 'thahs', what: 'partner_cand.person SELECT', purpose: 'UNDECLARED_DIRECT_READ' })]);
  });

  it('keeps the access log append-only, with the collected rows beside those the tools record', async () => {
    await recordAccess(service, 'qdnd.cuc-dths/analyst-7', 'partner_cand.person', 'ENFORCEMENT_SUPERVISION');
    const sources = await service.query(`SELECT source, count(*)::int AS n FROM partner_state.access_log GROUP BY 1 ORDER BY 1`);
    expect(sources.rows).toEqual([
      { source: 'pgaudit', n: 2 },
      { source: 'tool', n: 1 },
    ]);
    for (const sql of [
      `UPDATE partner_state.access_log SET who = 'someone else' WHERE source = 'pgaudit'`,
      `DELETE FROM partner_state.access_log WHERE source = 'pgaudit'`,
      'TRUNCATE partner_state.access_log',
    ]) {
      await expect(service.query(sql)).rejects.toThrow(/append-only/);
    }
    expect(await audited()).toHaveLength(2);
  });
});
