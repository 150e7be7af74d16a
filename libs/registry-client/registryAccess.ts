import * as fs from 'fs';
import * as https from 'https';
import type { Config } from '../config';

/** How clients reach the schema registry: its URL, the CA of its certificate, HTTP basic credentials. */
export interface RegistryAccess {
  url: string;
  /** PEM of the CA that signed the registry's certificate (undefined: the system's CAs). */
  ca?: string;
  username?: string;
  password?: string;
}

export class RegistryAccessError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`schema registry access (${setting}): ${message}`);
    this.name = 'RegistryAccessError';
  }
}

export function registryAccess(config: Pick<Config, 'registryUrl' | 'registryCaFile' | 'registryUsername' | 'registryPassword'>): RegistryAccess {
  const out: RegistryAccess = { url: config.registryUrl };
  if (config.registryCaFile) {
    try {
      out.ca = fs.readFileSync(config.registryCaFile, 'utf8');
    } catch (err) {
      throw new RegistryAccessError('THAHS_REGISTRY_CA_FILE', `cannot read ${config.registryCaFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (config.registryUsername) {
    if (!config.registryPassword) throw new RegistryAccessError('THAHS_REGISTRY_PASSWORD', `empty for user ${config.registryUsername}`);
    if (!config.registryUrl.startsWith('https:')) throw new RegistryAccessError('THAHS_REGISTRY_URL', 'credentials are only sent over https');
    out.username = config.registryUsername;
    out.password = config.registryPassword;
  }
  return out;
}

/** The Authorization header value, or undefined without credentials. */
export function basicAuthorization(a: RegistryAccess): string | undefined {
  return a.username === undefined ? undefined : `Basic ${Buffer.from(`${a.username}:${a.password ?? ''}`).toString('base64')}`;
}

/**
 * An https agent trusting the registry's CA (keep-alive: lookups come in bursts), for
 * @kafkajs/confluent-schema-registry's `agent` option; undefined for http or the system's CAs.
 */
export function registryAgent(a: RegistryAccess): https.Agent | undefined {
  if (!a.url.startsWith('https:') || a.ca === undefined) return undefined;
  return new https.Agent({ ca: a.ca, keepAlive: true, maxSockets: 8 });
}

/**
 * The first argument of `new SchemaRegistry(...)` from @kafkajs/confluent-schema-registry:
 * `new SchemaRegistry(registryClientArgs(registryAccess(config)), options)`.
 */
export function registryClientArgs(a: RegistryAccess): { host: string; auth?: { username: string; password: string }; agent?: https.Agent } {
  const agent = registryAgent(a);
  return {
    host: a.url,
    ...(a.username !== undefined ? { auth: { username: a.username, password: a.password ?? '' } } : {}),
    ...(agent ? { agent } : {}),
  };
}
