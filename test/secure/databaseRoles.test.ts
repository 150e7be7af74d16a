import { randomUUID } from 'crypto';
import { Client } from 'pg';
import { securePgUrl, type Config } from '../../libs/config';
import { isOwnSession } from '../../libs/access-audit/ownSessions';
import { SERVICE_ROLES } from '../../libs/db-roles';
import { discardDeadLetters } from '../../libs/ops';
import { prepareSecureDatabase, secureMaterial } from '../../libs/stack/secureStack';
import { ScratchDatabase } from '../support/scratchDatabase';
import { upSecureStack } from './secureStackSupport';

/**
 * Least privilege on the real PostgreSQL of the secure stack: a scratch cand database prepared by its
 * owner as `stack up --profile secure` prepares the ministry databases, then each service role tries
 * what it must not do. The apply consumer appends to the logs it does not own and can neither change
 * them nor switch off their triggers; the producer sees nothing of the partner store.
 */
let config: Config;
let db: ScratchDatabase;
const sessions: Client[] = [];

async function as(role: string): Promise<Client> {
  const u = new URL(securePgUrl(config.stackDir, 'cand', role, config.candPgPort, db.name));
  const c = new Client({ connectionString: u.toString(), application_name: `thahs-test-${role}` });
  await c.connect();
  sessions.push(c);
  return c;
}

