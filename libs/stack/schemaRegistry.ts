import * as fs from 'fs';
import * as path from 'path';
import { registryFetch, type FetchLike } from '../registry-client';
import { isAlive, readPid, startDetached, stopProcess, waitUntil } from './processControl';
import { StackError } from './stackError';
import { registryJar } from './mavenResolver';

export interface RegistrySpec {
  host: string;
  port: number;
  heapMb: number;
  /** JDBC URL of the PostgreSQL database holding the registry's schemas (SQL storage). */
  jdbcUrl: string;
  jdbcUser: string;
  /** The secure profile: HTTPS only, HTTP basic users with registry roles, a password for the storage. */
  security?: RegistrySecurity;
}

export type RegistryRole = 'sr-admin' | 'sr-developer' | 'sr-readonly';

/**
 * The registry's security settings without secrets (the local secure stack, deploy/k8s and deploy/compose
 * all use these): HTTPS only from PEM files, HTTP basic with embedded users on every path, Apicurio's
 * role-based authorization.
 */
export function secureRegistryProperties(tlsPort: number, certFile: string, keyFile: string): Record<string, string> {
  return {
    'quarkus.http.ssl-port': String(tlsPort),
    // No plain port is opened: insecure requests are refused outright.
    'quarkus.http.insecure-requests': 'disabled',
    'quarkus.http.ssl.certificate.files': certFile,
    'quarkus.http.ssl.certificate.key-files': keyFile,
    'quarkus.http.ssl.protocols': 'TLSv1.3,TLSv1.2',
    'quarkus.http.auth.basic': 'true',
    'quarkus.http.auth.permission.authenticated.paths': '/*',
    'quarkus.http.auth.permission.authenticated.policy': 'authenticated',
    'quarkus.security.users.embedded.enabled': 'true',
    'quarkus.security.users.embedded.plain-text': 'true',
    'apicurio.auth.role-based-authorization': 'true',
  };
}

