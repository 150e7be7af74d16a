import * as path from 'path';
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
    return `http://${this.spec.host}:${this.spec.port}`;
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
        'apicurio.datasource.password': '',
        // Test runs clean up the subjects they register.
        'apicurio.rest.deletion.artifact.enabled': 'true',
        'apicurio.rest.deletion.artifact-version.enabled': 'true',
        'apicurio.rest.deletion.group.enabled': 'true',
        'quarkus.log.level': 'INFO',
      };
      const args = [
        `-Xmx${this.spec.heapMb}m`,
        '-XX:+UseSerialGC',
        ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`),
        '-jar',
        registryJar(this.home),
      ];
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
      const res = await fetch(`${this.ccompatUrl}/subjects`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** The registry-wide rule: a new schema version must read data written with the previous one. */
  private async setDefaultCompatibility(level: string): Promise<void> {
    const res = await fetch(`${this.ccompatUrl}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: level }),
    });
    if (!res.ok) throw new StackError('registry', `setting default compatibility failed: HTTP ${res.status} ${await res.text()}`, this.logFile);
  }
}
