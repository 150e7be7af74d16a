import type { Ministry } from '../contracts/contractTypes';
import { OWNER_ROLE, SERVICE_ROLES, otherMinistry } from '../db-roles';
import { servicePrincipal } from '../kafka-access';
import { CLUSTER_NAME, kafkaPasswordSecretName, type Manifest, PLATFORM_NAMESPACE } from './kafkaResources';

/** The image a site builds from this repository (deploy/compose/Dockerfile) and pushes to its registry. */
export const IMAGE = 'registry.example.invalid/thahs-exchange:REPLACE_WITH_RELEASE';
/** Every value a site must fill in before applying a template; no real secret is ever committed. */
export const PLACEHOLDER = 'REPLACE_ME';

export function namespaceOf(m: Ministry): string {
  return `thahs-${m}`;
}

const BOOTSTRAP = `${CLUSTER_NAME}-kafka-bootstrap.${PLATFORM_NAMESPACE}.svc:9093`;
const REGISTRY_URL = `https://thahs-registry.${PLATFORM_NAMESPACE}.svc:8443/apis/ccompat/v7`;

interface ServiceSpec {
  name: string;
  args: string[];
  principal: string;
  dbRole: string;
  registryUser: 'registry-writer' | 'registry-reader' | '';
}

/** The pipeline services one ministry runs, each with its own Kafka principal, database role and registry user. */
export function ministryServices(m: Ministry): ServiceSpec[] {
  const partner = otherMinistry(m);
  return [
    { name: 'cdc-producer', args: ['cdc-producer', '--ministry', m], principal: servicePrincipal('producer', m), dbRole: SERVICE_ROLES.producer, registryUser: 'registry-writer' },
    {
      name: 'apply-consumer',
      args: ['apply-consumer', '--receiver', m, '--provider', partner],
      principal: servicePrincipal('apply', m),
      dbRole: SERVICE_ROLES.apply,
      registryUser: 'registry-reader',
    },
    { name: 'agreement-sync', args: ['agreement', 'sync', '--ministry', m], principal: servicePrincipal('agreement-sync', m), dbRole: OWNER_ROLE, registryUser: '' },
  ];
}

/** Settings shared by a ministry's services (docs/deployment.md lists every variable). */
function configMap(m: Ministry): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'thahs-settings', namespace: namespaceOf(m) },
    data: {
      THAHS_STACK_PROFILE: 'secure',
      THAHS_KAFKA_BROKERS: BOOTSTRAP,
      THAHS_KAFKA_TLS: 'on',
      THAHS_KAFKA_TLS_CA_FILE: '/etc/thahs/kafka-ca/ca.crt',
      THAHS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      THAHS_KAFKA_CREDENTIALS_DIR: '',
      THAHS_REGISTRY_URL: REGISTRY_URL,
      THAHS_REGISTRY_CA_FILE: '/etc/thahs/registry-ca/ca.crt',
      THAHS_KEYS_DIR: '/etc/thahs/keys',
      THAHS_LOG_LEVEL: 'info',
      THAHS_ACCESS_AUDIT_OWN_SESSIONS: `${SERVICE_ROLES.apply}:thahs-apply-consumer-*`,
    },
  };
}

/**
 * Secret templates: one per credential, each holding PLACEHOLDER. The Kafka password of a principal
 * must equal the one in the platform namespace's Secret its KafkaUser reads.
 */
