import { randomUUID } from 'crypto';
import * as fs from 'fs';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { caFile, readSecret, securePgUrl, type Config } from '../../libs/config';
import { registryAccess, registryClientArgs, registryFetch } from '../../libs/registry-client';
import type { StackManager } from '../../libs/stack';
import { kafkaAs, upSecureStack } from './secureStackSupport';

/**
 * The secure profile of the local stack on its real servers: every listener takes TLS and credentials
 * and refuses clients without them; created topics are replicated three times with two in sync.
 */
let config: Config;
let stack: StackManager;
beforeAll(async () => {
  ({ config, stack } = await upSecureStack());
}, 600_000);

const errorOf = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a refusal, the call succeeded');
};

describe('the secure stack', () => {
  it('comes up with every server answering, three brokers and a controller', async () => {
    const rows = await stack.status();
    expect(rows.map((r) => [r.name, r.running])).toEqual([
      ['cand', true],
      ['qdnd', true],
      ['platform', true],
      ['kafka', true],
      ['registry', true],
    ]);
    const admin = kafkaAs(config, 'admin').admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => b.port).sort()).toEqual([29092, 29093, 29094].map((p) => p - 29092 + config.kafkaPort));
      const topic = `thahs.cand.SECURE-${randomUUID().slice(0, 8)}.person`;
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(md.topics[0].partitions.every((p) => p.replicas.length === 3)).toBe(true);
      const cfg = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas'] }], includeSynonyms: false });
      expect(cfg.resources[0].configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue).toBe('2');
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  });

  it('keeps its CA and passwords out of the repository and readable by their owner only', () => {
    expect(config.stackDir.endsWith('.stack-secure')).toBe(true);
    const ca = caFile(config.stackDir);
    expect(fs.readFileSync(ca, 'utf8')).toContain('BEGIN CERTIFICATE');
    for (const f of [`${config.stackDir}/tls/ca.key`, `${config.stackDir}/secrets/kafka/admin.password`, `${config.stackDir}/secrets/pg/cand.thahs_apply.password`]) {
      expect(fs.statSync(f).mode & 0o077).toBe(0);
    }
  });
});

describe('Kafka refuses', () => {
  const probe = (kafka: Kafka): Promise<unknown> => {
    const admin = kafka.admin();
    return admin
      .connect()
      .then(() => admin.listTopics())
      .finally(() => admin.disconnect());
  };

  it('a client without TLS', async () => {
    const k = new Kafka({ clientId: 'no-tls', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000, requestTimeout: 3000 });
    const err = await errorOf(probe(k));
    expect(err.name).toMatch(/KafkaJS/);
  });

  it('a TLS client without SASL credentials', async () => {
    const k = new Kafka({
      clientId: 'no-sasl',
      brokers: config.kafkaBrokers,
      ssl: { ca: [fs.readFileSync(config.kafkaTlsCaFile, 'utf8')] },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 3000,
      requestTimeout: 3000,
    });
    await errorOf(probe(k));
  });

  it("a TLS client that does not trust the stack's CA", async () => {
    const k = new Kafka({
      clientId: 'no-ca',
      brokers: config.kafkaBrokers,
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'operator', password: readSecret(config.stackDir, 'kafka', 'operator') },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 3000,
    });
    const err = await errorOf(probe(k));
    expect(err.message).toMatch(/certificate|self.signed|issuer/i);
  });

  it('a wrong password', async () => {
    const err = await errorOf(probe(kafkaAs(config, 'producer-cand', 'wrong-pw', 'not-the-password')));
    expect(err.name).toBe('KafkaJSSASLAuthenticationError');
  });

  it('but lets the right password in', async () => {
    await expect(probe(kafkaAs(config, 'operator'))).resolves.toBeDefined();
  });
});

