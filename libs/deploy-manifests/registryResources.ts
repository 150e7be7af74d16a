import { APICURIO_VERSION } from '../stack/versions';
import { type Manifest, PLATFORM_NAMESPACE } from './kafkaResources';
import { PLACEHOLDER } from './ministryResources';

/** The registry's users and their Apicurio roles: the same three as on the local secure stack. */
export const REGISTRY_ROLES = { 'registry-admin': 'sr-admin', 'registry-writer': 'sr-developer', 'registry-reader': 'sr-readonly' } as const;

/**
 * Apicurio Registry 3.0.9 on the platform: HTTPS only (certificate from a TLS Secret), HTTP basic
 * users with role-based authorization (embedded users; their passwords in a Secret rendered as a
 * Quarkus properties file), SQL storage in the platform's PostgreSQL over TLS.
 */
export function registryManifests(): Manifest[] {
  const labels = { app: 'thahs-registry' };
  const users = Object.entries(REGISTRY_ROLES).flatMap(([u, role]) => [`quarkus.security.users.embedded.users.${u}=${PLACEHOLDER}`, `quarkus.security.users.embedded.roles.${u}=${role}`]);
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
                env: [
                  { name: 'QUARKUS_CONFIG_LOCATIONS', value: '/etc/registry/users/registry.properties' },
                  { name: 'QUARKUS_HTTP_SSL_PORT', value: '8443' },
                  { name: 'QUARKUS_HTTP_INSECURE_REQUESTS', value: 'disabled' },
                  { name: 'QUARKUS_HTTP_SSL_CERTIFICATE_FILES', value: '/etc/registry/tls/tls.crt' },
                  { name: 'QUARKUS_HTTP_SSL_CERTIFICATE_KEY_FILES', value: '/etc/registry/tls/tls.key' },
                  { name: 'QUARKUS_HTTP_AUTH_BASIC', value: 'true' },
                  { name: 'QUARKUS_HTTP_AUTH_PERMISSION_AUTHENTICATED_PATHS', value: '/*' },
                  { name: 'QUARKUS_HTTP_AUTH_PERMISSION_AUTHENTICATED_POLICY', value: 'authenticated' },
                  { name: 'QUARKUS_SECURITY_USERS_EMBEDDED_ENABLED', value: 'true' },
                  { name: 'QUARKUS_SECURITY_USERS_EMBEDDED_PLAIN_TEXT', value: 'true' },
                  { name: 'APICURIO_AUTH_ROLE_BASED_AUTHORIZATION', value: 'true' },
                  { name: 'APICURIO_STORAGE_KIND', value: 'sql' },
                  { name: 'APICURIO_STORAGE_SQL_KIND', value: 'postgresql' },
                  { name: 'APICURIO_DATASOURCE_URL', value: `jdbc:postgresql://${PLACEHOLDER}:5432/registry?sslmode=verify-full&sslrootcert=/etc/registry/pg-ca/ca.crt` },
                  { name: 'APICURIO_DATASOURCE_USERNAME', value: 'apicurio' },
                ],
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
