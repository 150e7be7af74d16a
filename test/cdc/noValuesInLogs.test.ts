import * as fs from 'fs';
import * as path from 'path';
import winston from 'winston';
import { compileFilterPredicate, parseAgreementText } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { repoRoot } from '../../libs/config/repoRoot';
import { createAvroType } from '../../libs/contracts/avroType';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { seedDatabase } from '../../libs/datagen';
import { createLogger, tapLogLines } from '../../libs/logger';
import { PersonPipeline } from '../support/personPipeline';
import { waitFor } from '../support/waitFor';

/**
 * Issue 14 item 11: no log line and no error message carries a row value or a secret. Generated persons
 * (libs/datagen) run through the whole pipeline on the real stack with every log line of the process
 * captured at debug level, and the errors that quote values are provoked: contract drift on a row whose
 * code is an ID number, a decimal too wide for its contract, filter literals that are ID numbers, a
 * record that is not canonical, a configuration URL with a password, an error whose cause names such a
 * URL. Then no line and no message may contain any generated name, ID number or amount, or the password.
 */
const contracts = loadContracts();
const lines: string[] = [];
const untap = tapLogLines((l) => lines.push(l));
const PASSWORD = `Pw-${Math.random().toString(36).slice(2, 12)}`;

// Debug level, nothing on the console: every line goes to the tap only.
const log = createLogger('no-values-test', 'debug');
for (const t of log.transports.filter((x) => x instanceof winston.transports.Console)) log.remove(t);

describe('no personal value or secret in logs and error messages (issue 14 item 11)', () => {
  let p: PersonPipeline;
  const messages: string[] = [];
  const capture = (f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      messages.push((e as Error).message);
      log.error('provoked failure', { err: e });
    }
  };

  beforeAll(async () => {
    p = await PersonPipeline.create('novalues', 'TTDL-NOVALUES', ['id', 'ministry', 'full_name', 'national_id', 'date_of_birth', 'sex', 'occupation', 'updated_at'], log);
    await seedDatabase({ url: p.fx.db.url, ministry: 'cand', persons: 40, seed: 14 });
    await p.start();
    await waitFor('the partner store to hold the generated persons', async () => (await p.converged()) || undefined, 180_000, 500);
  });

  afterAll(async () => {
    untap();
    await p?.close();
  });

  it('finds none of the generated names, ID numbers, amounts or the password in any line or message', async () => {
    const sql = p.fx.sql;
    const persons = (await sql.query<{ full_name: string; national_id: string | null }>('SELECT full_name, national_id FROM thahs.person')).rows;
    const ids = persons.map((x) => x.national_id).filter((x): x is string => x !== null);
    expect(ids.length).toBeGreaterThan(10);

    // Contract drift on a row value: a code that is an ID number (the check constraints dropped first).
    const checks = await sql.query<{ conname: string }>(
      "SELECT conname FROM pg_constraint WHERE conrelid = 'thahs.person'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%sex%'",
    );
    for (const c of checks.rows) await sql.query(`ALTER TABLE thahs.person DROP CONSTRAINT "${c.conname}"`);
    await sql.query('UPDATE thahs.person SET sex = national_id WHERE id = (SELECT id FROM thahs.person WHERE national_id IS NOT NULL ORDER BY id LIMIT 1)');
    const reason = await waitFor(
      'the drifting table to stop',
      async () => (await sql.query<{ reason: string }>("SELECT reason FROM thahs_cdc.table_status WHERE entity = 'person' AND state = 'stopped'")).rows[0]?.reason,
      60_000,
      300,
    );
    messages.push(reason);
    expect(reason).toMatch(/not in the contract enum/);

    // A decimal amount wider than its contract, as the producer's encoder meets it.
    const amounts = (
      await sql.query<{ v: string }>(
        'SELECT court_fee_vnd::text AS v FROM thahs.judgment UNION SELECT civil_obligation_vnd::text FROM thahs.judgment WHERE civil_obligation_vnd IS NOT NULL',
      )
    ).rows.map((r) => r.v);
    expect(amounts.length).toBeGreaterThan(3);
    const feeField = contracts.get('judgment').fields.find((f) => f.name === 'court_fee_vnd')!;
    const decimal = createAvroType({ type: 'bytes', logicalType: 'decimal', precision: feeField.precision, scale: feeField.scale ?? 0 });
    capture(() => decimal.toBuffer(`${amounts[0]}00000000000000000000`));
    capture(() => decimal.toBuffer(`${amounts[1]}x`));

    // Filter literals that are personal values, in an agreement document and against a record.
    const file = path.join(repoRoot(), 'deploy', 'agreements', 'cand-to-qdnd.yaml');
    const doc = JSON.parse(JSON.stringify(parseAgreementText(fs.readFileSync(file, 'utf8'), file, { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) }))) as {
      data: { entities: { entity: string; filter?: unknown }[] };
    };
    const share = doc.data.entities.find((e) => e.entity === 'person')!;
    share.filter = {
      and: [
        { field: 'is_military', op: 'eq', value: ids[1] },
        { field: 'sex', op: 'in', values: [ids[2]] },
        { field: 'date_of_birth', op: 'lt', value: persons[3].full_name },
      ],
    };
    capture(() => parseAgreementText(JSON.stringify(doc), 'leaky.json', { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) }));
    const predicate = compileFilterPredicate({ field: 'date_of_birth', op: 'lt', value: '2000-01-01' }, contracts.get('person'));
    capture(() => predicate({ date_of_birth: persons[4].full_name }));

    // A configuration URL with a password, and an error whose cause quotes one.
    capture(() => loadConfig({ ...process.env, THAHS_CAND_PG_URL: `mysql://thahs:${PASSWORD}@127.0.0.1:15432/thahs` }));
    capture(() => loadConfig({ ...process.env, THAHS_REGISTRY_PASSWORD: PASSWORD, THAHS_REGISTRY_URL: `ftp://registry:${PASSWORD}@h/` }));
    log.error('could not reach the registry', {
      err: new Error('request failed', { cause: new Error(`GET https://registry:${PASSWORD}@127.0.0.1:28081/x refused`) }),
      attempt: { url: `postgres://apply:${PASSWORD}@db/thahs` },
    });
    log.debug('a row seen', { row: { full_name: persons[5].full_name, nested: { national_id: ids[5] } } });

    expect(messages.length).toBeGreaterThanOrEqual(7);
    const corpus = [...lines, ...messages];
    expect(lines.length).toBeGreaterThan(10);
    const leaks: string[] = [];
    const digits = (v: string): RegExp => new RegExp(`(?<![0-9])${v}(?![0-9])`);
    for (const text of corpus) {
      if (text.includes(PASSWORD)) leaks.push(`password in: ${text.slice(0, 200)}`);
      for (const x of persons) if (text.includes(x.full_name)) leaks.push(`name in: ${text.slice(0, 200)}`);
      for (const id of ids) if (digits(id).test(text)) leaks.push(`ID number in: ${text.slice(0, 200)}`);
      // Amounts of six digits or more: shorter ones are everywhere (counts, ports, offsets) and say nothing.
      for (const a of amounts) if (a.length >= 6 && digits(a).test(text)) leaks.push(`amount ${a} in: ${text.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });
});
