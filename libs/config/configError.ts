import { redactSecrets } from './redact';

const SECRET_SETTING = /PASSWORD|SECRET|TOKEN|PEM/i;

/**
 * A setting that failed validation; names the environment variable so operators can fix it. The value
 * is quoted with its passwords masked (a URL's userinfo, `password=…`), and not at all for a setting
 * that is itself a secret: configuration errors are logged and printed.
 */
export class ConfigError extends Error {
  readonly value: string;

  constructor(
    readonly setting: string,
    value: string,
    readonly reason: string,
  ) {
    const shown = SECRET_SETTING.test(setting) ? '***' : redactSecrets(value);
    super(`invalid setting ${setting}=${JSON.stringify(shown)}: ${redactSecrets(reason)}`);
    this.value = shown;
    this.name = 'ConfigError';
  }
}