/** The SQLSTATE and message the statement fails with (it must fail). */
async function refused(c: Client, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await c.query(sql, params);
  } catch (err) {
    return `${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
  throw new Error(`${sql} succeeded`);
}

const LOG_ROW = `INSERT INTO partner_state.update_log (provider, entity, key_id, op, action, event_id, source_lsn, source_index, commit_ts, agreement_id, agreement_version, signed_by)
  VALUES ('qdnd', 'person', $1, 'c', 'upsert', 'e1', '0/1', 0, now(), 'TEST-ROLES', 1, 'qdnd.k1') RETURNING id`;

beforeAll(async () => {
  ({ config } = await upSecureStack());
  db = await ScratchDatabase.create(config.candPgUrl, 'roles');
  await prepareSecureDatabase(config, secureMaterial(config.stackDir), 'cand', db.name, db.url);
}, 600_000);

afterAll(async () => {
  for (const c of sessions) await c.end().catch(() => undefined);
  await db?.drop();
});

describe("the apply consumer's role", () => {
  it('appends to the update and access logs and writes its partner schema', async () => {
    const apply = await as(SERVICE_ROLES.apply);
    await expect(apply.query(LOG_ROW, [randomUUID()])).resolves.toMatchObject({ rowCount: 1 });
    await expect(apply.query(`INSERT INTO partner_state.access_log (who, what, purpose) VALUES ('tester', 'partner_qdnd.person SELECT', 'TEST_PURPOSE')`)).resolves.toMatchObject({
      rowCount: 1,
    });
    await apply.query('CREATE TABLE partner_qdnd.person (id uuid PRIMARY KEY, full_name text)');
    await apply.query('INSERT INTO partner_qdnd.person VALUES ($1, $2)', [randomUUID(), 'x']);
    await apply.query(`INSERT INTO partner_qdnd._tombstone VALUES ('person', $1, '0/1', 0, now(), now())`, [randomUUID()]);
    await apply.query(`INSERT INTO partner_state.dead_letter (receiver, provider, agreement_id, consumer_group, reason, detail, topic, kafka_partition, kafka_offset, headers)
      VALUES ('cand', 'qdnd', 'TEST-ROLES', 'g', 'r', 'd', 't', 0, 1, '{}')`);
  });

  it.each([
    ['update_log', 'entity'],
    ['access_log', 'who'],
    ['deletion_record', 'agreement_id'],
  ])('cannot change, empty, alter or unguard partner_state.%s', async (table, column) => {
    const apply = await as(SERVICE_ROLES.apply);
    const t = `partner_state.${table}`;
    expect(await refused(apply, `UPDATE ${t} SET ${column} = ${column}`)).toMatch(/^42501: permission denied for table/);
    expect(await refused(apply, `DELETE FROM ${t}`)).toMatch(/^42501: permission denied for table/);
    expect(await refused(apply, `TRUNCATE ${t}`)).toMatch(/^42501: permission denied for table/);
    expect(await refused(apply, `ALTER TABLE ${t} ADD COLUMN note text`)).toMatch(/^42501: must be owner of table/);
    expect(await refused(apply, `ALTER TABLE ${t} DISABLE TRIGGER ALL`)).toMatch(/^42501: must be owner of table/);
    expect(await refused(apply, `ALTER TABLE ${t} DISABLE TRIGGER ${table}_append_only`)).toMatch(/^42501: must be owner of table/);
    expect(await refused(apply, `DROP TRIGGER ${table}_no_truncate ON ${t}`)).toMatch(/^42501: must be owner of (table|relation)/);
    expect(await refused(apply, `DROP TABLE ${t}`)).toMatch(/^42501: must be owner of table/);
    expect(await refused(apply, `ALTER TABLE ${t} OWNER TO ${SERVICE_ROLES.apply}`)).toMatch(/^42501: must be owner of table/);
  });

  it("cannot replace the function the append-only triggers call, nor take the owner's role", async () => {
    const apply = await as(SERVICE_ROLES.apply);
    expect(await refused(apply, `CREATE OR REPLACE FUNCTION partner_state.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`)).toMatch(
      /^42501: (must be owner of function|permission denied for schema)/,
    );
    expect(await refused(apply, 'SET ROLE thahs')).toMatch(/^42501: permission denied to set role/);
    expect(await refused(apply, 'SELECT * FROM partner_state.access_audit_position')).toMatch(/^42501: permission denied/);
  });

  it("sees nothing of its ministry's own data", async () => {
    const apply = await as(SERVICE_ROLES.apply);
    expect(await refused(apply, 'SELECT count(*) FROM thahs.person')).toMatch(/^42501: permission denied for schema thahs/);
    expect(await refused(apply, 'CREATE TABLE thahs_cdc.x (id int)')).toMatch(/^42501: permission denied for schema thahs_cdc/);
  });
});

describe("the producer's role", () => {
  it("reads its ministry's tables and its state, and nothing of the partner store", async () => {
    const producer = await as(SERVICE_ROLES.producer);
    await expect(producer.query('SELECT count(*) FROM thahs.person')).resolves.toBeDefined();
    await expect(producer.query('SELECT count(*) FROM thahs_cdc.republish_request')).resolves.toBeDefined();
    await producer.query('CREATE TABLE IF NOT EXISTS thahs_cdc.test_state (k text PRIMARY KEY)');
    expect(await refused(producer, 'SELECT * FROM partner_qdnd._tombstone')).toMatch(/^42501: permission denied for schema partner_qdnd/);
    expect(await refused(producer, 'SELECT * FROM partner_qdnd.person')).toMatch(/^42501: permission denied for schema partner_qdnd/);
    expect(await refused(producer, 'SELECT * FROM partner_state.update_log')).toMatch(/^42501: permission denied for schema partner_state/);
    expect(await refused(producer, `INSERT INTO thahs.org_unit (id) VALUES ($1)`, [randomUUID()])).toMatch(/^42501: permission denied for table org_unit/);
    const attrs = await producer.query<{ rolreplication: boolean; rolsuper: boolean }>('SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = current_user');
    expect(attrs.rows[0]).toEqual({ rolreplication: true, rolsuper: false });
  });
});

describe('operators and auditors', () => {
  it('operators read partner data (their tools log each read) but cannot change the logs', async () => {
    const operator = await as(SERVICE_ROLES.operator);
    await expect(operator.query('SELECT count(*) FROM partner_qdnd.person')).resolves.toBeDefined();
    await expect(operator.query(`INSERT INTO partner_state.access_log (who, what, purpose) VALUES ('op', 'partner_qdnd.person SELECT', 'TEST_PURPOSE')`)).resolves.toBeDefined();
    expect(await refused(operator, 'DELETE FROM partner_state.access_log')).toMatch(/^42501: permission denied for table access_log/);
    expect(await refused(operator, 'INSERT INTO partner_qdnd.person (id) VALUES ($1)', [randomUUID()])).toMatch(/^42501: permission denied for table person/);
  });

  it('operators discard a dead letter with their own role (thahs dlq discard): recorded in the operator log, the row removed', async () => {
    // The consumer's role records dead letters; the operator's tool must then work without the owner's rights.
    const apply = await as(SERVICE_ROLES.apply);
    const r = await apply.query<{ id: string }>(
      `INSERT INTO partner_state.dead_letter (receiver, provider, agreement_id, consumer_group, reason, detail, topic, kafka_partition, kafka_offset, entity, headers)
       VALUES ('cand', 'qdnd', 'TEST-ROLES', 'thahs-apply-TEST-ROLES-cand', 'undecodable', 'test', 'thahs.qdnd.TEST-ROLES.person', 0, 7, 'person', '{}') RETURNING id::text AS id`,
    );
    const id = r.rows[0].id;
    const operator = await as(SERVICE_ROLES.operator);
    const done = await discardDeadLetters(operator, { ids: [id] }, 'ops-test', 'role test');
    expect(done.map((d) => d.deadLetter.id)).toEqual([id]);
    const left = await operator.query('SELECT 1 FROM partner_state.dead_letter WHERE id = $1', [id]);
    expect(left.rows).toHaveLength(0);
    const recorded = await operator.query<{ who: string; db_user: string }>(
      `SELECT who, db_user FROM partner_state.operator_action WHERE action = 'dlq.discard' AND subject->>'deadLetterId' = $1`,
      [id],
    );
    expect(recorded.rows).toEqual([{ who: 'ops-test', db_user: SERVICE_ROLES.operator }]);
    // Still append-only for it.
    expect(await refused(operator, 'DELETE FROM partner_state.operator_action')).toMatch(/^42501: permission denied for table operator_action/);
  });

  it("auditors read the logs and the dead letters' metadata, not partner data nor raw bytes", async () => {
    const audit = await as(SERVICE_ROLES.audit);
    const n = await audit.query<{ n: string }>('SELECT count(*)::text AS n FROM partner_state.update_log');
    expect(Number(n.rows[0].n)).toBeGreaterThan(0);
    await expect(audit.query('SELECT reason, topic, kafka_offset FROM partner_state.dead_letter')).resolves.toBeDefined();
    expect(await refused(audit, 'SELECT raw_value FROM partner_state.dead_letter')).toMatch(/^42501: permission denied for table dead_letter/);
    expect(await refused(audit, 'SELECT * FROM partner_qdnd.person')).toMatch(/^42501: permission denied for schema partner_qdnd/);
  });
});

describe('the audit exemption', () => {
  it("is the apply consumer's role in the secure profile, not a name any login can take", () => {
    const own = config.accessAuditOwnSessions;
    expect(isOwnSession(own, SERVICE_ROLES.apply, 'thahs-apply-consumer-TTDL-1-cand')).toBe(true);
    for (const role of ['thahs', SERVICE_ROLES.operator, SERVICE_ROLES.producer, SERVICE_ROLES.audit])
      expect(isOwnSession(own, role, 'thahs-apply-consumer-TTDL-1-cand')).toBe(false);
  });
});
