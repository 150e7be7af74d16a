import { Client } from 'pg';
import { migrateExchangeSchema } from '../agreement-exchange';
import type { AgreementState } from '../agreements';
import * as fs from 'fs';
import * as path from 'path';
import { caFile, type Config, readSecret, redactSecrets, secretFile, type SecretKind, securePgUrl, tlsDir } from '../config';
import type { Ministry } from '../contracts/contractTypes';
import { ensureServiceRoles, grantServiceRights, otherMinistry, prepareMinistryDatabase, SERVICE_ROLES, superuserGrantStatements, type ServiceRoleKind } from '../db-roles';
import { ADMIN_PRINCIPAL, agreementStatesOf, allPrincipals, deriveAcls, grantsInForce, syncAcls, type AclSyncResult } from '../kafka-access';
import { migrate } from '../model';
import { CertificateAuthority, type ServerCertificate } from './certificateAuthority';
import type { PgSecurity } from './postgresCluster';
import type { RegistrySecurity } from './schemaRegistry';
import type { SecureKafkaCluster } from './secureKafkaCluster';
import { NODE_CN } from './secureKafkaCluster';
import { StackError } from './stackError';
import { ensureSecret } from './stackSecrets';

export const REGISTRY_USERS = [
  { name: 'registry-admin', role: 'sr-admin' },
  { name: 'registry-writer', role: 'sr-developer' },
  { name: 'registry-reader', role: 'sr-readonly' },
] as const;

/** Everything the secure profile generates once under its stack folder: CA, certificates, passwords. */
export interface SecureMaterial {
  caFile: string;
  kafkaNode: ServerCertificate;
  registry: ServerCertificate;
  postgres: ServerCertificate;
  kafkaPasswords: Record<string, string>;
  pg(cluster: 'cand' | 'qdnd' | 'platform', ownerRole: string): PgSecurity;
  serviceRolePasswords(cluster: Ministry): Record<ServiceRoleKind, string>;
  registrySecurity(propertiesFile: string, jdbcPassword: string): RegistrySecurity;
}

/** The server certificates of the secure stack: file name under tls/ and subject CN. */
const SERVER_CERTS = { postgres: 'thahs-postgres', registry: 'thahs-registry', 'kafka-node': NODE_CN } as const;

/** The role owning each cluster's database (the platform's holds the registry's storage). */
export const PG_OWNER_ROLES = { cand: 'thahs', qdnd: 'thahs', platform: 'apicurio' } as const;

/**
 * The secure profile's CA, certificates and passwords. `up` makes what is missing; with `readOnly`
 * (`stack status`) nothing is made or written: a missing password reads as '' and a certificate is
 * only its paths — see missingSecureFiles for what status reports instead.
 */
export function secureMaterial(stackDir: string, o: { readOnly?: boolean } = {}): SecureMaterial {
  const ca = new CertificateAuthority(tlsDir(stackDir));
  const readOnly = o.readOnly === true;
  if (!readOnly) ca.ensure();
  const cert = (name: keyof typeof SERVER_CERTS): ServerCertificate => (readOnly ? ca.files(name) : ca.server(name, SERVER_CERTS[name]));
  const secret = (kind: SecretKind, name: string): string => (readOnly ? readSecret(stackDir, kind, name) : ensureSecret(stackDir, kind, name));
  const postgres = cert('postgres');
  const registry = cert('registry');
  const kafkaPasswords = Object.fromEntries(allPrincipals().map((p) => [p, secret('kafka', p)]));
  return {
    caFile: caFile(stackDir),
    kafkaNode: cert('kafka-node'),
    registry,
    postgres,
    kafkaPasswords,
    pg: (cluster, ownerRole) => ({
      certFile: postgres.certFile,
      keyFile: postgres.keyFile,
      caFile: caFile(stackDir),
      superuserPassword: secret('pg', `${cluster}.postgres`),
      rolePassword: secret('pg', `${cluster}.${ownerRole}`),
    }),
    serviceRolePasswords: (cluster) =>
      Object.fromEntries((Object.keys(SERVICE_ROLES) as ServiceRoleKind[]).map((k) => [k, secret('pg', `${cluster}.${SERVICE_ROLES[k]}`)])) as Record<ServiceRoleKind, string>,
    registrySecurity: (propertiesFile, jdbcPassword) => ({
      certFile: registry.certFile,
      keyFile: registry.keyFile,
      caFile: caFile(stackDir),
      jdbcPassword,
      users: REGISTRY_USERS.map((u) => ({ ...u, password: secret('registry', u.name) })),
      adminUser: 'registry-admin',
      propertiesFile,
    }),
  };
}