/** A Quarkus property as the environment variable Quarkus reads it from (`quarkus.http.ssl-port` → `QUARKUS_HTTP_SSL_PORT`). */
export function quarkusEnvName(property: string): string {
  return property.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export interface RegistrySecurity {
  certFile: string;
  keyFile: string;
  caFile: string;
  jdbcPassword: string;
  users: readonly { name: string; password: string; role: RegistryRole }[];
  /** The user the stack manager itself acts as (sets the compatibility rule): an sr-admin. */
  adminUser: string;
  /** Where the passwords go (0600), instead of the command line. */
  propertiesFile: string;
}

/**
 * Apicurio Registry with SQL storage on the platform PostgreSQL cluster: schema ids must survive
 * restarts, or every event already on Kafka would become undecodable.
 */
export class SchemaRegistry {
  readonly logFile: string;
  private readonly pidFile: string;

  constructor(
    private readonly spec: RegistrySpec,
    private readonly java: string,
    private readonly home: string,
    dirs: { logs: string; run: string },
  ) {
    this.logFile = path.join(dirs.logs, 'registry.log');
    this.pidFile = path.join(dirs.run, 'registry.pid');
  }

  get baseUrl(): string {
    return `${this.spec.security ? 'https' : 'http'}://${this.spec.host}:${this.spec.port}`;
  }

  private fetchCache?: FetchLike;
  /** fetch as the stack's admin user, trusting the stack's CA (plain profile: the global fetch). */
  private get fetch(): FetchLike {
    const sec = this.spec.security;
    if (!sec) return fetch;
    if (!this.fetchCache) {
      const admin = sec.users.find((u) => u.name === sec.adminUser);
      this.fetchCache = registryFetch({ url: this.baseUrl, ca: fs.readFileSync(sec.caFile, 'utf8'), username: sec.adminUser, password: admin?.password });
    }
    return this.fetchCache;
  }

  /**
   * Quarkus settings of the secure profile: TLS from PEM files and no plain HTTP; HTTP basic with
   * embedded users (quarkus-elytron-security-properties-file, part of Apicurio's build) and every
   * path requiring an authenticated user; Apicurio's role-based authorization maps sr-admin,
   * sr-developer (producers: register schemas) and sr-readonly (consumers). Written to a 0600 file,
   * so no password is on a command line.
   */
  private secureProperties(sec: RegistrySecurity): Record<string, string> {
    const props: Record<string, string> = {
      ...secureRegistryProperties(this.spec.port, sec.certFile, sec.keyFile),
      'apicurio.datasource.password': sec.jdbcPassword,
    };
    for (const u of sec.users) {
      props[`quarkus.security.users.embedded.users.${u.name}`] = u.password;
      props[`quarkus.security.users.embedded.roles.${u.name}`] = u.role;
    }
    return props;
  }

  get ccompatUrl(): string {
    return `${this.baseUrl}/apis/ccompat/v7`;
  }

  pid(): number | undefined {
    const pid = readPid(this.pidFile);
    return isAlive(pid) ? pid : undefined;
  }

  async start(timeoutMs: number): Promise<void> {
    if (!(await this.answers())) {
      const props: Record<string, string> = {
        'quarkus.http.host': this.spec.host,
        'quarkus.http.port': String(this.spec.port),
        'apicurio.storage.kind': 'sql',
        'apicurio.storage.sql.kind': 'postgresql',
        'apicurio.datasource.url': this.spec.jdbcUrl,
        'apicurio.datasource.username': this.spec.jdbcUser,
        ...(this.spec.security ? {} : { 'apicurio.datasource.password': '' }),
        // Test runs clean up the subjects they register.
        'apicurio.rest.deletion.artifact.enabled': 'true',
        'apicurio.rest.deletion.artifact-version.enabled': 'true',
        'apicurio.rest.deletion.group.enabled': 'true',
        'quarkus.log.level': 'INFO',
        // Apicurio opens 20 pooled connections at start with a 5 s acquisition timeout: on two shared cores
        // under load, with TLS and SCRAM in the secure profile, start-up failed on "Acquisition timeout".
        // A local registry serves a handful of clients: a small pool, and time to open it.
        'apicurio.datasource.jdbc.initial-size': '2',
        'apicurio.datasource.jdbc.min-size': '2',
        'apicurio.datasource.jdbc.max-size': '20',
        'quarkus.datasource.postgresql.jdbc.acquisition-timeout': '60S',
      };
      const sec = this.spec.security;
      if (sec) {
        const text = Object.entries(this.secureProperties(sec)).map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`);
        fs.writeFileSync(sec.propertiesFile, `# written by the thahs stack manager (secure profile); holds passwords: 0600\n${text.join('\n')}\n`, { mode: 0o600 });
        fs.chmodSync(sec.propertiesFile, 0o600);
        props['quarkus.config.locations'] = sec.propertiesFile;
        // Not bound (insecure requests are disabled), but it must differ from the TLS port.
        props['quarkus.http.port'] = String(this.spec.port + 1000);
      }
      const args = [`-Xmx${this.spec.heapMb}m`, '-XX:+UseSerialGC', ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`), '-jar', registryJar(this.home)];
      const pid = this.pid() ?? startDetached(this.java, args, this.logFile, this.pidFile, process.env, this.home);
      await waitUntil('registry', () => this.answers(), timeoutMs, this.logFile, pid);
    }
    await this.setDefaultCompatibility('BACKWARD');
  }

  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid !== undefined) await stopProcess(pid, 20000);
  }

  async answers(): Promise<boolean> {
    try {
      const res = await this.fetch(`${this.ccompatUrl}/subjects`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** The registry-wide rule: a new schema version must read data written with the previous one. */
  private async setDefaultCompatibility(level: string): Promise<void> {
    const res = await this.fetch(`${this.ccompatUrl}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: level }),
    });
    if (!res.ok) throw new StackError('registry', `setting default compatibility failed: HTTP ${res.status} ${await res.text()}`, this.logFile);
  }
}
