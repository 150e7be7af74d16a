import * as path from 'path';
import { parseOwnSessions } from '../access-audit/ownSessions';
import { ConfigError } from './configError';
import { repoRoot } from './repoRoot';

/**
 * Every setting the services read, with its environment variable, default and meaning. Keeping the
 * table in one place lets `thahs config` print the documentation the operators read, and lets the
 * loader reject a bad value by the name of the variable that carries it.
 */
export interface SettingSpec<T> {
  env: string;
  description: string;
  default: string;
  parse(raw: string): T;
}


function port(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error('must be a TCP port (1-65535)');
  return n;
}
function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error('must be a positive integer');
  return n;
}
function oneOf<T extends string>(...allowed: T[]) {
  return (raw: string): T => {
    if (!(allowed as string[]).includes(raw)) throw new Error(`must be one of ${allowed.join(', ')}`);
    return raw as T;
  };
}
function pgUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('must be a postgres:// URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error('must be a postgres:// URL');
  return raw;
}
function httpUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('must be an http(s):// URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('must be an http(s):// URL');
  return raw.replace(/\/+$/, '');
}
function brokers(raw: string): string[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('must list at least one host:port');
  for (const b of list) if (!/^[^:\s]+:\d{1,5}$/.test(b)) throw new Error(`"${b}" is not host:port`);
  return list;
}
function nonNegativeNumber(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error('must be a number ≥ 0');
  return n;
}
const text = (raw: string): string => raw;
const absPath = (raw: string): string => path.resolve(repoRoot(), raw);

export const settings = {
  stackDir: {
    env: 'THAHS_STACK_DIR',
    description: 'Folder holding the local stack: downloads, data directories, logs, keys (never committed)',
    default: '.stack',
    parse: absPath,
  },
  candPgPort: { env: 'THAHS_CAND_PG_PORT', description: 'Port of the local cand (Bộ Công an) PostgreSQL cluster', default: '15432', parse: port },
  qdndPgPort: { env: 'THAHS_QDND_PG_PORT', description: 'Port of the local qdnd (Bộ Quốc phòng) PostgreSQL cluster', default: '15433', parse: port },
  platformPgPort: {
    env: 'THAHS_PLATFORM_PG_PORT',
    description: 'Port of the exchange platform PostgreSQL cluster (schema registry storage; Art. 8.3 platform)',
    default: '15434',
    parse: port,
  },
  candPgUrl: { env: 'THAHS_CAND_PG_URL', description: 'Connection URL of the cand database', default: 'postgres://thahs@127.0.0.1:15432/thahs', parse: pgUrl },
  qdndPgUrl: { env: 'THAHS_QDND_PG_URL', description: 'Connection URL of the qdnd database', default: 'postgres://thahs@127.0.0.1:15433/thahs', parse: pgUrl },
  kafkaPort: { env: 'THAHS_KAFKA_PORT', description: 'Client port of the local Kafka broker', default: '19092', parse: port },
  kafkaControllerPort: { env: 'THAHS_KAFKA_CONTROLLER_PORT', description: 'KRaft controller port of the local Kafka node', default: '19093', parse: port },
  kafkaBrokers: { env: 'THAHS_KAFKA_BROKERS', description: 'Kafka bootstrap servers, comma-separated host:port', default: '127.0.0.1:19092', parse: brokers },
  registryPort: { env: 'THAHS_REGISTRY_PORT', description: 'HTTP port of the local schema registry', default: '18081', parse: port },
  registryUrl: {
    env: 'THAHS_REGISTRY_URL',
    description: 'Confluent-compatible schema registry API base URL',
    default: 'http://127.0.0.1:18081/apis/ccompat/v7',
    parse: httpUrl,
  },
  logLevel: { env: 'THAHS_LOG_LEVEL', description: 'winston log level', default: 'info', parse: oneOf('error', 'warn', 'info', 'debug') },
  keysDir: { env: 'THAHS_KEYS_DIR', description: 'Folder of the signing key files (Ed25519, PEM)', default: '.stack/keys', parse: absPath },
  metricsPort: { env: 'THAHS_METRICS_PORT', description: 'Port of the supervisor Prometheus /metrics and /health endpoint', default: '19400', parse: port },
  stackStartTimeoutSec: {
    env: 'THAHS_STACK_START_TIMEOUT_SEC',
    description: 'How long the stack manager waits for a server to answer before giving up',
    default: '240',
    parse: positiveInt,
  },
  kafkaHeapMb: { env: 'THAHS_KAFKA_HEAP_MB', description: 'Java heap of the local Kafka broker (MiB)', default: '768', parse: positiveInt },
  registryHeapMb: { env: 'THAHS_REGISTRY_HEAP_MB', description: 'Java heap of the local schema registry (MiB)', default: '512', parse: positiveInt },
  pgHost: { env: 'THAHS_PG_HOST', description: 'Host the local PostgreSQL clusters listen on', default: '127.0.0.1', parse: text },
  demo: {
    env: 'THAHS_DEMO',
    description:
      '`npm start` on the local stack: `on` puts the example agreements of deploy/agreements in force (party keys in THAHS_KEYS_DIR), seeds empty ministry databases and runs a gentle workload; `off` runs the pipeline only',
    default: 'on',
    parse: oneOf('on', 'off'),
  },
  demoRate: {
    env: 'THAHS_DEMO_RATE',
    description: 'Row changes per second the local demo workload makes in each ministry database (0: seed only, no workload)',
    default: '5',
    parse: nonNegativeNumber,
  },
  accessAuditIntervalSec: {
    env: 'THAHS_ACCESS_AUDIT_INTERVAL_SEC',
    description: 'How often `npm start` collects the reads of partner data pgaudit logged into each ministry database\'s access log (Art. 5.4)',
    default: '30',
    parse: positiveInt,
  },
  accessAuditOwnSessions: {
    env: 'THAHS_ACCESS_AUDIT_OWN_SESSIONS',
    description:
      'Sessions whose audited reads are the project\'s own and not collected as undeclared reads: comma-separated `role:application_name`, the name may end in `*` (its beginning). Both must match: set the service\'s role, not just a name any client could choose',
    default: 'thahs:thahs-apply-consumer-*',
    parse: parseOwnSessions,
  },
  applyFetchWaitMs: {
    env: 'THAHS_APPLY_FETCH_WAIT_MS',
    description:
      'Longest time Kafka holds an apply consumer\'s fetch while gathering 4 MiB of events: fuller fetches mean more events per database transaction and a third less CPU per event at 2,000 events/s, for at most this much added latency',
    default: '100',
    parse: nonNegativeNumber,
  },
} satisfies Record<string, SettingSpec<unknown>>;

export type Settings = typeof settings;
export type Config = { [K in keyof Settings]: ReturnType<Settings[K]['parse']> };

/** Reads every setting from `env`, failing on the first bad one with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Partial<Record<keyof Settings, unknown>> = {};
  for (const key of Object.keys(settings) as (keyof Settings)[]) {
    const spec = settings[key] as SettingSpec<unknown>;
    const raw = env[spec.env] ?? spec.default;
    try {
      out[key] = spec.parse(raw);
    } catch (err) {
      throw new ConfigError(spec.env, raw, err instanceof Error ? err.message : String(err));
    }
  }
  return out as Config;
}

/** The settings table as Markdown, for README and `thahs config`. */
export function describeSettings(): string {
  const rows = Object.values(settings).map((s) => `| \`${s.env}\` | \`${s.default}\` | ${s.description} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