/**
 * The files of the secure stack one server needs, made by `up` (secureMaterial): the CA (its key too —
 * without it `up` makes a new CA and every certificate anew), the server's certificate and the
 * passwords it is started or asked with.
 */
function secureFilesOf(stackDir: string, server: 'cand' | 'qdnd' | 'platform' | 'kafka' | 'registry'): string[] {
  const ca = new CertificateAuthority(tlsDir(stackDir));
  const certOf = (name: keyof typeof SERVER_CERTS): string[] => Object.values(ca.files(name));
  const out = [ca.caFile, path.join(ca.dir, 'ca.key')];
  if (server === 'kafka') return [...out, ...certOf('kafka-node'), ...allPrincipals().map((p) => secretFile(stackDir, 'kafka', p))];
  if (server === 'registry')
    return [
      ...out,
      ...certOf('registry'),
      ...REGISTRY_USERS.map((u) => secretFile(stackDir, 'registry', u.name)),
      secretFile(stackDir, 'pg', `platform.${PG_OWNER_ROLES.platform}`),
    ];
  const roles = ['postgres', PG_OWNER_ROLES[server], ...(server === 'platform' ? [] : Object.values(SERVICE_ROLES))];
  return [...out, ...certOf('postgres'), ...roles.map((r) => secretFile(stackDir, 'pg', `${server}.${r}`))];
}

/** What of secureFilesOf is not there, relative to the stack folder: what `stack status` reports as missing. */
export function missingSecureFiles(stackDir: string, server: 'cand' | 'qdnd' | 'platform' | 'kafka' | 'registry'): string[] {
  return secureFilesOf(stackDir, server)
    .filter((f) => !fs.existsSync(f))
    .map((f) => path.relative(stackDir, f));
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, application_name: 'thahs-stack' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * The owner's URL of a ministry database of this stack, read from its secrets now: on the first
 * `stack up` the settings were loaded before the passwords existed, so their URLs carry none.
 */
export function stackOwnerUrl(config: Config, ministry: Ministry): string {
  return securePgUrl(config.stackDir, ministry, 'thahs', ministry === 'cand' ? config.candPgPort : config.qdndPgPort, 'thahs');
}

/** The superuser's URL of a ministry cluster's database (the stack manager's own sessions). */
function superuserUrl(config: Config, ministry: Ministry, database: string): string {
  return securePgUrl(config.stackDir, ministry, 'postgres', ministry === 'cand' ? config.candPgPort : config.qdndPgPort, database);
}

/**
 * The admin step of one ministry's database in the secure profile, before any service connects with
 * its own role: the service roles of the cluster (superuser), the migrations and the partner store's
 * bookkeeping (owner, so the owner owns every log), the owner's grants, and the rights only a
 * superuser gives. Idempotent; run on every `stack up --profile secure` and by the tests on their
 * scratch databases.
 */
export async function prepareSecureDatabase(config: Config, material: SecureMaterial, ministry: Ministry, database = 'thahs', ownerUrl?: string): Promise<void> {
  const owner = ownerUrl ?? stackOwnerUrl(config, ministry);
  try {
    await withClient(superuserUrl(config, ministry, 'postgres'), (c) => ensureServiceRoles(c, material.serviceRolePasswords(ministry)));
    await migrate(owner, ministry);
    await migrateExchangeSchema(owner);
    await withClient(owner, async (c) => {
      await prepareMinistryDatabase(c, otherMinistry(ministry));
      await grantServiceRights(c, otherMinistry(ministry));
    });
    await withClient(superuserUrl(config, ministry, database), async (c) => {
      for (const sql of superuserGrantStatements(otherMinistry(ministry))) await c.query(sql);
    });
  } catch (err) {
    throw new StackError(ministry, `preparing database ${database} with least-privilege roles failed: ${redactSecrets((err as Error).message)}`);
  }
}

/** The ACLs of the agreements in force now, applied to the secure stack's Kafka as `admin`. */
export async function syncStackAcls(config: Config, kafka: SecureKafkaCluster, o: { dryRun?: boolean; states?: readonly AgreementState[] } = {}): Promise<AclSyncResult> {
  const states = o.states ?? (await agreementStatesOf([stackOwnerUrl(config, 'cand'), stackOwnerUrl(config, 'qdnd')]));
  return syncAcls(kafka.client(ADMIN_PRINCIPAL, 'thahs-acl-sync'), deriveAcls(grantsInForce(states)), { dryRun: o.dryRun });
}
