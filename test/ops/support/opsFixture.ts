import { spawn } from 'child_process';
import { generateKeyPairSync, randomUUID } from 'crypto';
import * as path from 'path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { AgreementStore, createRequestEvent, databaseLabel, migrateExchangeSchema } from '../../../libs/agreement-exchange';
import { generateSigningKey, loadAgreementFile, publicKeyRing, type AgreementDocument, type AgreementEvent } from '../../../libs/agreements';
import { loadConfig } from '../../../libs/config';
import { fetchTopicOffsetsSettled } from '../../../libs/kafka';
import { agreementSubject, agreementTopic, applyGroupId } from '../../../libs/contracts/agreementTopics';
import { AVRO_FOR_SCHEMA_OPTIONS, createAvroType } from '../../../libs/contracts/avroType';
import { loadContracts } from '../../../libs/contracts/contractLoader';
import { projectValueSchema } from '../../../libs/contracts/projectedContract';
import { decodeEnvelope, describeMeta, H, headerBytes, type EventMeta } from '../../../libs/events';
import { murmur2 } from '../../../libs/kafka/keyPartitioner';
import { ensureStateSchema } from '../../../libs/partner-store';
import type { SigningKey } from '../../../libs/signing';
import { AgreementHistory } from '../../../services/apply-consumer/__fixtures__/agreementHistory';
import { encodeRecord, sampleRecord, signEvents, wire, type TestEvent } from '../../../services/apply-consumer/__fixtures__/signedEvents';
import { AgreementEventHandler } from '../../../services/agreement-sync/agreementEventHandler';
import { RequestEventHandler } from '../../../services/agreement-sync/requestEventHandler';
import { ScratchDatabase } from '../../support/scratchDatabase';

export const contracts = loadContracts();

/**
 * Both ministries on the real stack for the operator tools, isolated per test file: a scratch
 * database on each cluster holding the signed history of one cand → qdnd agreement in force (stored
 * as the agreement-sync service stores it), the receiver's partner-state schema, and the agreement's
 * topics under a fresh prefix — what a running exchange leaves behind, without running one.
 */
export interface OpsFixture {
  prefix: string;
  agreementId: string;
  doc: AgreementDocument;
  kafka: Kafka;
  registry: SchemaRegistry;
  cand: ScratchDatabase;
  qdnd: ScratchDatabase;
  /** The receiver's database (qdnd). */
  receiver: Pool;
  group: string;
  topic(entity: string): string;
  /** Produces `n` plain events (any bytes: lag is about offsets) to the agreement topic of `entity`, keyed so they spread over partitions. */
  produce(entity: string, n: number): Promise<void>;
  /** Records dead letters as the apply consumer does (signed events whose value the registry can decode). */
  /**
   * Records dead letters as the apply consumer does: signed events whose value the registry can
   * decode. `fields` widens the value schema beyond the agreement's projection (a provider that
   * published more than the agreement shares), `overrides` sets values.
   */
  /**
   * Events of `entity` as the provider publishes them: registered schemas, the agreement's projection
   * (or `fields`), signed with `providerKey`, each with the partition its key belongs to and a source
   * position newer than any before. A null record is a delete.
   */
  signed(
    entity: string,
    items: readonly { id: string; record: Record<string, unknown> | null }[],
    fields?: readonly string[],
  ): Promise<(TestEvent & { partition: number; lsn: bigint })[]>;
  /** Publishes signed events (see signed) to the agreement topic of `entity`, each to its key's partition. */
  publishSigned(entity: string, items: readonly { id: string; record: Record<string, unknown> | null }[]): Promise<{ partition: number; lsn: bigint }[]>;
  /** The provider's key (id cand-c10-2025, which the agreement lists) signing the fixture's events; not in any keys folder. */
  providerKey: SigningKey;
  deadLetter(
    entity: string,
    reason: string,
    detail: string,
    offsets: readonly number[],
    overrides?: Record<string, unknown>,
    fields?: readonly string[],
  ): Promise<{ id: string; recordId: string }[]>;
  /** A data-error report (Art. 15.2(c)) the receiver's body files, stored in both databases as the sync services store it. */
  reportError(entity: string, recordKey: string, field: string): Promise<void>;
  /** Environment for a `thahs` process aimed at the scratch databases. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const ENTITIES = ['person', 'judgment', 'enforcement_case'];
const PARTITIONS = 3;

/** The headers as the dead-letter table keeps them: the envelope's bytes in base64 and its meta decoded. */
function storedMeta(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>): Record<string, unknown> {
  const env = headerBytes(headers, H.event)!;
  return { [H.event]: { base64: env.toString('base64'), decoded: describeMeta(decodeEnvelope(env).meta) } };
}

/** Stores a signed history in a ministry database as the agreement-sync service does (what `thahs status` and the tools read). */
export async function storeHistory(url: string, events: readonly AgreementEvent[], publicKeys: { keyId: string; party: string; publicKeyPem: string }[]): Promise<void> {
  await migrateExchangeSchema(url);
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    const keys = publicKeyRing(publicKeys.map((k) => ({ keyId: k.keyId, party: k.party, publicKey: k.publicKeyPem })));
    const handler = new AgreementEventHandler(new AgreementStore(pool, databaseLabel(url)), keys, (e) => (contracts.has(e) ? contracts.get(e) : undefined));
    for (const [i, event] of events.entries()) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const r = await handler.handle(c, { topic: 'fixture.agreements', partition: 0, offset: String(i), value: Buffer.from(JSON.stringify(event)) });
        if (r.outcome !== 'stored') throw new Error(`fixture history refused: ${r.code} ${r.reason}`);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    }
  } finally {
    await pool.end();
  }
}