function secretTemplates(m: Ministry): Manifest[] {
  const ns = namespaceOf(m);
  const secret = (name: string, data: Record<string, string>, annotations: Record<string, string> = {}): Manifest => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, annotations: { 'thahs.vn/template': 'fill in every REPLACE_ME before applying', ...annotations } },
    type: 'Opaque',
    stringData: data,
  });
  const out: Manifest[] = [];
  for (const s of ministryServices(m)) {
    out.push(
      secret(`thahs-${s.name}`, {
        THAHS_KAFKA_SASL_USERNAME: s.principal,
        THAHS_KAFKA_SASL_PASSWORD: PLACEHOLDER,
        [`THAHS_${m.toUpperCase()}_PG_URL`]: `postgres://${s.dbRole}:${PLACEHOLDER}@${PLACEHOLDER}:5432/thahs?sslmode=verify-full&sslrootcert=/etc/thahs/pg-ca/ca.crt`,
        ...(s.registryUser ? { THAHS_REGISTRY_USERNAME: s.registryUser, THAHS_REGISTRY_PASSWORD: PLACEHOLDER } : {}),
      }),
    );
  }
  out.push(
    secret('thahs-db-owner', {
      [`THAHS_${m.toUpperCase()}_PG_URL`]: `postgres://${OWNER_ROLE}:${PLACEHOLDER}@${PLACEHOLDER}:5432/thahs?sslmode=verify-full&sslrootcert=/etc/thahs/pg-ca/ca.crt`,
    }),
  );
  out.push(secret('thahs-keys', { [`${PLACEHOLDER}.key.pem`]: PLACEHOLDER }, { 'thahs.vn/keys': 'party and ministry signing keys (thahs keys generate), one file per key' }));
  return out;
}

const volumes = [
  { name: 'kafka-ca', secret: { secretName: `${CLUSTER_NAME}-cluster-ca-cert`, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
  { name: 'registry-ca', configMap: { name: 'thahs-registry-ca' } },
  { name: 'pg-ca', configMap: { name: 'thahs-pg-ca' } },
  { name: 'keys', secret: { secretName: 'thahs-keys', defaultMode: 0o400 } },
];
const mounts = [
  { name: 'kafka-ca', mountPath: '/etc/thahs/kafka-ca', readOnly: true },
  { name: 'registry-ca', mountPath: '/etc/thahs/registry-ca', readOnly: true },
  { name: 'pg-ca', mountPath: '/etc/thahs/pg-ca', readOnly: true },
  { name: 'keys', mountPath: '/etc/thahs/keys', readOnly: true },
];

const securityContext = { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

function deployment(m: Ministry, s: ServiceSpec): Manifest {
  const labels = { app: `thahs-${s.name}`, 'thahs.vn/ministry': m };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `thahs-${s.name}`, namespace: namespaceOf(m), labels },
    spec: {
      // One replica: the producer holds the replication slot; more apply consumers share a group (issue 17, phase 2).
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: s.name,
              image: IMAGE,
              args: s.args,
              envFrom: [{ configMapRef: { name: 'thahs-settings' } }, { secretRef: { name: `thahs-${s.name}` } }],
              volumeMounts: mounts,
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext,
            },
          ],
          volumes,
        },
      },
    },
  };
}

/** The admin step before the services start: migrations and the partner store's bookkeeping, as the owner. */
function prepareJob(m: Ministry): Manifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'thahs-db-prepare', namespace: namespaceOf(m) },
    spec: {
      backoffLimit: 3,
      template: {
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'db-prepare',
              image: IMAGE,
              args: ['db', 'prepare', '--ministry', m],
              envFrom: [{ configMapRef: { name: 'thahs-settings' } }, { secretRef: { name: 'thahs-db-owner' } }],
              volumeMounts: mounts.filter((v) => v.name === 'pg-ca'),
              securityContext,
            },
          ],
          volumes: volumes.filter((v) => v.name === 'pg-ca'),
        },
      },
    },
  };
}

/** Everything one ministry applies in its namespace. */
export function ministryManifests(m: Ministry): Manifest[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespaceOf(m) } },
    configMap(m),
    ...secretTemplates(m),
    prepareJob(m),
    ...ministryServices(m).map((s) => deployment(m, s)),
  ];
}

/** The platform's Secret templates the KafkaUsers read their passwords from. */
export function platformSecretTemplates(principals: readonly string[]): Manifest[] {
  return principals.map((p) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: kafkaPasswordSecretName(p), namespace: PLATFORM_NAMESPACE, annotations: { 'thahs.vn/template': 'fill in every REPLACE_ME before applying' } },
    type: 'Opaque',
    stringData: { password: PLACEHOLDER },
  }));
}