describe('PostgreSQL', () => {
  const url = (role: string, password: string | null, sslmode: string): string => {
    const u = new URL(securePgUrl(config.stackDir, 'cand', role, config.candPgPort, 'thahs'));
    u.password = password ?? '';
    u.searchParams.set('sslmode', sslmode);
    if (sslmode === 'disable') u.searchParams.delete('sslrootcert');
    return u.toString();
  };
  const connect = async (connectionString: string): Promise<string> => {
    const c = new Client({ connectionString, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      return (await c.query<{ ssl: boolean }>('SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl.toString();
    } finally {
      await c.end();
    }
  };

  it('refuses a connection without TLS, even with the right password', async () => {
    const err = await errorOf(connect(url('thahs', readSecret(config.stackDir, 'pg', 'cand.thahs'), 'disable')));
    expect(err.message).toMatch(/pg_hba.conf rejects connection.*no encryption/);
  });

  it('refuses a wrong password over TLS, and never says the password', async () => {
    const err = await errorOf(connect(url('thahs_apply', 'guessed-password', 'verify-full')));
    expect(err.message).toMatch(/password authentication failed for user "thahs_apply"/);
    expect(err.message).not.toContain('guessed-password');
  });

  it('accepts the URL the settings build: TLS verified against the CA, the generated password', async () => {
    await expect(connect(config.candPgUrl)).resolves.toBe('true');
    await expect(connect(securePgUrl(config.stackDir, 'qdnd', 'thahs_producer', config.qdndPgPort, 'thahs'))).resolves.toBe('true');
  });
});

describe('the schema registry', () => {
  const subject = `thahs.secure.${randomUUID().slice(0, 8)}-value`;
  // A subject of its own: Apicurio answers NONE for the level of a subject registered before, which the client would refuse.
  const clientSubject = `thahs.secure.${randomUUID().slice(0, 8)}-value`;
  const schema = JSON.stringify({ type: 'record', name: 'Secure', namespace: 'vn.thahs.test', fields: [{ name: 'id', type: 'string' }] });
  const as = (username: string, password?: string) =>
    registryFetch({ ...registryAccess(config), username, password: password ?? readSecret(config.stackDir, 'registry', username) });
  const register = (f: ReturnType<typeof as>) =>
    f(`${config.registryUrl}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema }),
    });

  afterAll(async () => {
    for (const s of [subject, clientSubject]) await as('registry-admin')(`${config.registryUrl}/subjects/${s}`, { method: 'DELETE' }).catch(() => undefined);
  });

  it('answers only over HTTPS', async () => {
    // Plain HTTP to the TLS port: the server answers with a TLS alert, which is no HTTP response.
    const err = await errorOf(fetch(config.registryUrl.replace('https:', 'http:') + '/subjects', { signal: AbortSignal.timeout(3000) }));
    expect(String(err)).toMatch(/fetch failed/);
  });

  it('refuses anonymous and wrongly authenticated requests', async () => {
    const anonymous = registryFetch({ ...registryAccess(config), username: undefined, password: undefined });
    expect((await anonymous(`${config.registryUrl}/subjects`)).status).toBe(401);
    expect((await as('registry-writer', 'wrong')(`${config.registryUrl}/subjects`)).status).toBe(401);
  });

  it('lets a reader read but not register, a writer register', async () => {
    expect((await as('registry-reader')(`${config.registryUrl}/subjects`)).status).toBe(200);
    expect((await register(as('registry-reader'))).status).toBe(403);
    const ok = await register(as('registry-writer'));
    expect(ok.status).toBe(200);
    const { id } = (await ok.json()) as { id: number };
    const byId = await as('registry-reader')(`${config.registryUrl}/schemas/ids/${id}`);
    expect(((await byId.json()) as { schema: string }).schema).toContain('Secure');
  });

  it('serves the confluent client with the https agent and credentials from the settings', async () => {
    const registry = new SchemaRegistry(registryClientArgs(registryAccess(config)));
    const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: clientSubject, compatibility: COMPATIBILITY.BACKWARD });
    const encoded = await registry.encode(id, { id: 'x' });
    expect(await registry.decode(encoded)).toEqual({ id: 'x' });
  });
});
