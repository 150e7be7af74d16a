import { generateKeyPairSync, randomUUID } from 'crypto';
import * as path from 'path';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  compileEntityShare,
  compileFilterPredicate,
  compileFilterSql,
  loadAgreementFile,
  OPS_BY_KIND,
  parseAgreementDocument,
  type AgreementDocument,
  type CanonicalRecord,
  type FilterLiteral,
  type RowFilter,
} from '../../libs/agreements';
import { compareCodePoints } from '../../libs/agreements/codePointOrder';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { loadContracts } from '../../libs/contracts/contractLoader';
import type { ContractField } from '../../libs/contracts/contractTypes';
import { createLogger } from '../../libs/logger';
import { METADATA_COLUMNS } from '../../libs/partner-store';
import { PublicKeyRing, SigningKey } from '../../libs/signing';
import { confirmedAgreement } from '../../services/apply-consumer/__fixtures__/confirmedAgreement';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { ConsumerFixture } from '../support/consumerFixture';
import { heldRows, sharedRows } from '../support/partnerView';
import { testProducer } from '../support/producerFixture';
import { sleep, waitFor } from '../support/waitFor';

/**
 * Property: whatever the agreement (a random projection of person, always with id, and a random row
 * filter over the projected fields) and whatever the source does (random inserts, updates and deletes,
 * several per transaction), the partner store at every moment it is looked at has no column outside
 * the projection and no row outside the filter, every row it holds is a state the source really had,
 * and once the consumer has caught up it equals the projection and filter of the source.
 *
 * One source database and producer serve every run; each run has its own agreement, partner schema
 * (partner_cand_p<n>) and consumer group, so its consumer also replays the earlier runs' changes.
 */
const RUNS = Number(process.env.THAHS_PROPERTY_RUNS ?? 6);
const config = loadConfig();
const contracts = loadContracts();
const PERSON = contracts.get('person');
const prefix = `p${randomUUID().slice(0, 8)}`;
const log = createLogger('apply-property-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');

type SqlValue = string | number | boolean | null;

/** Writable columns of thahs.person with the values the change stream writes and the literals filters compare with. */
interface FieldPool {
  cast: string;
  values: readonly SqlValue[];
  literals: readonly FilterLiteral[];
}
const NAMES = ['Nguyễn Văn An', 'Nguyễn Thị Bình', 'Trần Văn Cường', 'Lê Dũng', 'Đặng Thị E', 'An', 'Z'];
const DATES = ['1960-02-29', '1975-04-30', '1990-05-01', '1999-12-31', '2000-01-01', '2004-06-15'];
const STAMPS = ['2020-01-01T00:00:00Z', '2024-06-30T17:00:00Z', '2025-07-01T00:00:00+07:00', '2026-01-01T12:34:56.123456Z'];
const WRITABLE: Readonly<Record<string, FieldPool>> = {
  ministry: { cast: 'text', values: ['CAND', 'QDND'], literals: ['CAND', 'QDND', 'UNKNOWN'] },
  full_name: { cast: 'text', values: NAMES, literals: [...NAMES, 'M', 'Nguyễn'] },
  date_of_birth: { cast: 'date', values: DATES, literals: [...DATES, '1980-01-01'] },
  dob_precision: { cast: 'text', values: ['DAY', 'YEAR', 'UNKNOWN'], literals: ['DAY', 'YEAR', 'UNKNOWN'] },
  sex: { cast: 'text', values: ['M', 'F', 'X', 'UNKNOWN'], literals: ['M', 'F', 'X', 'UNKNOWN'] },
  is_military: { cast: 'boolean', values: [true, false], literals: [true, false] },
  military_rank: { cast: 'text', values: [null, 'Binh nhì', 'Thượng úy', 'Đại úy', 'Thiếu tá'], literals: ['Binh nhì', 'Thượng úy', 'Đại úy', 'Thiếu tá', 'Trung tá'] },
  occupation: { cast: 'text', values: [null, '', 'Lái xe', 'Nông dân', 'Công nhân'], literals: ['', 'Lái xe', 'Nông dân', 'Công nhân'] },
  prior_convictions: { cast: 'integer', values: [null, 0, 1, 2, 5], literals: [0, 1, 2, 3, 5] },
  nationality: { cast: 'text', values: ['VN', 'LA', 'KH'], literals: ['VN', 'LA', 'KH', 'CN'] },
  residence_province_code: { cast: 'text', values: [null, '001', '079', '048'], literals: ['001', '079', '048', '092'] },
  created_at: { cast: 'timestamptz', values: STAMPS, literals: STAMPS },
  biometric_refs: { cast: 'jsonb', values: [null, '{"anh": "a1"}', '{"van_tay": "v2"}'], literals: [] },
};
/** Kept by the touch trigger, so it moves rows out of `le`/`lt` filters as they are updated. */
const DERIVED: Readonly<Record<string, readonly FilterLiteral[]>> = { row_version: [1, 2, 3, 4] };
const PREFIXES = ['Nguyễn', 'Tr', 'L', 'Đ', 'Thượng', 'Lái', 'V', '0'];
const WRITABLE_NAMES = Object.keys(WRITABLE);
const fieldOf = (name: string): ContractField => PERSON.fields.find((f) => f.name === name)!;

