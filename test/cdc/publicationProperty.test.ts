import { generateKeyPairSync, randomUUID } from 'crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { compileEntityShare, versionRecordInForce, type AgreementDocument, type AgreementState, type EntityShare, type RowFilter } from '../../libs/agreements';
import { loadConfig } from '../../libs/config';
import { agreementTopic } from '../../libs/contracts/agreementTopics';
import { AVRO_FOR_SCHEMA_OPTIONS } from '../../libs/contracts/avroType';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { parseMeta } from '../../libs/events';
import { readTopicWindow } from '../../libs/kafka';
import { createLogger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { PublicKeyRing, SigningKey } from '../../libs/signing';
import { AgreementHistory } from '../../services/apply-consumer/__fixtures__/agreementHistory';
import { AgreementPolicy } from '../../services/apply-consumer/agreementPolicy';
import { ApplyConsumer } from '../../services/apply-consumer/applyConsumer';
import type { CdcProducer } from '../../services/cdc-producer/cdcProducer';
import { heldRows, sharedRows } from '../support/partnerView';
import { testProducer } from '../support/producerFixture';
import { ScratchDatabase } from '../support/scratchDatabase';
import { exampleAgreement } from '../support/testAgreements';
import { sleep, waitFor } from '../support/waitFor';

/**
 * Property, on the real stack: for random agreements (entities, projections, filters, an amendment
 * part-way) and random change streams, every record on every topic the producer wrote holds no field
 * and no row outside the agreement version it names, that version was in force at the record's commit
 * time (or had been replaced only within the provider's knowledge window: a confirmation made by the
 * consumer reaches the provider's copy of the history a poll later), nothing of an entity no version
 * shares is on the platform, and the partner store ends equal to the source's projection and filter.
 */
const config = loadConfig();
const contracts = loadContracts();
const prefix = `q${randomUUID().slice(0, 8)}`;
const log = createLogger('publication-property-test', process.env.THAHS_TEST_LOG_LEVEL ?? 'error');
const kafka = new Kafka({ clientId: 'publication-property-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const registry = new SchemaRegistry({ host: config.registryUrl }, { AVRO: AVRO_FOR_SCHEMA_OPTIONS });
const RUNS = Number(process.env.THAHS_PROPERTY_RUNS ?? 4);
/** How long after a version started the producer may still publish under its predecessor (poll 500 ms, boundary checks, load). */
const KNOWLEDGE_WINDOW_MS = 5000;
const FIRST = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };

function signingKey(keyId: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}
const producerKey = signingKey('cand-c10-2025');
const ring = new PublicKeyRing();
ring.add(producerKey.keyId, producerKey.publicKey);

const PERSON_FIELDS = ['ministry', 'full_name', 'date_of_birth', 'sex', 'is_military', 'military_rank', 'occupation', 'prior_convictions'];
const JUDGMENT_FIELDS = ['ministry', 'judgment_no', 'judgment_date', 'instance', 'effective_date'];
const personFilter: fc.Arbitrary<RowFilter | undefined> = fc.constantFrom<RowFilter | undefined>(
  undefined,
  { field: 'is_military', op: 'eq', value: true },
  { field: 'is_military', op: 'eq', value: false },
  { field: 'date_of_birth', op: 'ge', value: '1990-01-01' },
  { field: 'sex', op: 'in', values: ['F'] },
  {
    and: [
      { field: 'is_military', op: 'eq', value: true },
      { field: 'date_of_birth', op: 'lt', value: '1995-01-01' },
    ],
  },
);
const judgmentFilter: fc.Arbitrary<RowFilter | undefined> = fc.constantFrom<RowFilter | undefined>(undefined, { field: 'judgment_date', op: 'ge', value: '2015-01-01' });

/** The fields a filter reads: the generated projections always carry them, so the receiver can check the filter too. */
function readBy(f: RowFilter | undefined): string[] {
  if (!f) return [];
  if ('and' in f) return f.and.flatMap(readBy);
  if ('or' in f) return f.or.flatMap(readBy);
  if ('not' in f) return readBy(f.not);
  return [f.field];
}

const shareArb = (entity: 'person' | 'judgment'): fc.Arbitrary<EntityShare> =>
  fc.tuple(fc.subarray(entity === 'person' ? PERSON_FIELDS : JUDGMENT_FIELDS), entity === 'person' ? personFilter : judgmentFilter).map(([fields, filter]) => ({
    entity,
    fields: ['id', ...new Set([...fields, ...readBy(filter)])],
    ...(filter ? { filter } : {}),
  }));
const sharesArb: fc.Arbitrary<EntityShare[]> = fc.oneof(
  shareArb('person').map((p) => [p]),
  shareArb('judgment').map((j) => [j]),
  fc.tuple(shareArb('person'), shareArb('judgment')).map(([p, j]) => [p, j]),
);

type Op =
  | { kind: 'insert-person'; military: boolean; dob: string; sex: 'M' | 'F' }
  | { kind: 'update-person'; target: number; set: 'is_military' | 'date_of_birth' | 'occupation' | 'sex' | 'full_name' }
  | { kind: 'delete-person'; target: number }
  | { kind: 'insert-judgment'; date: string }
  | { kind: 'update-judgment'; target: number; date: string }
  | { kind: 'delete-judgment'; target: number };
const dates = fc.constantFrom('1980-02-29', '1989-12-31', '1990-01-01', '1994-06-15', '2001-03-03');
const judgmentDates = fc.constantFrom('2012-05-05', '2014-12-31', '2015-01-01', '2019-09-09');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert-person' as const), military: fc.boolean(), dob: dates, sex: fc.constantFrom('M' as const, 'F' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('update-person' as const),
      target: fc.nat(),
      set: fc.constantFrom('is_military' as const, 'date_of_birth' as const, 'occupation' as const, 'sex' as const, 'full_name' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete-person' as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert-judgment' as const), date: judgmentDates }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('update-judgment' as const), target: fc.nat(), date: judgmentDates }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete-judgment' as const), target: fc.nat() }) },
);
const streamArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 4, maxLength: 10 });

