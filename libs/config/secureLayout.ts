import * as fs from 'fs';
import * as path from 'path';

/**
 * Where the `secure` profile of the local stack keeps what it generates, inside its stack folder
 * (never committed): the certificate authority and server certificates, and one file per generated
 * password. The stack manager writes these files; the settings read them for the profile's defaults,
 * so a client of the local secure stack needs no variable set beyond THAHS_STACK_PROFILE=secure.
 */
export type SecretKind = 'pg' | 'kafka' | 'registry';

export function tlsDir(stackDir: string): string {
  return path.join(stackDir, 'tls');
}

/** The CA every server certificate of the secure stack is signed by (PEM). */
export function caFile(stackDir: string): string {
  return path.join(tlsDir(stackDir), 'ca.pem');
}

export function secretsDir(stackDir: string, kind: SecretKind): string {
  return path.join(stackDir, 'secrets', kind);
}

/** `<stackDir>/secrets/<kind>/<name>.password`; for PostgreSQL the name is `<cluster>.<role>`. */
export function secretFile(stackDir: string, kind: SecretKind, name: string): string {
  return path.join(secretsDir(stackDir, kind), `${name}.password`);
}

/** The stored password, or '' while the stack has not generated it yet. */
export function readSecret(stackDir: string, kind: SecretKind, name: string): string {
  try {
    return fs.readFileSync(secretFile(stackDir, kind, name), 'utf8').trim();
  } catch {
    return '';
  }
}

/** Ports of the secure profile: a range of their own, so it runs beside the plain stack. */
export const SECURE_PORTS = {
  candPg: 25432,
  qdndPg: 25433,
  platformPg: 25434,
  kafka: 29092,
  kafkaController: 29192,
  registry: 28081,
} as const;

/** Brokers of the secure profile: node n listens for clients on port + n - 1. */
export const SECURE_KAFKA_NODES = 3;

/**
 * A PostgreSQL URL of the secure profile: TLS verified against the stack's CA (host name included)
 * and the role's generated password, as node-postgres and libpq read them from the URL.
 */
export function securePgUrl(stackDir: string, cluster: string, role: string, port: number, database: string, host = '127.0.0.1'): string {
  const password = readSecret(stackDir, 'pg', `${cluster}.${role}`);
  const auth = password ? `${encodeURIComponent(role)}:${encodeURIComponent(password)}` : encodeURIComponent(role);
  return `postgres://${auth}@${host}:${port}/${database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile(stackDir))}`;
}
