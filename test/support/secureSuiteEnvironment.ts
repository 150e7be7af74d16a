import { loadConfig, readSecret } from '../../libs/config';

/**
 * The suite's settings for the secure stack, written into `env`. globalSetup calls it on the real
 * environment once the stack is up (its passwords exist then), so worker threads — which start from
 * the process's real environment, not a test file's copy — authenticate the same way.
 */
export function secureSuiteEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  const config = loadConfig(env);
  if (config.stackProfile !== 'secure') return false;
  if (!env.THAHS_KAFKA_SASL_USERNAME) {
    env.THAHS_KAFKA_SASL_USERNAME = 'admin';
    env.THAHS_KAFKA_SASL_PASSWORD = readSecret(config.stackDir, 'kafka', 'admin');
  }
  env.THAHS_ACCESS_AUDIT_OWN_SESSIONS ??= 'thahs:thahs-apply-consumer-*';
  return true;
}

/**
 * `url` logged in as another role (and, when given, to another database) in either profile: on the
 * plain stack trust needs no password; on the secure one the role's generated password is set and the
 * TLS parameters are kept. For tests that connect as `postgres` or a service role.
 */
export function urlAsRole(url: string, role: string, database?: string): string {
  const config = loadConfig();
  const u = new URL(url);
  u.username = role;
  if (database !== undefined) u.pathname = `/${database}`;
  if (config.stackProfile === 'secure') {
    const port = Number(u.port);
    const cluster = port === config.candPgPort ? 'cand' : port === config.qdndPgPort ? 'qdnd' : port === config.platformPgPort ? 'platform' : undefined;
    u.password = cluster ? encodeURIComponent(readSecret(config.stackDir, 'pg', `${cluster}.${role}`)) : '';
  } else u.password = '';
  return u.toString();
}