describe('publication per agreement (property, real stack)', () => {
  let source: ScratchDatabase;
  let receiver: ScratchDatabase;
  let src: Client;
  let dst: Client;
  let producer: CdcProducer;
  let base: AgreementDocument;
  let courtId: string;
  const persons: string[] = [];
  const judgments: string[] = [];
  let current: AgreementState[] = [];

  const pick = (ids: string[], n: number): string | undefined => (ids.length === 0 ? undefined : ids[n % ids.length]);

  async function apply(tx: Op[]): Promise<void> {
    await src.query('BEGIN');
    try {
      for (const op of tx) {
        switch (op.kind) {
          case 'insert-person': {
            const r = await src.query<{ id: string }>(
              `INSERT INTO thahs.person (ministry, full_name, date_of_birth, sex, is_military, military_rank, prior_convictions) VALUES ('CAND', $1, $2, $3, $4, $5, 1) RETURNING id::text AS id`,
              [`Người ${persons.length}`, op.dob, op.sex, op.military, op.military ? 'Trung sĩ' : null],
            );
            persons.push(r.rows[0].id);
            break;
          }
          case 'update-person': {
            const id = pick(persons, op.target);
            if (!id) break;
            const set = {
              is_military: 'is_military = NOT is_military',
              date_of_birth: `date_of_birth = CASE WHEN date_of_birth < '1990-01-01' THEN date '1996-01-01' ELSE date '1985-01-01' END`,
              occupation: `occupation = 'Nghề ' || md5(random()::text)`,
              sex: `sex = CASE WHEN sex = 'M' THEN 'F' ELSE 'M' END`,
              full_name: `full_name = full_name || '.'`,
            }[op.set];
            await src.query(`UPDATE thahs.person SET ${set} WHERE id = $1`, [id]);
            break;
          }
          case 'delete-person': {
            const id = pick(persons, op.target);
            if (!id) break;
            await src.query('DELETE FROM thahs.person WHERE id = $1', [id]);
            persons.splice(persons.indexOf(id), 1);
            break;
          }
          case 'insert-judgment': {
            const r = await src.query<{ id: string }>(
              `INSERT INTO thahs.judgment (ministry, judgment_no, judgment_date, court_id, instance, effective_date) VALUES ('CAND', $1, $2, $3, 'SO_THAM', $2) RETURNING id::text AS id`,
              [`${randomUUID().slice(0, 8)}/HS-ST`, op.date, courtId],
            );
            judgments.push(r.rows[0].id);
            break;
          }
          case 'update-judgment': {
            const id = pick(judgments, op.target);
            if (id) await src.query('UPDATE thahs.judgment SET judgment_date = $2, effective_date = $2 WHERE id = $1', [id, op.date]);
            break;
          }
          case 'delete-judgment': {
            const id = pick(judgments, op.target);
            if (!id) break;
            await src.query('DELETE FROM thahs.judgment WHERE id = $1', [id]);
            judgments.splice(judgments.indexOf(id), 1);
            break;
          }
        }
      }
      await src.query('COMMIT');
    } catch (err) {
      await src.query('ROLLBACK');
      throw err;
    }
  }

  async function topicNames(): Promise<Set<string>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return new Set(await admin.listTopics());
    } finally {
      await admin.disconnect();
    }
  }

  /** Why a record breaks the property, or null. */
  function problem(state: AgreementState, entity: string, commitMs: number, version: number, value: Record<string, unknown> | null): string | null {
    const named = state.versions.find((v) => v.version === version && v.status === 'confirmed');
    if (!named) return `names version ${version}, never confirmed`;
    const share = named.document.data.entities.find((e) => e.entity === entity);
    if (!share) return `version ${version} does not share ${entity}`;
    const inForce = versionRecordInForce(state, commitMs);
    if (inForce?.version !== version) {
      // Allowed only while the provider could not yet know of the successor.
      const successor = state.versions.find((v) => v.version > version && v.status === 'confirmed' && v.confirmedAt !== undefined);
      const since = successor ? commitMs - Date.parse(successor.confirmedAt!) : Infinity;
      if (!(since >= 0 && since < KNOWLEDGE_WINDOW_MS))
        return `committed at ${new Date(commitMs).toISOString()} under version ${version}, in force then: ${inForce?.version ?? 'none'}`;
    }
    if (value === null) return null;
    const allowed = new Set(share.fields);
    const extra = Object.keys(value).filter((f) => !allowed.has(f));
    if (extra.length > 0) return `fields ${extra.join(', ')} outside version ${version}`;
    const compiled = compileEntityShare(share, contracts.get(entity));
    return compiled.matches(value as Record<string, string | number | boolean | null>) ? null : `a row outside the filter of version ${version}`;
  }

  beforeAll(async () => {
    base = exampleAgreement('cand-to-qdnd');
    source = await ScratchDatabase.create(config.candPgUrl, 'pubprop');
    receiver = await ScratchDatabase.create(config.qdndPgUrl, 'pubpropdst');
    await migrate(source.url, 'cand');
    await migrate(receiver.url, 'qdnd');
    src = new Client({ connectionString: source.url });
    dst = new Client({ connectionString: receiver.url });
    for (const c of [src, dst]) {
      await c.connect();
      await c.query("SET TimeZone = 'UTC'");
    }
    courtId = (
      await src.query<{ id: string }>(
        `INSERT INTO thahs.court (ministry, court_code, name, court_kind) VALUES ('CAND', 'TAND-PP', 'Tòa án nhân dân tỉnh Phú Thọ', 'TAND_TINH') RETURNING id::text AS id`,
      )
    ).rows[0].id;
    await apply([
      { kind: 'insert-person', military: true, dob: '1985-01-01', sex: 'M' },
      { kind: 'insert-person', military: false, dob: '1995-01-01', sex: 'F' },
      { kind: 'insert-judgment', date: '2013-01-01' },
      { kind: 'insert-judgment', date: '2018-01-01' },
    ]);
    producer = testProducer({ pgUrl: source.url, signingKeys: [producerKey], agreements: async () => current, prefix, log, contracts }, { partitions: 2, heartbeatMs: 300 });
    await producer.start();
  });

  afterAll(async () => {
    await producer?.stop().catch(() => undefined);
    await src?.end().catch(() => undefined);
    await dst?.end().catch(() => undefined);
    await source?.drop().catch(() => undefined);
    await receiver?.drop().catch(() => undefined);
  });

  it('no field or row outside the version in force leaves the provider, and the partner store equals the source', async () => {
    let run = 0;
    let records = 0;
    await fc.assert(
      fc.asyncProperty(sharesArb, fc.option(sharesArb, { freq: 2 }), streamArb, async (first, amended, stream) => {
        run++;
        const schema = `partner_cand_q${run}`;
        const v1: AgreementDocument = {
          ...base,
          id: `TTDL-Q${run}-${prefix}`,
          data: { entities: first },
          place: { ...base.place, partnerStore: { database: 'qdnd', schema } },
          method: { ...base.method, scope: 'partial' },
        };
        const history = new AgreementHistory(v1);
        const policy = new AgreementPolicy(history.confirm(v1, FIRST), 'qdnd', contracts);
        // Only this run's agreement: the earlier runs' end (nothing more is published for them).
        current = [policy.current];
        const entities = [...new Set([...first, ...(amended ?? [])].map((s) => s.entity))];
        const topics = (['person', 'judgment'] as const).map((e) => agreementTopic(prefix, 'cand', v1.id, e));
        await waitFor(`the topics of run ${run}`, async () => {
          const names = await topicNames();
          return first.every((s) => names.has(agreementTopic(prefix, 'cand', v1.id, s.entity))) || undefined;
        });
        const half = Math.ceil(stream.length / 2);
        for (const tx of stream.slice(0, half)) await apply(tx);
        if (amended) {
          const t = Date.now();
          policy.update(history.confirm({ ...v1, version: 2, data: { entities: amended } }, { draft: new Date(t), propose: new Date(t + 1), confirm: new Date(t + 2) }));
          current = [policy.current];
        }
        for (const tx of stream.slice(half)) {
          await apply(tx);
          await sleep(30);
        }
        const consumer = new ApplyConsumer({
          receiver: 'qdnd',
          provider: 'cand',
          agreementId: v1.id,
          entities,
          policy,
          contracts,
          providerKeys: ring,
          pgUrl: receiver.url,
          kafkaBrokers: config.kafkaBrokers,
          registryUrl: config.registryUrl,
          log,
          partnerSchema: schema,
          topicPrefix: prefix,
          enforcement: { state: () => policy.current, signingKey: producerKey, everyMs: 300 },
        });
        try {
          await waitFor(`the topics of run ${run} after the amendment`, async () => {
            const names = await topicNames();
            return entities.every((e) => names.has(agreementTopic(prefix, 'cand', v1.id, e))) || undefined;
          });
          await consumer.start();
          const inForce = [...policy.current.versions].reverse().find((v) => v.status === 'confirmed')!.document;
          await waitFor(
            `run ${run}: the partner store equal to the source`,
            async () => {
              for (const share of inForce.data.entities) {
                const compiled = compileEntityShare(share, contracts.get(share.entity));
                if (JSON.stringify(await sharedRows(src, compiled)) !== JSON.stringify(await heldRows(dst, schema, share.entity, compiled.fields))) return false;
              }
              return true;
            },
            90_000,
          );
        } finally {
          await consumer.stop();
        }
        // Every record of the run's agreement on the platform.
        const names = await topicNames();
        const problems: string[] = [];
        for (const topic of topics) {
          const entity = topic.slice(topic.lastIndexOf('.') + 1);
          const shared = [...first, ...(amended ?? [])].some((s) => s.entity === entity);
          if (!names.has(topic)) continue;
          if (!shared) problems.push(`${topic} exists although no version shares ${entity}`);
          for (const m of await readTopicWindow(kafka, topic, { count: 1_000_000 })) {
            records++;
            const meta = parseMeta(m.headers);
            const value = m.value === null ? null : ((await registry.decode(m.value)) as Record<string, unknown>);
            const p = problem(policy.current, entity, meta.commitTs / 1000, meta.agreementVersion, value);
            if (p) problems.push(`${topic} ${m.partition}:${m.offset} ${meta.op}: ${p}`);
          }
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(run).toBe(RUNS);
    expect(records).toBeGreaterThan(RUNS);
  }, 900_000);
});
