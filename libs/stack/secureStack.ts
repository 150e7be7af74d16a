import { Client } from 'pg';
import { migrateExchangeSchema } from '../agreement-exchange';
import type { AgreementState } from '../agreements';
import { caFile, type Config, redactSecrets, securePgUrl, tlsDir } from '../config';
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

export function secureMaterial(stackDir: string): SecureMaterial {
  const ca = new CertificateAuthority(tlsDir(stackDir));
  ca.ensure();
  const postgres = ca.server('postgres', 'thahs-postgres');
  const registry = ca.server('registry', 'thahs-registry');
  const kafkaPasswords = Object.fromEntries(allPrincipals().map((p) => [p, ensureSecret(stackDir, 'kafka', p)]));
  return {
    caFile: caFile(stackDir),
    kafkaNode: ca.server('kafka-node', NODE_CN),
    registry,
    postgres,
    kafkaPasswords,
    pg: (cluster, ownerRole) => ({
      certFile: postgres.certFile,
      keyFile: postgres.keyFile,
      caFile: caFile(stackDir),
      superuserPassword: ensureSecret(stackDir, 'pg', `${cluster}.postgres`),
      rolePassword: ensureSecret(stackDir, 'pg', `${cluster}.${ownerRole}`),
    }),
    serviceRolePasswords: (cluster) =>
      Object.fromEntries((Object.keys(SERVICE_ROLES) as ServiceRoleKind[]).map((k) => [k, ensureSecret(stackDir, 'pg', `${cluster}.${SERVICE_ROLES[k]}`)])) as Record<
        ServiceRoleKind,
        string
      >,
    registrySecurity: (propertiesFile, jdbcPassword) => ({
      certFile: registry.certFile,
      keyFile: registry.keyFile,
      caFile: caFile(stackDir),
      jdbcPassword,
      users: REGISTRY_USERS.map((u) => ({ ...u, password: ensureSecret(stackDir, 'registry', u.name) })),
      adminUser: 'registry-admin',
      propertiesFile,
    }),
  };
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