export async function startOpsFixture(label: string): Promise<OpsFixture> {
  const config = loadConfig();
  const prefix = `o${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const agreementId = `TTDL-OPS-${prefix.toUpperCase()}`;
  const base = await loadAgreementFile(path.resolve(__dirname, '../../../deploy/agreements/cand-to-qdnd.yaml'), {
    contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined),
  });
  const doc: AgreementDocument = { ...base, id: agreementId, data: { entities: base.data.entities.filter((e) => ENTITIES.includes(e.entity)) } };
  // The parties' keys are ours: the receiver's body also signs a data-error report below.
  const partyKeys = [doc.parties.provider, ...doc.parties.consumers].map((p) => generateSigningKey(doc.security.keys.find((k) => k.party === p.id)!.keyIds[0], p.id));
  const history = new AgreementHistory(
    doc,
    partyKeys.map((k) => k.signing),
  );
  const state = history.confirm(doc, { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' });
  const events = history.events;
  const publicKeys = history.publicKeys;
  const cand = await ScratchDatabase.create(config.candPgUrl, `ops_${label}_cand`);
  const qdnd = await ScratchDatabase.create(config.qdndPgUrl, `ops_${label}_qdnd`);
  for (const db of [cand, qdnd]) await storeHistory(db.url, events, publicKeys);
  const receiver = new Pool({ connectionString: qdnd.url, max: 3 });
  await ensureStateSchema(receiver);

  const kafka = new Kafka({ clientId: `ops-test-${label}`, brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: config.registryUrl }, { [SchemaType.AVRO]: AVRO_FOR_SCHEMA_OPTIONS });
  const topic = (entity: string): string => agreementTopic(prefix, 'cand', agreementId, entity);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: doc.data.entities.map((e) => ({ topic: topic(e.entity), numPartitions: PARTITIONS })), waitForLeaders: true });
  for (const e of doc.data.entities) await fetchTopicOffsetsSettled(admin, topic(e.entity));
  await admin.disconnect();
  // Idempotent: a send retried right after the topics were created must not add the events twice
  // (the tests count them as lag).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const providerKey = (() => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { keyId: 'cand-c10-2025', privateKey, publicKey };
  })();
  let lsn = 0x1_0000_0000n;
  let requestOffset = 0;

  const fixture: OpsFixture = {
    prefix,
    agreementId,
    doc,
    kafka,
    registry,
    cand,
    qdnd,
    receiver,
    group: applyGroupId(prefix, agreementId, 'qdnd'),
    topic,
    providerKey,
    async produce(entity, n) {
      await producer.send({ topic: topic(entity), messages: Array.from({ length: n }, (_, i) => ({ key: `k-${randomUUID()}-${i}`, value: 'x' })) });
    },
    async signed(entity, items, fields) {
      const contract = contracts.get(entity);
      const share = doc.data.entities.find((e) => e.entity === entity)!;
      const t = topic(entity);
      const valueSchema = projectValueSchema(contract, fields ?? share.fields);
      const { id: keyId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(contract.keySchema) }, { subject: agreementSubject(t, 'key') });
      // A wider schema goes under a subject of its own: the agreement topic's subject keeps its rules.
      const { id: valueId } = await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(valueSchema) },
        { subject: fields ? `${t}-forged-value` : agreementSubject(t, 'value') },
      );
      const valueType = createAvroType(valueSchema);
      const parts = items.map((item) => {
        const key = encodeRecord(contract, keyId, valueId, null, item.id).key;
        let value: Buffer | null = null;
        if (item.record !== null) {
          const full = sampleRecord(contract, { id: item.id, ...item.record });
          const projected: Record<string, unknown> = {};
          for (const f of valueSchema.fields as { name: string }[]) projected[f.name] = full[f.name] ?? null;
          value = wire(valueId, valueType.toBuffer(projected));
        }
        lsn += 0x100n;
        const meta: EventMeta = {
          op: item.record === null ? 'd' : 'u',
          position: { lsn, index: 0 },
          xid: 1,
          commitTs: Date.now() * 1000,
          ministry: 'cand',
          entity,
          agreementId,
          agreementVersion: 1,
          sourceEpoch: '7000000000000000001',
        };
        return { topic: t, key, value, meta };
      });
      const signed = signEvents(parts, providerKey);
      return signed.map((e, i) => ({ ...e, partition: (murmur2(e.key) & 0x7fffffff) % PARTITIONS, lsn: parts[i].meta.position.lsn }));
    },
    async publishSigned(entity, items) {
      const events = await fixture.signed(entity, items);
      await producer.send({ topic: topic(entity), messages: events.map((e) => ({ key: e.key, value: e.value, headers: e.headers, partition: e.partition })) });
      return events.map((e) => ({ partition: e.partition, lsn: e.lsn }));
    },
    async deadLetter(entity, reason, detail, offsets, overrides = {}, fields) {
      const t = topic(entity);
      const parts = offsets.map(() => ({ recordId: randomUUID() }));
      const signed = await fixture.signed(
        entity,
        parts.map((p) => ({ id: p.recordId, record: overrides })),
        fields,
      );
      // Plain SQL over the columns the dead-letter table has had from the start: the consumer's own
      // insert helper is being reworked (issue 14), and what the tools read must not depend on it.
      const r = await receiver.query<{ id: string; kafka_offset: string }>(
        `INSERT INTO partner_state.dead_letter (receiver, provider, agreement_id, consumer_group, reason, detail, topic, kafka_partition, kafka_offset, entity, raw_key, raw_value, headers)
         SELECT 'qdnd', 'cand', $1, $2, $3, $4, $5, d.kafka_partition, d.kafka_offset, $6, d.raw_key, d.raw_value, d.headers
           FROM unnest($7::bigint[], $8::bytea[], $9::bytea[], $10::jsonb[], $11::int[]) AS d(kafka_offset, raw_key, raw_value, headers, kafka_partition)
         RETURNING id::text AS id, kafka_offset::text AS kafka_offset`,
        [
          agreementId,
          applyGroupId(prefix, agreementId, 'qdnd'),
          reason,
          detail,
          t,
          entity,
          offsets,
          signed.map((e) => e.key),
          signed.map((e) => e.value),
          signed.map((e) => JSON.stringify(storedMeta(e.headers))),
          signed.map((e) => e.partition),
        ],
      );
      return offsets.map((off, i) => ({ id: r.rows.find((x) => x.kafka_offset === String(off))!.id, recordId: parts[i].recordId }));
    },
    async reportError(entity, recordKey, field) {
      const consumer = partyKeys.find((k) => k.signing.party === doc.parties.consumers[0].id)!.signing;
      const event = createRequestEvent(
        null,
        'error_report',
        { agreementId, basis: state.lastEventHash, at: new Date(), payload: { entity, recordKey, field, description: 'test report' } },
        consumer,
      );
      const keys = publicKeyRing(publicKeys.map((k) => ({ keyId: k.keyId, party: k.party, publicKey: k.publicKeyPem })));
      for (const db of [cand, qdnd]) {
        const pool = new Pool({ connectionString: db.url, max: 2 });
        try {
          const handler = new RequestEventHandler(new AgreementStore(pool, databaseLabel(db.url)), keys, 5000);
          const m = { topic: 'fixture.requests', partition: 0, offset: String(requestOffset), value: Buffer.from(JSON.stringify(event)) };
          const prepared = await handler.prepare(
            m,
            async () => undefined,
            () => false,
          );
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            const r = await handler.handle(c, m, prepared);
            if (r.outcome !== 'stored') throw new Error(`fixture request refused: ${r.code} ${r.reason}`);
            await c.query('COMMIT');
          } finally {
            c.release();
          }
        } finally {
          await pool.end();
        }
      }
      requestOffset += 1;
    },
    env(extra = {}) {
      return { ...process.env, THAHS_CAND_PG_URL: cand.url, THAHS_QDND_PG_URL: qdnd.url, THAHS_LOG_LEVEL: 'warn', ...extra };
    },
    async stop() {
      await producer.disconnect().catch(() => undefined);
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: doc.data.entities.map((e) => topic(e.entity)) }).catch(() => undefined);
      await a.deleteGroups([applyGroupId(prefix, agreementId, 'qdnd')]).catch(() => undefined);
      await a.disconnect();
      for (const e of doc.data.entities) {
        for (const subject of [agreementSubject(topic(e.entity), 'key'), agreementSubject(topic(e.entity), 'value'), `${topic(e.entity)}-forged-value`]) {
          await fetch(`${config.registryUrl}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' }).catch(() => undefined);
        }
      }
      await receiver.end().catch(() => undefined);
      await cand.drop().catch(() => undefined);
      await qdnd.drop().catch(() => undefined);
    },
  };
  return fixture;
}

export interface ThahsRun {
  /** Exit code and output once the process ended. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** What it wrote to stderr so far. */
  stderr(): string;
}

/** Starts `bin/thahs` with `args` as an operator would. */
export function startThahs(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): ThahsRun {
  const bin = path.resolve(__dirname, '../../../bin/thahs');
  let stdout = '';
  let stderr = '';
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const p = spawn(bin, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`thahs ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { done, stderr: () => stderr };
}

/** Runs `bin/thahs` with `args` to its end; resolves with its exit code and output. */
export function thahs(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return startThahs(args, env, timeoutMs).done;
}