function literalOrder(kind: string): (a: FilterLiteral, b: FilterLiteral) => number {
  if (kind === 'timestamp') return (a, b) => Date.parse(a as string) - Date.parse(b as string) || compareCodePoints(a as string, b as string);
  if (kind === 'int') return (a, b) => (a as number) - (b as number);
  return (a, b) => compareCodePoints(String(a), String(b));
}

function leafArb(name: string): fc.Arbitrary<RowFilter> {
  const f = fieldOf(name);
  const literals = WRITABLE[name]?.literals ?? DERIVED[name];
  const ops = OPS_BY_KIND[f.kind].filter((op) => (op === 'is_null' || op === 'is_not_null' ? f.nullable : literals.length > 0));
  return fc.constantFrom(...ops).chain((op): fc.Arbitrary<RowFilter> => {
    switch (op) {
      case 'is_null':
      case 'is_not_null':
        return fc.constant({ field: name, op });
      case 'in':
      case 'not_in':
        return fc.subarray([...literals], { minLength: 1 }).map((values) => ({ field: name, op, values }));
      case 'between':
        return fc
          .tuple(fc.constantFrom(...literals), fc.constantFrom(...literals))
          .map(([a, b]) => [a, b].sort(literalOrder(f.kind)))
          .map(([low, high]) => ({ field: name, op, low, high }));
      case 'prefix':
        return fc.constantFrom(...PREFIXES).map((value) => ({ field: name, op, value }));
      default:
        return fc.constantFrom(...literals).map((value) => ({ field: name, op, value }));
    }
  });
}

function filterArb(fields: readonly string[], depth: number): fc.Arbitrary<RowFilter> {
  const leaf = fc.constantFrom(...fields).chain(leafArb);
  if (depth === 0) return leaf;
  const sub = filterArb(fields, depth - 1);
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(sub, { minLength: 1, maxLength: 3 }).map((items): RowFilter => ({ and: items })) },
    { weight: 2, arbitrary: fc.array(sub, { minLength: 1, maxLength: 3 }).map((items): RowFilter => ({ or: items })) },
    { weight: 1, arbitrary: sub.map((item): RowFilter => ({ not: item })) },
  );
}

