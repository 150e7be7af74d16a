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
