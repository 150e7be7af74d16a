import { quarkusEnvName, secureRegistryProperties } from '../stack/schemaRegistry';
import { APICURIO_VERSION } from '../stack/versions';
import { type Manifest, PLATFORM_NAMESPACE } from './kafkaResources';
import { PLACEHOLDER } from './ministryResources';

/** The registry's users and their Apicurio roles: the same three as on the local secure stack. */
export const REGISTRY_ROLES = { 'registry-admin': 'sr-admin', 'registry-writer': 'sr-developer', 'registry-reader': 'sr-readonly' } as const;

/** The registry's environment in a container: the secure stack's settings, its users' file, its SQL storage. */
export function registryEnvironment(certFile: string, keyFile: string, usersFile: string, jdbcUrl: string): Record<string, string> {
  const props = {
    ...secureRegistryProperties(8443, certFile, keyFile),
    'quarkus.config.locations': usersFile,
    'apicurio.storage.kind': 'sql',
    'apicurio.storage.sql.kind': 'postgresql',
    'apicurio.datasource.url': jdbcUrl,
    'apicurio.datasource.username': 'apicurio',
  };
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [quarkusEnvName(k), v]));
}

/**
 * Apicurio Registry 3.0.9 on the platform: HTTPS only (certificate from a TLS Secret), HTTP basic
 * users with role-based authorization (embedded users; their passwords in a Secret rendered as a
 * Quarkus properties file), SQL storage in the platform's PostgreSQL over TLS.
 */
export function registryManifests(): Manifest[] {
  const labels = { app: 'thahs-registry' };
  const users = Object.entries(REGISTRY_ROLES).flatMap(([u, role]) => [
    `quarkus.security.users.embedded.users.${u}=${PLACEHOLDER}`,
    `quarkus.security.users.embedded.roles.${u}=${role}`,
  ]);
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'thahs-registry-users', namespace: PLATFORM_NAMESPACE, annotations: { 'thahs.vn/template': 'fill in every REPLACE_ME before applying' } },
      type: 'Opaque',
      stringData: {
        'registry.properties': [...users, `apicurio.datasource.password=${PLACEHOLDER}`, ''].join('\n'),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'thahs-registry', namespace: PLATFORM_NAMESPACE, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'registry',
                image: `quay.io/apicurio/apicurio-registry:${APICURIO_VERSION}`,
                ports: [{ name: 'https', containerPort: 8443 }],
                env: Object.entries(
                  registryEnvironment(
                    '/etc/registry/tls/tls.crt',
                    '/etc/registry/tls/tls.key',
                    '/etc/registry/users/registry.properties',
                    `jdbc:postgresql://${PLACEHOLDER}:5432/registry?sslmode=verify-full&sslrootcert=/etc/registry/pg-ca/ca.crt`,
                  ),
                ).map(([name, value]) => ({ name, value })),
                volumeMounts: [
                  { name: 'users', mountPath: '/etc/registry/users', readOnly: true },
                  { name: 'tls', mountPath: '/etc/registry/tls', readOnly: true },
                  { name: 'pg-ca', mountPath: '/etc/registry/pg-ca', readOnly: true },
                ],
                readinessProbe: { tcpSocket: { port: 8443 }, periodSeconds: 10 },
                resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '768Mi' } },
              },
            ],
            volumes: [
              { name: 'users', secret: { secretName: 'thahs-registry-users', defaultMode: 0o400 } },
              { name: 'tls', secret: { secretName: 'thahs-registry-tls' } },
              { name: 'pg-ca', configMap: { name: 'thahs-pg-ca' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'thahs-registry', namespace: PLATFORM_NAMESPACE },
      spec: { selector: labels, ports: [{ name: 'https', port: 8443, targetPort: 8443 }] },
    },
  ];
}