interface Share {
  fields: string[];
  filter: RowFilter | undefined;
}
const FILTERABLE = new Set([...WRITABLE_NAMES, ...Object.keys(DERIVED)]);
const shareArb: fc.Arbitrary<Share> = fc
  .subarray(
    // Tier-3 fields are shared only sealed (test/apply/protectedFields.test.ts); a version sharing them in the clear does not validate.
    PERSON.fields.filter((f) => f.name !== 'id' && f.sensitivity !== 3).map((f) => f.name),
    { minLength: 1, maxLength: 12 },
  )
  .chain((picked) => {
    const fields = PERSON.fields.map((f) => f.name).filter((n) => n === 'id' || picked.includes(n));
    const filterable = fields.filter((n) => FILTERABLE.has(n));
    const filter = filterable.length === 0 ? fc.constant(undefined) : fc.option(filterArb(filterable, 2), { freq: 8, nil: undefined });
    return filter.map((f) => ({ fields, filter: f }));
  });

type Op = { kind: 'insert'; values: Record<string, SqlValue> } | { kind: 'update'; target: number; values: Record<string, SqlValue> } | { kind: 'delete'; target: number };
const rowArb = fc.record(Object.fromEntries(WRITABLE_NAMES.map((n) => [n, fc.constantFrom(...WRITABLE[n].values)])) as Record<string, fc.Arbitrary<SqlValue>>);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: rowArb.map((values): Op => ({ kind: 'insert', values })) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.nat(), rowArb, fc.subarray(WRITABLE_NAMES, { minLength: 1, maxLength: 3 }))
      .map(([target, row, keys]): Op => ({ kind: 'update', target, values: Object.fromEntries(keys.map((k) => [k, row[k]])) })),
  },
  { weight: 2, arbitrary: fc.nat().map((target): Op => ({ kind: 'delete', target })) },
);
const streamArb = fc.array(fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 3 }), pauseMs: fc.integer({ min: 0, max: 40 }) }), { minLength: 15, maxLength: 40 });

/** SQL giving a column of thahs.person (alias p) in the canonical representation the predicate reads (docs/agreements.md). */
function canonicalSql(f: ContractField): string {
  const c = `p."${f.name}"`;
  switch (f.kind) {
    case 'date':
      return `(${c} - DATE '1970-01-01')`;
    case 'timestamp':
      return `(extract(epoch FROM ${c}) * 1000000)::bigint::text`;
    case 'boolean':
    case 'int':
      return c;
    default:
      return `${c}::text`;
  }
}

