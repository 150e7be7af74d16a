import * as path from 'path';
import { parseOwnSessions } from '../access-audit/ownSessions';
import { DEFAULT_RECONCILE_SCHEDULE, parseReconcileSchedule } from '../reconcile/reconcileSchedule';
import { ConfigError } from './configError';
import { repoRoot } from './repoRoot';
import { caFile, readSecret, SECURE_KAFKA_NODES, SECURE_PORTS, secretsDir, securePgUrl } from './secureLayout';

/**
 * Every setting the services read, with its environment variable, default and meaning. Keeping the
 * table in one place lets `thahs config` print the documentation the operators read, and lets the
 * loader reject a bad value by the name of the variable that carries it.
 */
export interface SettingSpec<T> {
  env: string;
  description: string;
  default: string;
  /**
   * The default under THAHS_STACK_PROFILE=secure, when it differs: text, or computed from the
   * settings read before it (the secure stack's ports, folder and generated passwords).
   */
  secureDefault?: string | ((before: SettingsReadBefore) => string);
  /** How the documentation shows a computed secure default. */
  secureDefaultText?: string;
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
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
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

export const STACK_PROFILES = ['plain', 'secure'] as const;
export type StackProfile = (typeof STACK_PROFILES)[number];

function booleanSwitch(raw: string): boolean {
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error('must be on or off');
}
function optionalPath(raw: string): string {
  return raw.trim() === '' ? '' : path.resolve(repoRoot(), raw);
}
const SASL_MECHANISMS = ['none', 'scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type SaslMechanismSetting = (typeof SASL_MECHANISMS)[number];

/** What a computed secure default may use: settings defined (so read) before it. */
export interface SettingsReadBefore {
  stackDir?: string;
  candPgPort?: number;
  qdndPgPort?: number;
  kafkaPort?: number;
  registryPort?: number;
}
/** A setting computed from the secure stack folder read before it. */
const inStack =
  (f: (stackDir: string, c: SettingsReadBefore) => string) =>
  (c: SettingsReadBefore): string =>
    f(c.stackDir!, c);

export const settings = {
  stackProfile: {
    env: 'THAHS_STACK_PROFILE',
    description:
      'Which local stack the programs use: `plain` (one broker, no TLS, trust authentication: for newcomers) or `secure` (three brokers with TLS, SASL/SCRAM and ACLs, registry and PostgreSQL with TLS and passwords, least-privilege database roles; its own folder and ports). It changes the defaults of the settings below that name a secure default',
    default: 'plain',
    parse: oneOf(...STACK_PROFILES),
  },
  stackDir: {
    env: 'THAHS_STACK_DIR',
    description: 'Folder holding the local stack: downloads, data directories, logs, keys (never committed)',
    default: '.stack',
    secureDefault: '.stack-secure',
    parse: absPath,
  },
  candPgPort: {
    env: 'THAHS_CAND_PG_PORT',
    description: 'Port of the local cand (Bộ Công an) PostgreSQL cluster',
    default: '15432',
    secureDefault: String(SECURE_PORTS.candPg),
    parse: port,
  },
  qdndPgPort: {
    env: 'THAHS_QDND_PG_PORT',
    description: 'Port of the local qdnd (Bộ Quốc phòng) PostgreSQL cluster',
    default: '15433',
    secureDefault: String(SECURE_PORTS.qdndPg),
    parse: port,
  },
  platformPgPort: {
    env: 'THAHS_PLATFORM_PG_PORT',
    description: 'Port of the exchange platform PostgreSQL cluster (schema registry storage; Art. 8.3 platform)',
    default: '15434',
    secureDefault: String(SECURE_PORTS.platformPg),
    parse: port,
  },
  candPgUrl: {
    env: 'THAHS_CAND_PG_URL',
    description: 'Connection URL of the cand database (its owner role: migrations, tests). A password in it is never printed',
    default: 'postgres://thahs@127.0.0.1:15432/thahs',
    secureDefault: inStack((d, c) => securePgUrl(d, 'cand', 'thahs', c.candPgPort!, 'thahs')),
    secureDefaultText: 'postgres://thahs:<generated>@127.0.0.1:25432/thahs?sslmode=verify-full&sslrootcert=<stack>/tls/ca.pem',
    parse: pgUrl,
  },
  qdndPgUrl: {
    env: 'THAHS_QDND_PG_URL',
    description: 'Connection URL of the qdnd database (its owner role: migrations, tests). A password in it is never printed',
    default: 'postgres://thahs@127.0.0.1:15433/thahs',
    secureDefault: inStack((d, c) => securePgUrl(d, 'qdnd', 'thahs', c.qdndPgPort!, 'thahs')),
    secureDefaultText: 'postgres://thahs:<generated>@127.0.0.1:25433/thahs?sslmode=verify-full&sslrootcert=<stack>/tls/ca.pem',
    parse: pgUrl,
  },
  kafkaPort: {
    env: 'THAHS_KAFKA_PORT',
    description: 'Client port of the local Kafka broker (secure profile: of its first broker; broker n listens on this port + n - 1)',
    default: '19092',
    secureDefault: String(SECURE_PORTS.kafka),
    parse: port,
  },
  kafkaControllerPort: {
    env: 'THAHS_KAFKA_CONTROLLER_PORT',
    description: 'KRaft controller port of the local Kafka node (secure profile: of its first node, the others follow)',
    default: '19093',
    secureDefault: String(SECURE_PORTS.kafkaController),
    parse: port,
  },
  kafkaBrokers: {
    env: 'THAHS_KAFKA_BROKERS',
    description: 'Kafka bootstrap servers, comma-separated host:port',
    default: '127.0.0.1:19092',
    secureDefault: (c: SettingsReadBefore) => Array.from({ length: SECURE_KAFKA_NODES }, (_, i) => `127.0.0.1:${c.kafkaPort! + i}`).join(','),
    secureDefaultText: '127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094',
    parse: brokers,
  },
  registryPort: {
    env: 'THAHS_REGISTRY_PORT',
    description: 'HTTP port of the local schema registry (HTTPS in the secure profile)',
    default: '18081',
    secureDefault: String(SECURE_PORTS.registry),
    parse: port,
  },
  registryUrl: {
    env: 'THAHS_REGISTRY_URL',
    description: 'Confluent-compatible schema registry API base URL',
    default: 'http://127.0.0.1:18081/apis/ccompat/v7',
    secureDefault: (c: SettingsReadBefore) => `https://127.0.0.1:${c.registryPort!}/apis/ccompat/v7`,
    secureDefaultText: 'https://127.0.0.1:28081/apis/ccompat/v7',
    parse: httpUrl,
  },
  logLevel: { env: 'THAHS_LOG_LEVEL', description: 'winston log level', default: 'info', parse: oneOf('error', 'warn', 'info', 'debug') },
  keysDir: { env: 'THAHS_KEYS_DIR', description: 'Folder of the signing key files (Ed25519, PEM)', default: '.stack/keys', secureDefault: '.stack-secure/keys', parse: absPath },
  metricsPort: { env: 'THAHS_METRICS_PORT', description: 'Port of the supervisor Prometheus /metrics and /health endpoint', default: '19400', parse: port },
  stackStartTimeoutSec: {
    env: 'THAHS_STACK_START_TIMEOUT_SEC',
    description: 'How long the stack manager waits for a server to answer before giving up',
    default: '240',
    parse: positiveInt,
  },
  kafkaHeapMb: {
    env: 'THAHS_KAFKA_HEAP_MB',
    description: 'Java heap of the local Kafka broker (MiB; secure profile: of each of its three)',
    default: '768',
    secureDefault: '512',
    parse: positiveInt,
  },
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
    description: "How often `npm start` collects the reads of partner data pgaudit logged into each ministry database's access log (Art. 5.4)",
    default: '30',
    parse: positiveInt,
  },
  accessAuditOwnSessions: {
    env: 'THAHS_ACCESS_AUDIT_OWN_SESSIONS',
    description:
      "Sessions whose audited reads are the project's own and not collected as undeclared reads: comma-separated `role:application_name`, the name may end in `*` (its beginning). Both must match: set the service's role, not just a name any client could choose",
    default: 'thahs:thahs-apply-consumer-*',
    // The secure profile's apply consumer logs in as a role of its own, which no other service or person holds.
    secureDefault: 'thahs_apply:thahs-apply-consumer-*',
    parse: parseOwnSessions,
  },
  applyFetchWaitMs: {
    env: 'THAHS_APPLY_FETCH_WAIT_MS',
    description:
      "Longest time Kafka holds an apply consumer's fetch while gathering 4 MiB of events: fuller fetches mean more events per database transaction and a third less CPU per event at 2,000 events/s, for at most this much added latency",
    default: '100',
    parse: nonNegativeNumber,
  },
  reconcileSchedule: {
    env: 'THAHS_RECONCILE_SCHEDULE',
    description:
      "When `npm start` reconciles every agreement its databases receive under (Art. 5): entries `<full|incremental> <yearly MM-DD|monthly DD|daily> HH:MM` separated by `;`, in Vietnam's time (UTC+07:00), or `off`",
    default: DEFAULT_RECONCILE_SCHEDULE,
    parse: parseReconcileSchedule,
  },
  applyStallSec: {
    env: 'THAHS_APPLY_STALL_SEC',
    description:
      'An apply consumer partition with events waiting that applies none for this long is reported stalled (error log, thahs_apply_partition_stalled, /health): a record it keeps failing on, an outage it keeps retrying through',
    default: '120',
    parse: nonNegativeNumber,
  },
  applyWatermarkAllowanceSec: {
    env: 'THAHS_APPLY_WATERMARK_ALLOWANCE_SEC',
    description:
      "How long after the provider's signed watermark announced an event an apply consumer may take to see it before alarming (thahs_apply_event_gaps_total); no valid watermark for twice the producer's heartbeat interval plus this is an alarm too (thahs_apply_watermark_missing)",
    default: '30',
    parse: nonNegativeNumber,
  },
  kafkaTls: {
    env: 'THAHS_KAFKA_TLS',
    description: "`on`: clients reach Kafka over TLS, verifying the brokers' certificates (against THAHS_KAFKA_TLS_CA_FILE when set, else the system's CAs)",
    default: 'off',
    secureDefault: 'on',
    parse: booleanSwitch,
  },
  kafkaTlsCaFile: {
    env: 'THAHS_KAFKA_TLS_CA_FILE',
    description: "PEM file of the CA that signed the Kafka brokers' certificates (empty: the system's CAs)",
    default: '',
    secureDefault: inStack((d) => caFile(d)),
    secureDefaultText: '<stack>/tls/ca.pem',
    parse: optionalPath,
  },
  kafkaSaslMechanism: {
    env: 'THAHS_KAFKA_SASL_MECHANISM',
    description: 'SASL mechanism clients authenticate to Kafka with: none, scram-sha-512, scram-sha-256 or plain (plain only over TLS)',
    default: 'none',
    secureDefault: 'scram-sha-512',
    parse: oneOf(...SASL_MECHANISMS),
  },
  kafkaSaslUsername: {
    env: 'THAHS_KAFKA_SASL_USERNAME',
    description:
      'Kafka principal every client of this process authenticates as (a deployment runs one service per process and sets it, e.g. producer-cand). Empty: each service picks its own principal (producer-<ministry>, apply-<receiver>, agreement-sync-<ministry>, operator) and reads its password from THAHS_KAFKA_CREDENTIALS_DIR',
    default: '',
    parse: text,
  },
  kafkaSaslPassword: {
    env: 'THAHS_KAFKA_SASL_PASSWORD',
    description: 'Password of THAHS_KAFKA_SASL_USERNAME (from a secret; never logged)',
    default: '',
    parse: text,
  },
  kafkaCredentialsDir: {
    env: 'THAHS_KAFKA_CREDENTIALS_DIR',
    description: 'Folder of `<principal>.password` files, one per Kafka principal, for a process that runs several services (npm start, the local secure stack)',
    default: '',
    secureDefault: inStack((d) => secretsDir(d, 'kafka')),
    secureDefaultText: '<stack>/secrets/kafka',
    parse: optionalPath,
  },
  registryCaFile: {
    env: 'THAHS_REGISTRY_CA_FILE',
    description: "PEM file of the CA that signed the schema registry's HTTPS certificate (empty: the system's CAs)",
    default: '',
    secureDefault: inStack((d) => caFile(d)),
    secureDefaultText: '<stack>/tls/ca.pem',
    parse: optionalPath,
  },
  registryUsername: {
    env: 'THAHS_REGISTRY_USERNAME',
    description: 'User the clients authenticate to the schema registry as (HTTP basic over TLS; empty: none). Producers need a writer, consumers a reader',
    default: '',
    secureDefault: 'registry-writer',
    parse: text,
  },
  registryPassword: {
    env: 'THAHS_REGISTRY_PASSWORD',
    description: 'Password of THAHS_REGISTRY_USERNAME (from a secret; never logged)',
    default: '',
    secureDefault: inStack((d) => readSecret(d, 'registry', 'registry-writer')),
    secureDefaultText: '<generated>',
    parse: text,
  },
} satisfies Record<string, SettingSpec<unknown>>;

export type Settings = typeof settings;
export type Config = { [K in keyof Settings]: ReturnType<Settings[K]['parse']> };

/** Reads every setting from `env`, failing on the first bad one with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Partial<Record<keyof Settings, unknown>> = {};
  const secure = (env[settings.stackProfile.env] ?? settings.stackProfile.default) === 'secure';
  for (const key of Object.keys(settings) as (keyof Settings)[]) {
    const spec = settings[key] as SettingSpec<unknown>;
    const raw = env[spec.env] ?? (secure && spec.secureDefault !== undefined ? profileDefault(spec, out as SettingsReadBefore) : spec.default);
    try {
      out[key] = spec.parse(raw);
    } catch (err) {
      throw new ConfigError(spec.env, raw, err instanceof Error ? err.message : String(err));
    }
  }
  return out as Config;
}

function profileDefault(spec: SettingSpec<unknown>, before: SettingsReadBefore): string {
  return typeof spec.secureDefault === 'function' ? spec.secureDefault(before) : spec.secureDefault!;
}

/** The settings table as Markdown, for README and `thahs config`. */
export function describeSettings(): string {
  const rows = Object.values(settings).map((s) => `| \`${s.env}\` | \`${s.default}\` | ${s.description} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The settings whose default differs in the secure profile, as Markdown (docs/deployment.md). */
export function describeSecureDefaults(): string {
  const rows = (Object.values(settings) as SettingSpec<unknown>[])
    .filter((s) => s.secureDefault !== undefined)
    .map((s) => `| \`${s.env}\` | \`${s.default === '' ? '(empty)' : s.default}\` | \`${s.secureDefaultText ?? String(s.secureDefault)}\` |`);
  return ['| variable | plain default | secure default |', '|---|---|---|', ...rows].join('\n');
}
