import { Kafka, logLevel } from 'kafkajs';
import { loadConfig, readSecret, type Config } from '../../libs/config';
import { kafkaSecurity, kafkaSecuritySettings } from '../../libs/kafka';
import { StackManager } from '../../libs/stack';

/**
 * The secure profile's settings, whatever profile the suite runs in: these tests are about the secure
 * stack, which runs beside the plain one in its own folder and ports.
 */
export function secureConfig(): Config {
  return loadConfig({ ...process.env, THAHS_STACK_PROFILE: 'secure' });
}

/** Brings the secure stack up (reused when it runs; about 15 s then, a minute the first time). */
export async function upSecureStack(): Promise<{ config: Config; stack: StackManager }> {
  const stack = new StackManager(secureConfig(), () => undefined);
  await stack.up();
  // Read again: on a fresh stack the passwords the URLs carry exist only now.
  return { config: secureConfig(), stack };
}

/**
 * A kafkajs client of the secure brokers authenticating as `principal` with its generated password.
 * `brokerErrors` collects the error answers kafkajs logs at debug level: it reports a group the
 * principal may not use as "Failed to find group coordinator", the broker's answer is only there.
 */
export function kafkaAs(config: Config, principal: string, clientId = `test-${principal}`, password?: string, brokerErrors?: string[]): Kafka {
  const security = kafkaSecurity(kafkaSecuritySettings(config), clientId, principal);
  if (password !== undefined && security.sasl) security.sasl = { ...security.sasl, password } as typeof security.sasl;
  return new Kafka({
    clientId,
    brokers: config.kafkaBrokers,
    ...security,
    logLevel: brokerErrors ? logLevel.DEBUG : logLevel.NOTHING,
    logCreator:
      () =>
      ({ log }) => {
        const e = (log as { error?: unknown }).error;
        if (brokerErrors && e) brokerErrors.push(String((e as { message?: string }).message ?? e));
      },
    retry: { retries: 2, initialRetryTime: 100 },
    connectionTimeout: 5000,
    requestTimeout: 10000,
  });
}

export function pgPassword(config: Config, cluster: string, role: string): string {
  return readSecret(config.stackDir, 'pg', `${cluster}.${role}`);
}