describe('apply consumer: projection and filter hold at every observed moment (property)', () => {
  let base: AgreementDocument;
  let fx: ConsumerFixture;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const producerKey: SigningKey = { keyId: 'cand-c10-2025', privateKey, publicKey };
  const ring = new PublicKeyRing();
  ring.add(producerKey.keyId, publicKey);
  /** The agreement the producer follows: the current run's (the earlier runs' agreements are dropped). */
  const followed = new Map<string, AgreementPolicy>();
  /** Every state each person row has had, as row_to_json text of the whole row, recorded before its commit. */
  const history = new Map<string, Set<string>>();
  const live: string[] = [];

  beforeAll(async () => {
    base = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
    fx = await ConsumerFixture.create({ source: 'propsrc', receiver: 'propdst', utc: true });
    fx.onClose(() => producer?.stop());
    ({ src, dst } = fx);
    producer = testProducer(
      { pgUrl: fx.source.url, signingKeys: [producerKey], agreements: async () => [...followed.values()].map((p) => p.current), prefix, log, contracts },
      { partitions: 2, heartbeatMs: 500 },
    );
    await producer.start();
  });

  afterAll(async () => {
    await fx?.close();
  });

  function record(rows: { j: string }[]): void {
    for (const { j } of rows) {
      const id = (JSON.parse(j) as { id: string }).id;
      const states = history.get(id) ?? new Set<string>();
      states.add(j);
      history.set(id, states);
    }
  }

  /** One generated transaction on the source; its states are recorded before COMMIT, so never after a consumer could see them. */
  async function runTransaction(ops: readonly Op[]): Promise<void> {
    await src.query('BEGIN');
    try {
      for (const op of ops) {
        if (op.kind === 'insert' || live.length === 0) {
          const values = op.kind === 'insert' ? op.values : rowArbDefault();
          const cols = Object.keys(values);
          const r = await src.query<{ j: string }>(
            `INSERT INTO thahs.person AS p (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((c, i) => `$${i + 1}::${WRITABLE[c].cast}`).join(', ')}) RETURNING row_to_json(p)::text AS j`,
            cols.map((c) => values[c]),
          );
          record(r.rows);
          live.push((JSON.parse(r.rows[0].j) as { id: string }).id);
        } else if (op.kind === 'update') {
          const cols = Object.keys(op.values);
          const r = await src.query<{ j: string }>(
            `UPDATE thahs.person AS p SET ${cols.map((c, i) => `"${c}" = $${i + 2}::${WRITABLE[c].cast}`).join(', ')} WHERE id = $1 RETURNING row_to_json(p)::text AS j`,
            [live[op.target % live.length], ...cols.map((c) => op.values[c])],
          );
          record(r.rows);
        } else {
          const [id] = live.splice(op.target % live.length, 1);
          await src.query(`DELETE FROM thahs.person WHERE id = $1`, [id]);
        }
      }
      await src.query('COMMIT');
    } catch (err) {
      await src.query('ROLLBACK');
      throw err;
    }
  }

  function rowArbDefault(): Record<string, SqlValue> {
    return { full_name: 'Mặc định', date_of_birth: '1990-01-01', sex: 'M', ministry: 'CAND' };
  }

  /** The invariants at one moment; returns the problems seen (empty when they hold). */
  async function observe(schema: string, share: Share): Promise<string[]> {
    const problems: string[] = [];
    const allowed = new Set<string>([...share.fields, ...METADATA_COLUMNS]);
    const cols = await dst.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'person'`, [schema]);
    for (const c of cols.rows) if (!allowed.has(c.column_name)) problems.push(`column ${c.column_name} outside the projection`);
    if (cols.rows.length === 0) return problems;
    // a batch of removals alone creates the table with no agreed column; rows only ever come with all of them
    const present = new Set(cols.rows.map((c) => c.column_name));
    if (share.fields.some((f) => !present.has(f))) {
      const n = await dst.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schema}".person`);
      if (n.rows[0].n !== '0') problems.push(`${n.rows[0].n} rows in a table without every agreed column`);
      return problems;
    }
    if (share.filter) {
      const where = compileFilterSql(share.filter, PERSON, 1, { tableAlias: 't' });
      const r = await dst.query<{ id: string }>(`SELECT t.id::text FROM "${schema}".person t WHERE NOT (${where.sql})`, where.params as unknown[]);
      for (const x of r.rows) problems.push(`row ${x.id} outside the filter`);
    }
    for (const j of await heldRows(dst, schema, 'person', share.fields)) {
      const held = JSON.parse(j) as Record<string, unknown>;
      const states = [...(history.get(held.id as string) ?? [])].map((s) => JSON.parse(s) as Record<string, unknown>);
      const matches = states.some((s) => share.fields.every((f) => JSON.stringify(s[f]) === JSON.stringify(held[f])));
      if (!matches) problems.push(`row ${String(held.id)} is no state the source had: ${j}`);
    }
    return problems;
  }

  /** The source as the agreement shares it, filtered by the JavaScript predicate over canonical records. */
  async function expected(share: Share): Promise<string[]> {
    const predicate = compileFilterPredicate(share.filter, PERSON);
    const filterFields = PERSON.fields.filter((f) => FILTERABLE.has(f.name));
    const r = await src.query<{ j: string; c: Record<string, string | number | boolean | null> }>(
      `SELECT row_to_json(t)::text AS j, json_build_object(${filterFields.map((f) => `'${f.name}', ${canonicalSql(f)}`).join(', ')}) AS c
         FROM (SELECT ${share.fields.map((f) => `"${f}"`).join(', ')} FROM thahs.person) t JOIN thahs.person p USING (id) ORDER BY t.id`,
    );
    return r.rows
      .filter((x) => {
        const canonical: Record<string, string | number | boolean | null> = { ...x.c };
        for (const f of filterFields) if (f.kind === 'timestamp' && canonical[f.name] !== null) canonical[f.name] = Number(canonical[f.name]);
        return predicate(canonical as CanonicalRecord);
      })
      .map((x) => x.j);
  }

  async function topicExists(topic: string): Promise<boolean> {
    const admin = new Kafka({ clientId: 'apply-property-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(topic);
    } finally {
      await admin.disconnect();
    }
  }

  it('never shows a column outside the projection or a row outside the filter', async () => {
    let run = 0;
    let totalPolls = 0;
    let sharedTotal = 0;
    let withheldTotal = 0;
    await fc.assert(
      fc.asyncProperty(shareArb, streamArb, fc.constantFrom(3, 10, 50), async (share, stream, batchSize) => {
        run++;
        const schema = `partner_cand_p${run}`;
        const parsed = parseAgreementDocument(
          JSON.parse(
            JSON.stringify({
              ...base,
              id: `TTDL-PROP-${prefix}-${run}`,
              data: { entities: [{ entity: 'person', fields: share.fields, ...(share.filter ? { filter: share.filter } : {}) }] },
              place: { ...base.place, partnerStore: { database: 'qdnd', schema } },
              method: { ...base.method, scope: 'partial' },
            }),
          ),
          { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) },
        );
        if (!parsed.ok) throw new Error(`generated agreement is invalid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
        const doc = parsed.document;
        const policy = new AgreementPolicy(confirmedAgreement(doc).state, 'qdnd', contracts);
        followed.clear();
        followed.set(doc.id, policy);
        const consumer = fx.consumer(
          { agreementId: doc.id, entities: ['person'], policy, providerKeys: ring, prefix, log, contracts },
          { partnerSchema: schema, groupId: `${prefix}-run${run}`, applyBatchSize: batchSize },
        );
        const problems: string[] = [];
        let polls = 0;
        let watching = true;
        try {
          // The producer publishes only under agreements it knows: it makes this one's topic when it learns of it.
          await waitFor(`the topic of run ${run}`, async () => (await topicExists(agreementTopic(prefix, 'cand', doc.id, 'person'))) || undefined, 30_000, 100);
          await consumer.start();
          const watcher = (async () => {
            while (watching) {
              problems.push(...(await observe(schema, share)));
              polls++;
              await sleep(60);
            }
          })();
          try {
            for (const t of stream) {
              await runTransaction(t.ops);
              await sleep(t.pauseMs);
            }
            const want = await expected(share);
            // the SQL twin of the filter selects the same rows on the source: the oracle agrees with itself
            expect(await sharedRows(src, compileEntityShare({ entity: 'person', fields: share.fields, filter: share.filter }, PERSON))).toEqual(want);
            await waitFor(
              `run ${run} to converge`,
              async () => JSON.stringify(await heldRows(dst, schema, 'person', share.fields)) === JSON.stringify(want) || undefined,
              60_000,
              100,
            );
          } finally {
            watching = false;
            await watcher;
          }
          problems.push(...(await observe(schema, share)));
          expect(problems).toEqual([]);
          expect(await heldRows(dst, schema, 'person', share.fields)).toEqual(await expected(share));
          expect(consumer.stats().deadLettered).toBe(0);
          const held = await heldRows(dst, schema, 'person', share.fields);
          if (held.length > 0) {
            const cols = await dst.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'person'`, [schema]);
            expect(cols.rows.map((c) => c.column_name).sort()).toEqual([...share.fields, ...METADATA_COLUMNS].sort());
          }
          totalPolls += polls;
          sharedTotal += held.length;
          withheldTotal += live.length - held.length;
        } finally {
          await consumer.stop();
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(run).toBe(RUNS);
    expect(totalPolls).toBeGreaterThan(RUNS * 3);
    // across the runs some rows were shared and some were kept back: the filters did something
    expect(sharedTotal).toBeGreaterThan(0);
    expect(withheldTotal).toBeGreaterThan(0);
  }, 600_000);
});
